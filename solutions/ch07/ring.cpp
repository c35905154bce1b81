// Exercise 7.1 (reference): the Queue and the BufferGroup (each acquires in its constructor and
// releases in its destructor), the submissions of receive(), send() and cancel(), and the turn:
// whether to wait and until when, one enter() to submit and wait, hand out the completions, cancel
// what is past its deadline. (The rest of the Ring is given: given/operations.cpp and
// given/buffers.cpp.)
#include "ch07/ring.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace hs::ch07 {

// COOP_TASKRUN: the kernel finishes our operations' work (the receive, once bytes came) when
// this thread next enters the kernel, which it does every turn, instead of interrupting it
// wherever it is: less CPU per handshake (README, "Two rings"). Kernels before 5.19 refuse the
// flag: then without it.
Queue::Queue(unsigned entries) {
  io_uring_params params{};
  params.flags = IORING_SETUP_COOP_TASKRUN;
  int error = -io_uring_queue_init_params(entries, &uring_, &params);
  if (error == EINVAL) error = -io_uring_queue_init(entries, &uring_, 0);
  if (error != 0) fail(error, "io_uring_queue_init");
}

Queue::~Queue() { io_uring_queue_exit(&uring_); }

BufferGroup::BufferGroup(Queue& queue, Buffers& buffers, std::uint16_t id) : queue_{queue}, id_{id} {
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<std::uintptr_t>(buffers.buf_ring());
  reg.ring_entries = buffers.count();
  reg.bgid = id;
  if (const int error = -io_uring_register_buf_ring(queue.get(), &reg, 0); error != 0) {
    fail(error, "io_uring_register_buf_ring");
  }
  io_uring_buf_ring_init(buffers.buf_ring());
  const int mask = io_uring_buf_ring_mask(buffers.count());
  for (unsigned buffer = 0; buffer < buffers.count(); ++buffer) {
    io_uring_buf_ring_add(buffers.buf_ring(), buffers.address(buffer), static_cast<unsigned>(buffers.size()),
                          static_cast<std::uint16_t>(buffer), mask, static_cast<int>(buffer));
  }
  io_uring_buf_ring_advance(buffers.buf_ring(), static_cast<int>(buffers.count()));
}

BufferGroup::~BufferGroup() { io_uring_unregister_buf_ring(queue_.get(), id_); }

void Ring::receive(Operation& op, int fd, TimePoint deadline) {
  io_uring_sqe& sqe = slot();
  io_uring_prep_recv(&sqe, fd, nullptr, buffers_.size(), 0);
  sqe.flags |= IOSQE_BUFFER_SELECT;  // no buffer now: the kernel picks one when bytes arrive
  sqe.buf_group = buffer_group_id;
  start(op, sqe, deadline);
}

void Ring::send(Operation& op, int fd, std::span<const char> bytes, TimePoint deadline) {
  io_uring_sqe& sqe = slot();
  io_uring_prep_send(&sqe, fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  start(op, sqe, deadline);
}

void Ring::cancel(Completable& target, Wake why) {
  if (!target.in_flight_ || target.cancelling_) return;
  io_uring_sqe& sqe = slot();  // first: if it throws, the target is as it was, deadline and all
  io_uring_prep_cancel(&sqe, &target, 0);
  io_uring_sqe_set_data(&sqe, nullptr);  // the cancel's own completion says nothing we need
  mark_cancelling(target, why);
}

void Ring::give_back(const Completion& done) noexcept {
  if ((done.flags & IORING_CQE_F_BUFFER) == 0) return;
  const auto id = static_cast<std::uint16_t>(done.flags >> IORING_CQE_BUFFER_SHIFT);
  io_uring_buf_ring_add(buffers_.buf_ring(), buffers_.address(id), static_cast<unsigned>(buffers_.size()), id,
                        io_uring_buf_ring_mask(buffers_.count()), 0);
  io_uring_buf_ring_advance(buffers_.buf_ring(), 1);
}

bool Ring::reap() {
  io_uring_cqe* cqe = nullptr;
  unsigned seen = 0;
  unsigned head = 0;
  io_uring_for_each_cqe(queue_.get(), head, cqe) {
    ++seen;
    if (auto* target = static_cast<Completable*>(io_uring_cqe_get_data(cqe))) {
      ++stats_.completions;
      if (cqe->res == -ENOBUFS) ++stats_.no_buffers;
      complete(*target, cqe->res, cqe->flags);
    }
  }
  io_uring_cq_advance(queue_.get(), seen);
  return seen > 0;
}

bool Ring::turn(MayBlock may_block) {
  // Wait only for something that will come: a completion owed, or a timer (a sleep, a deadline).
  const bool blocking = may_block == MayBlock::yes;
  const TimePoint next = blocking ? next_timer() : TimePoint::max();
  const bool wait = blocking && (in_flight_count_ > 0 || next != TimePoint::max());
  // Submit and wait in one system call. ETIME: the timer came first; EINTR: a signal; EBUSY,
  // EAGAIN: the completion queue is full (the kernel keeps the overflow): reap below, and submit
  // again next turn.
  const int n = enter(wait, next);
  if (n < 0 && n != -ETIME && n != -EINTR && n != -EBUSY && n != -EAGAIN) fail(-n, "io_uring_enter");
  bool did = reap();
  // The deadlines due: ask the kernel to cancel their operations. Each one's own completion
  // (-ECANCELED, or its result if it finished first) is what wakes its task, in a later turn.
  if (!deadlines_.empty()) {
    for (auto* entry = deadlines_.expire(runtime_.now()); entry != nullptr;) {
      auto* after = entry->next;  // read before cancel() touches the wheel
      cancel(*static_cast<Completable::Deadline*>(entry)->owner, Wake::timeout);
      did = true;
      entry = after;
    }
  }
  return did;
}

void Ring::run() {
  while (!finished()) {
    runtime_.turn(MayBlock::no);
    turn(runtime_.has_ready() ? MayBlock::no : MayBlock::yes);
  }
  enter(false, TimePoint::max());  // the last closes, which no task waits for
}

void Ring::poll() {
  for (;;) {
    const bool ran = runtime_.turn(MayBlock::no);
    const bool completed = turn(MayBlock::no);
    if (!ran && !completed) return;
  }
}

}  // namespace hs::ch07
