// Exercise 6.2 (reference): the run queue, the epoll reactor, the awaitables and the run loop.
#include "ch06/runtime.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <system_error>
#include <utility>

namespace hs::ch06 {

// ------------------------------------------------------------------------------------------- WatchedFd

Transfer WatchedFd::read_some(std::span<char> buffer) {
  const ssize_t n = ::recv(fd_.get(), buffer.data(), buffer.size(), 0);
  if (n >= 0) return {static_cast<std::size_t>(n), 0};
  Transfer failed{0, errno};
  if (failed.would_block()) readable_ = false;  // wait for epoll's next "readable"
  return failed;
}

Transfer WatchedFd::write_some(std::span<const char> bytes) {
  const ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
  if (n >= 0) return {static_cast<std::size_t>(n), 0};
  Transfer failed{0, errno};
  if (failed.would_block()) writable_ = false;
  return failed;
}

// --------------------------------------------------------------------------------------- IoWait

bool IoWait::await_ready() const noexcept { return direction_ == Direction::write ? io_.writable_ : io_.readable_; }

void IoWait::await_suspend(std::coroutine_handle<> task) {
  waiter_.task = task;
  (direction_ == Direction::write ? io_.writer_ : io_.reader_) = &waiter_;
  if (deadline_ != TimePoint::max()) {
    timer_.waiter = &waiter_;
    pending_.runtime().timers().arm(timer_, deadline_);
  }
}

Wake IoWait::await_resume() {
  if (waiter_.task == nullptr) return Wake::ready;  // never suspended: ready at once
  Waiter*& slot = direction_ == Direction::write ? io_.writer_ : io_.reader_;
  if (slot == &waiter_) slot = nullptr;  // woken by the deadline or a cancel: stop waiting for I/O
  if (timer_.armed) pending_.runtime().timers().cancel(timer_);  // woken by I/O: the deadline is moot
  return waiter_.why;
}

// ------------------------------------------------------------------------- NextTurn, Sleep, Timer

void NextTurn::await_suspend(std::coroutine_handle<> task) { runtime_.schedule(task); }

void Sleep::await_suspend(std::coroutine_handle<> task) {
  waiter_.task = task;
  timer_.waiter = &waiter_;
  runtime_.timers().arm(timer_, until_);
}

void Timer::Wait::await_suspend(std::coroutine_handle<> task) {
  timer.waiter_ = Waiter{task};
  timer.entry_.waiter = &timer.waiter_;
  timer.runtime_.timers().arm(timer.entry_, until);
  timer.waiting_ = true;
}

Wake Timer::Wait::await_resume() {
  timer.waiting_ = false;
  timer.runtime_.timers().cancel(timer.entry_);  // cancelled: the entry is still armed
  // A timer that fires wakes its waiter with Wake::timeout: for a sleep, that is the point.
  return timer.waiter_.why == Wake::timeout ? Wake::ready : timer.waiter_.why;
}

void Timer::cancel() {
  if (waiting_) runtime_.wake(waiter_, Wake::cancelled);
}

// -------------------------------------------------------------------------------------- Runtime

const Clock& Runtime::steady_clock() {
  static const SteadyClock clock;  // stateless: one for every runtime
  return clock;
}

Runtime::Runtime(const Clock& clock, Duration tick)
    : clock_{clock}, epoll_{::epoll_create1(EPOLL_CLOEXEC)}, timers_{clock.now(), tick} {
  if (!epoll_) throw std::system_error(errno, std::generic_category(), "epoll_create1");
}

Runtime::~Runtime() = default;

void Runtime::watch(WatchedFd& io) {
  epoll_event event{};
  event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  event.data.ptr = &io;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, io.fd(), &event) != 0) {
    throw std::system_error(errno, std::generic_category(), "epoll_ctl");
  }
}

void Runtime::cancel(WatchedFd& io) {
  if (io.reader_ != nullptr) wake(*std::exchange(io.reader_, nullptr), Wake::cancelled);
  if (io.writer_ != nullptr) wake(*std::exchange(io.writer_, nullptr), Wake::cancelled);
}

void Runtime::wake(Waiter& waiter, Wake why) {
  if (waiter.woken) return;
  waiter.woken = true;
  waiter.why = why;
  ready_.push_back(waiter.task);
}

void Runtime::schedule(std::coroutine_handle<> task) { ready_.push_back(task); }

bool Runtime::turn(MayBlock may_block) {
  bool did = false;
  // 1. The tasks ready now. Those they wake go to the next turn, after I/O has had its say.
  running_.swap(ready_);
  for (std::size_t i = 0; i < running_.size(); ++i) {
    did = true;
    try {
      running_[i].resume();
    } catch (...) {  // (spawn(): an on_done that threw) the tasks after it still run, in order, next time
      ready_.insert(ready_.begin(), running_.begin() + static_cast<std::ptrdiff_t>(i) + 1, running_.end());
      running_.clear();
      throw;
    }
  }
  running_.clear();

  // 2. I/O. Block only if nothing is ready, and then only until the wheel's next visit.
  int timeout_ms = 0;
  if (may_block == MayBlock::yes && ready_.empty()) {
    if (const auto visit = timers_.next_visit()) {
      const auto wait = std::chrono::ceil<std::chrono::milliseconds>(*visit - clock_.now());
      timeout_ms = static_cast<int>(std::max<std::chrono::milliseconds::rep>(wait.count(), 0));
    } else {
      timeout_ms = pending_io_ > 0 ? -1 : 0;
    }
  }
  const int n = ::epoll_wait(epoll_.get(), events_.data(), static_cast<int>(events_.size()), timeout_ms);
  if (n < 0 && errno != EINTR) throw std::system_error(errno, std::generic_category(), "epoll_wait");
  for (int i = 0; i < n; ++i) {
    did = true;
    WatchedFd& io = *static_cast<WatchedFd*>(events_[i].data.ptr);
    const auto flags = events_[i].events;
    // A hang-up or an error wakes both sides: the next recv() or send() says what happened.
    const bool broken = (flags & (EPOLLHUP | EPOLLERR)) != 0;
    if (broken || (flags & (EPOLLIN | EPOLLRDHUP)) != 0) {
      io.readable_ = true;
      if (io.reader_ != nullptr) wake(*std::exchange(io.reader_, nullptr), Wake::ready);
    }
    if (broken || (flags & EPOLLOUT) != 0) {
      io.writable_ = true;
      if (io.writer_ != nullptr) wake(*std::exchange(io.writer_, nullptr), Wake::ready);
    }
  }

  // 3. Timers due.
  if (!timers_.empty()) {
    for (auto* entry = timers_.expire(clock_.now()); entry != nullptr; entry = entry->next) {
      did = true;
      wake(*entry->waiter, Wake::timeout);
    }
  }
  return did;
}

void Runtime::run() {
  while (!finished()) turn(MayBlock::yes);
}

void Runtime::poll() {
  while (turn(MayBlock::no)) {
  }
}

}  // namespace hs::ch06
