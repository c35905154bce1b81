// Exercise 6.2: the run queue, the epoll reactor and the run loop (README, "Exercise 6.2"). Replace
// each stub; `build/dev/bin/hs-ch06-tests '[ex6.2]'` says how far you are.
#include "ch06/runtime.hpp"

#include "hs/exercise.hpp"

namespace hs::ch06 {

// TODO(ex 6.2): recv(), and forget the readiness on EAGAIN.
Transfer WatchedFd::read_some(std::span<char>) { exercise_not_done("6.2", "06-runtime"); }

// TODO(ex 6.2): send() without SIGPIPE, and forget the readiness on EAGAIN.
Transfer WatchedFd::write_some(std::span<const char>) { exercise_not_done("6.2", "06-runtime"); }

// TODO(ex 6.2): ready if the WatchedFd's readiness says so.
bool IoWait::await_ready() const noexcept { return false; }

// TODO(ex 6.2): register as the WatchedFd's reader or writer (and arm the deadline's timer, if any).
void IoWait::await_suspend(std::coroutine_handle<>) { exercise_not_done("6.2", "06-runtime"); }

// TODO(ex 6.2): stop waiting for what did not happen, and say what did.
Wake IoWait::await_resume() { exercise_not_done("6.2", "06-runtime"); }

// TODO(ex 6.2): to the back of the run queue.
void NextTurn::await_suspend(std::coroutine_handle<>) { exercise_not_done("6.2", "06-runtime"); }

// TODO(ex 6.3): on the wheel.
void Sleep::await_suspend(std::coroutine_handle<>) { exercise_not_done("6.3", "06-runtime"); }

// TODO(ex 6.3): a sleep another task can cancel.
void Timer::Wait::await_suspend(std::coroutine_handle<>) { exercise_not_done("6.3", "06-runtime"); }
Wake Timer::Wait::await_resume() { exercise_not_done("6.3", "06-runtime"); }
void Timer::cancel() { exercise_not_done("6.3", "06-runtime"); }

const Clock& Runtime::steady_clock() {
  static const SteadyClock clock;  // (given) stateless: one for every runtime
  return clock;
}

// TODO(ex 6.2): an epoll instance.
Runtime::Runtime(const Clock& clock, Duration tick) : clock_{clock}, timers_{clock.now(), tick} {
  exercise_not_done("6.2", "06-runtime");
}

Runtime::~Runtime() = default;

// TODO(ex 6.2): epoll_ctl(), edge-triggered, for both directions.
void Runtime::watch(WatchedFd&) { exercise_not_done("6.2", "06-runtime"); }

// TODO(ex 6.2): wake the WatchedFd's reader and writer, if any, with Wake::cancelled, and forget them.
void Runtime::cancel(WatchedFd&) { exercise_not_done("6.2", "06-runtime"); }

// TODO(ex 6.2): the first reason wins.
void Runtime::wake(Waiter&, Wake) { exercise_not_done("6.2", "06-runtime"); }

// TODO(ex 6.2): queue the task for the next turn, as wake() does, with no Waiter to mark.
void Runtime::schedule(std::coroutine_handle<>) { exercise_not_done("6.2", "06-runtime"); }

// TODO(ex 6.2): ready tasks, then I/O, then timers.
bool Runtime::turn(MayBlock) { exercise_not_done("6.2", "06-runtime"); }

// TODO(ex 6.2): turns that may block, until finished().
void Runtime::run() { exercise_not_done("6.2", "06-runtime"); }

// TODO(ex 6.2): turns that may not block, until one does nothing.
void Runtime::poll() { exercise_not_done("6.2", "06-runtime"); }

}  // namespace hs::ch06
