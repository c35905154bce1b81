// Exercise 7.1 (reference): the rings and the provided buffers, the submissions of receive(),
// send() and cancel(), and the turn: submit and wait in one io_uring_enter(), hand out the
// completions, cancel what is past its deadline. (The rest of the Ring is given: given/operations.cpp.)
#include "ch07/ring.hpp"

#include <sys/mman.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <system_error>

namespace hs::ch07 {

namespace {

[[noreturn]] void fail(int error, const char* what) { throw std::system_error(error, std::generic_category(), what); }

}  // namespace

Ring::Ring(Runtime& runtime, Options options)
    : runtime_{runtime}, options_{options}, deadlines_{runtime.now(), std::chrono::milliseconds{10}} {
  if (options_.buffers == 0 || (options_.buffers & (options_.buffers - 1)) != 0 || options_.buffers > 32768) {
    throw std::invalid_argument("Ring: buffers must be a power of two, at most 32768");
  }
  // COOP_TASKRUN: the kernel finishes our operations' work (the receive, once bytes came) when
  // this thread next enters the kernel, which it does every turn, instead of interrupting it
  // wherever it is: measured at 100 clients, less CPU per handshake in every round (chapter 07's
  // README). Kernels before 5.19 refuse the flag: then without it.
  buffers_ = std::make_unique<char[]>(options_.buffers * options_.buffer_size);  // first: it may throw
  io_uring_params params{};
  params.flags = IORING_SETUP_COOP_TASKRUN;
  int status = -io_uring_queue_init_params(options_.entries, &ring_, &params);
  if (status == EINVAL) status = -io_uring_queue_init(options_.entries, &ring_, 0);
  if (status != 0) fail(status, "io_uring_queue_init");
  // The buffer ring: an array of (address, length, id) that we fill and the kernel takes from.
  const std::size_t ring_bytes = options_.buffers * sizeof(io_uring_buf);
  void* memory = ::mmap(nullptr, ring_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (memory == MAP_FAILED) {
    const int error = errno;
    io_uring_queue_exit(&ring_);
    fail(error, "mmap");
  }
  buffer_ring_ = static_cast<io_uring_buf_ring*>(memory);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<std::uintptr_t>(memory);
  reg.ring_entries = options_.buffers;
  reg.bgid = buffer_group;
  if (const int error = -io_uring_register_buf_ring(&ring_, &reg, 0); error != 0) {
    ::munmap(memory, ring_bytes);
    io_uring_queue_exit(&ring_);
    fail(error, "io_uring_register_buf_ring");
  }
  io_uring_buf_ring_init(buffer_ring_);
  const int mask = io_uring_buf_ring_mask(options_.buffers);
  for (unsigned id = 0; id < options_.buffers; ++id) {
    io_uring_buf_ring_add(buffer_ring_, buffers_.get() + id * options_.buffer_size,
                          static_cast<unsigned>(options_.buffer_size), static_cast<std::uint16_t>(id), mask,
                          static_cast<int>(id));
  }
  io_uring_buf_ring_advance(buffer_ring_, static_cast<int>(options_.buffers));
}

void Ring::receive(Operation& op, int fd, TimePoint deadline) {
  io_uring_sqe& sqe = slot();
  io_uring_prep_recv(&sqe, fd, nullptr, options_.buffer_size, 0);
  sqe.flags |= IOSQE_BUFFER_SELECT;  // no buffer now: the kernel picks one when bytes arrive
  sqe.buf_group = buffer_group;
  start(op, sqe, deadline);
}

void Ring::send(Operation& op, int fd, std::span<const char> bytes, TimePoint deadline) {
  io_uring_sqe& sqe = slot();
  io_uring_prep_send(&sqe, fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  start(op, sqe, deadline);
}

void Ring::cancel(Operation& op, Wake why) {
  if (!op.in_flight_ || op.cancelling_) return;
  io_uring_sqe& sqe = slot();  // first: if it throws, the operation is as it was, deadline and all
  io_uring_prep_cancel(&sqe, static_cast<Target*>(&op), 0);
  io_uring_sqe_set_data(&sqe, nullptr);  // the cancel's own completion says nothing we need
  op.cancelling_ = true;
  op.waiter_.why = why;  // remembered until the completion says how it ended
  deadlines_.cancel(op.deadline_);
}

void Ring::give_back(const Completion& done) noexcept {
  if ((done.flags & IORING_CQE_F_BUFFER) == 0) return;
  const auto id = static_cast<std::uint16_t>(done.flags >> IORING_CQE_BUFFER_SHIFT);
  io_uring_buf_ring_add(buffer_ring_, buffers_.get() + std::size_t{id} * options_.buffer_size,
                        static_cast<unsigned>(options_.buffer_size), id, io_uring_buf_ring_mask(options_.buffers), 0);
  io_uring_buf_ring_advance(buffer_ring_, 1);
}

bool Ring::reap() {
  io_uring_cqe* cqe = nullptr;
  unsigned seen = 0;
  unsigned head = 0;
  io_uring_for_each_cqe(&ring_, head, cqe) {
    ++seen;
    if (auto* target = static_cast<Target*>(io_uring_cqe_get_data(cqe))) {
      ++stats_.completions;
      if (cqe->res == -ENOBUFS) ++stats_.no_buffers;
      target->complete(*this, cqe->res, cqe->flags);
    }
  }
  io_uring_cq_advance(&ring_, seen);
  return seen > 0;
}

bool Ring::turn(bool may_block) {
  const unsigned queued = io_uring_sq_ready(&ring_);
  // Wait only for something that will come: a completion owed, or a timer (a sleep, a deadline).
  const TimePoint next = may_block ? next_timer() : TimePoint::max();
  const bool wait = may_block && (in_flight_ > 0 || next != TimePoint::max());
  if (wait || queued > 0) {
    ++stats_.enters;
    int n = 0;
    if (!wait) {
      n = io_uring_submit(&ring_);
    } else if (next == TimePoint::max()) {
      n = io_uring_submit_and_wait(&ring_, 1);
    } else {
      const auto ns = std::chrono::ceil<std::chrono::nanoseconds>(std::max(next - runtime_.now(), Duration::zero()));
      __kernel_timespec timeout{ns.count() / 1'000'000'000, ns.count() % 1'000'000'000};
      io_uring_cqe* first = nullptr;
      n = io_uring_submit_and_wait_timeout(&ring_, &first, 1, &timeout, nullptr);
    }
    // ETIME: the timer came first (nothing was queued); EINTR: a signal; EBUSY, EAGAIN: the completion queue is full
    // (the kernel keeps the overflow): reap below, and submit again next turn.
    if (n >= 0 || n == -ETIME) stats_.submitted += queued;
    if (n < 0 && n != -ETIME && n != -EINTR && n != -EBUSY && n != -EAGAIN) fail(-n, "io_uring_enter");
  }
  bool did = reap();
  // The deadlines due: ask the kernel to cancel their operations. Each one's own completion
  // (-ECANCELED, or its result if it finished first) is what wakes its task, in a later turn.
  if (!deadlines_.empty()) {
    for (auto* entry = deadlines_.expire(runtime_.now()); entry != nullptr;) {
      auto* after = entry->next;  // read before cancel() touches the wheel
      cancel(*static_cast<Operation::Deadline*>(entry)->op, Wake::timeout);
      did = true;
      entry = after;
    }
  }
  return did;
}

void Ring::run() {
  while (!finished()) {
    runtime_.turn(false);
    turn(!runtime_.has_ready());
  }
  io_uring_submit(&ring_);
}

void Ring::poll() {
  for (;;) {
    const bool ran = runtime_.turn(false);
    const bool completed = turn(false);
    if (!ran && !completed) return;
  }
}

}  // namespace hs::ch07
