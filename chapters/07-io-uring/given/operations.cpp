// The plumbing every operation of chapter 07's Ring shares (given: no exercise): a free submission
// slot, an operation's start and finish, the awaitables, and how a completion wakes its task.
// Exercise 7.1 (ring.cpp) is the rest: the rings and the provided buffers, receive(), send(),
// cancel(), and the turn that submits, waits and hands out the completions.
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "ch07/ring.hpp"

namespace hs::ch07 {

void Operation::complete(Ring& ring, int result, std::uint32_t flags) {
  ring.finish(*this);
  done_ = Completion{result, flags, Wake::ready};
  // Cancelled for a reason, and it did end that way (a receive that got its bytes first is a
  // receive: the bytes are the client's, whatever the clock says).
  if (cancelling_ && result == -ECANCELED) done_.why = waiter_.why;
  cancelling_ = false;
  if (waiting_) {
    waiter_.woken = false;
    ring.runtime().wake(waiter_, done_.why);
  }
}

void Stream::complete(Ring& ring, int result, std::uint32_t flags) {
  Completion done{result, flags, Wake::ready};
  if ((flags & IORING_CQE_F_MORE) == 0) {
    active_ = false;
    --ring.in_flight_;
    if (result == -ECANCELED) done.why = cancel_why_;
  }
  queued_.push_back(done);
  if (waiting_) {
    waiting_ = false;
    ring.runtime().wake(waiter_, done.why);
  }
}

Ring::~Ring() {
  io_uring_submit(&ring_);  // the closes still queued
  io_uring_queue_exit(&ring_);
  ::munmap(buffer_ring_, options_.buffers * sizeof(io_uring_buf));
}

io_uring_sqe& Ring::slot() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (sqe == nullptr) {  // the queue is full: hand it to the kernel now, and take a slot again
    ++stats_.enters;
    const int n = io_uring_submit(&ring_);
    if (n < 0) throw std::system_error(-n, std::generic_category(), "io_uring_submit");
    stats_.submitted += static_cast<unsigned>(n);
    sqe = io_uring_get_sqe(&ring_);
    if (sqe == nullptr) throw std::system_error(EBUSY, std::generic_category(), "io_uring_get_sqe");
  }
  return *sqe;
}

void Ring::start(Operation& op, io_uring_sqe& sqe, TimePoint deadline) {
  io_uring_sqe_set_data(&sqe, static_cast<Target*>(&op));
  op.in_flight_ = true;
  op.cancelling_ = false;
  op.waiter_ = ch06::Waiter{};
  ++in_flight_;
  runtime_.add_io_waiter();  // the runtime is not finished while a task waits for the kernel
  if (deadline != TimePoint::max()) {
    op.deadline_.op = &op;
    deadlines_.arm(op.deadline_, deadline);
  }
}

void Ring::finish(Operation& op) noexcept {
  op.in_flight_ = false;
  --in_flight_;
  runtime_.remove_io_waiter();
  deadlines_.cancel(op.deadline_);
}

void Ring::readable(Operation& op, int fd) {
  io_uring_sqe& sqe = slot();
  io_uring_prep_poll_add(&sqe, fd, POLLIN);
  start(op, sqe, TimePoint::max());
}

void Ring::Wait::await_suspend(std::coroutine_handle<> task) noexcept {
  op_.waiter_.task = task;
  op_.waiting_ = true;
}

Completion Ring::Wait::await_resume() noexcept {
  op_.waiting_ = false;
  return op_.done_;
}

std::span<const char> Ring::received_bytes(const Completion& done) const noexcept {
  if (done.result <= 0 || (done.flags & IORING_CQE_F_BUFFER) == 0) return {};
  const std::size_t id = done.flags >> IORING_CQE_BUFFER_SHIFT;
  return {buffers_.get() + id * options_.buffer_size, static_cast<std::size_t>(done.result)};
}

void Ring::accept(Stream& stream, int listener) {
  io_uring_sqe& sqe = slot();
  io_uring_prep_multishot_accept(&sqe, listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  io_uring_sqe_set_data(&sqe, static_cast<Target*>(&stream));
  stream.active_ = true;
  stream.cancel_why_ = Wake::cancelled;
  ++in_flight_;
}

void Ring::cancel(Stream& stream, Wake why) {
  if (!stream.active_) return;
  io_uring_sqe& sqe = slot();  // first: if it throws, the stream is as it was
  io_uring_prep_cancel(&sqe, static_cast<Target*>(&stream), 0);
  io_uring_sqe_set_data(&sqe, nullptr);
  stream.cancel_why_ = why;
}

void Ring::Next::await_suspend(std::coroutine_handle<> task) noexcept {
  stream_.waiter_ = ch06::Waiter{task};
  stream_.waiting_ = true;
  ring_.runtime_.add_io_waiter();
}

Completion Ring::Next::await_resume() noexcept {
  if (stream_.waiter_.task != nullptr) {  // it did suspend
    stream_.waiter_.task = nullptr;
    ring_.runtime_.remove_io_waiter();
  }
  Completion done = stream_.queued_[stream_.next_++];
  if (stream_.next_ == stream_.queued_.size()) {  // all taken: start again at the front
    stream_.queued_.clear();
    stream_.next_ = 0;
  }
  return done;
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
