// The plumbing every submission of chapter 07's Ring shares (given: no exercise): the Ring put
// together from its parts and its destructor, a free submission slot, a submission's start, its
// cancel's and its completion's bookkeeping, the one io_uring_enter() (counted), accept, poll,
// close, the received bytes and the next timer.
// Exercise 7.1 (ring.cpp) is the rest: the Queue and the BufferGroup, receive(), send(), cancel(),
// give_back(), reap(), the turn that decides whether to wait and until when, run() and poll().
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <system_error>

#include "ch07/ring.hpp"

namespace hs::ch07 {

void fail(int error, const char* call) { throw std::system_error(error, std::generic_category(), call); }

Ring::Ring(Runtime& runtime, Options options)
    : runtime_{runtime},
      buffers_{options.buffers, options.buffer_size},
      queue_{options.entries},
      group_{queue_, buffers_, buffer_group_id},
      deadlines_{runtime.now(), runtime.timers().tick()} {}

Ring::~Ring() { enter(false, TimePoint::max()); }  // the closes still queued

io_uring_sqe& Ring::slot() {
  io_uring_sqe* sqe = io_uring_get_sqe(queue_.get());
  if (sqe == nullptr) {  // the queue is full: hand it to the kernel now, and take a slot again
    if (const int n = enter(false, TimePoint::max()); n < 0) fail(-n, "io_uring_submit");
    sqe = io_uring_get_sqe(queue_.get());
    if (sqe == nullptr) fail(EBUSY, "io_uring_get_sqe");
  }
  return *sqe;
}

void Ring::start(Completable& target, io_uring_sqe& sqe, TimePoint deadline) {
  io_uring_sqe_set_data(&sqe, &target);
  target.in_flight_ = true;
  target.cancelling_ = false;
  if (in_flight_count_++ == 0) pending_ = runtime_.pending_io();  // the runtime is not finished meanwhile
  if (deadline != TimePoint::max()) {
    target.deadline_.owner = &target;
    deadlines_.arm(target.deadline_, deadline);
  }
}

void Ring::mark_cancelling(Completable& target, Wake why) noexcept {
  target.cancelling_ = true;
  target.cancel_why_ = why;  // remembered until the last completion says how it ended
  deadlines_.cancel(target.deadline_);
}

int Ring::enter(bool wait, TimePoint until) {
  io_uring* queue = queue_.get();
  const unsigned queued = io_uring_sq_ready(queue);
  if (wait && io_uring_cq_ready(queue) > 0) wait = false;  // a completion is here already
  if (!wait && queued == 0) return 0;                      // nothing for the kernel: no system call
  ++stats_.enters;
  int n = 0;
  if (!wait) {
    n = io_uring_submit(queue);
  } else if (until == TimePoint::max()) {
    n = io_uring_submit_and_wait(queue, 1);
  } else {
    using std::chrono::ceil, std::chrono::floor, std::chrono::nanoseconds, std::chrono::seconds;
    const auto ns = ceil<nanoseconds>(std::max(until - runtime_.now(), Duration::zero()));
    const auto s = floor<seconds>(ns);
    __kernel_timespec timeout{s.count(), (ns - s).count()};
    io_uring_cqe* first = nullptr;
    n = io_uring_submit_and_wait_timeout(queue, &first, 1, &timeout, nullptr);
  }
  // ETIME (the time came first) comes only from a call that had nothing to submit, as does EINTR;
  // after EBUSY or EAGAIN the kernel took none of them: they go again next time.
  if (n >= 0 || n == -ETIME) stats_.submitted += queued;
  return n;
}

void Ring::complete(Completable& target, int result, std::uint32_t flags) {
  Completion done{result, flags, Wake::ready};
  if ((flags & IORING_CQE_F_MORE) == 0) {  // its last: the kernel owes it nothing more
    // Cancelled for a reason, and it did end that way (a receive that got its bytes first is a
    // receive: the bytes are the client's, whatever the clock says).
    if (target.cancelling_ && result == -ECANCELED) done.why = target.cancel_why_;
    target.in_flight_ = false;
    target.cancelling_ = false;
    deadlines_.cancel(target.deadline_);
    if (--in_flight_count_ == 0) pending_ = ch06::PendingIo{};
  }
  target.keep(done);
  if (target.waiting_) {
    target.waiting_ = false;
    runtime_.wake(target.waiter_, done.why);
  }
}

void Ring::poll_readable(Operation& op, int fd) {
  io_uring_sqe& sqe = slot();
  io_uring_prep_poll_add(&sqe, fd, POLLIN);
  start(op, sqe, TimePoint::max());
}

void Ring::accept(Stream& stream, int listener) {
  io_uring_sqe& sqe = slot();
  io_uring_prep_multishot_accept(&sqe, listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  start(stream, sqe, TimePoint::max());
}

std::span<const char> Ring::received_bytes(const Completion& done) const noexcept {
  if (done.result <= 0 || (done.flags & IORING_CQE_F_BUFFER) == 0) return {};
  return {buffers_.address(done.flags >> IORING_CQE_BUFFER_SHIFT), static_cast<std::size_t>(done.result)};
}

void Ring::close(Fd fd) {
  if (!fd) return;
  io_uring_sqe& sqe = slot();
  io_uring_prep_close(&sqe, fd.release());
  io_uring_sqe_set_data(&sqe, nullptr);
  sqe.flags |= IOSQE_CQE_SKIP_SUCCESS;  // nobody waits for it: no completion unless it fails
}

TimePoint Ring::next_timer() const {
  TimePoint next = TimePoint::max();
  if (const auto visit = runtime_.timers().next_visit()) next = *visit;
  if (const auto visit = deadlines_.next_visit()) next = std::min(next, *visit);
  return next;
}

}  // namespace hs::ch07
