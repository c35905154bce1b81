/// @file
/// Exercise 6.1: Task<T>, the coroutine type every function of this chapter returns, and spawn(),
/// which starts one that nobody awaits. Chapter 03 had asio::awaitable and co_spawn; this is what
/// they are made of (README, "A task of your own").
///
/// A Task is *lazy*: calling `Task<int> f()` creates its frame and runs nothing. `co_await f()`
/// starts it, and the awaiting coroutine resumes when f has returned (or thrown), with its value.
/// Nothing here knows about sockets or time: a Task suspends only inside the awaitables of the
/// runtime (runtime.hpp), which resume it later.
#pragma once

#include <cassert>
#include <coroutine>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "hs/exercise.hpp"

namespace hs::ch06 {

template <typename T = void>
class Task;

/// Starts `task` now, on this thread, detached: it runs until its first suspension, and this
/// returns then (a task that never suspends has finished by then). Nobody awaits it; when it ends,
/// `on_done` is called once, with what it threw (null if it returned) and, for a Task<T> with a
/// value, with that value (T{} if it threw): `on_done(thrown)` or `on_done(thrown, value)`. Its
/// frame and `on_done` are destroyed right after. An exception that escapes `on_done` itself
/// propagates to whoever resumed the task last (the Runtime's run(): so a stub's ExerciseNotDone
/// stops the program and says so).
template <typename T, typename OnDone>
void spawn(Task<T> task, OnDone on_done);

/// A lazy coroutine that produces a T (or nothing, for Task<void>) or an exception, for the one
/// coroutine that awaits it. It owns its frame: the frame is destroyed exactly once, when the Task
/// is destroyed, whether the coroutine ran to its end, was never started, or is suspended. Move-only:
/// a moved-from Task owns nothing; a Task assigned to destroys the frame it owned and takes the other's.
///
/// `co_await task` starts it and suspends the awaiter; when the task finishes, the awaiter resumes
/// by symmetric transfer (the task's final suspension returns the awaiter's handle, so the switch
/// is a jump, not a nested call): a loop that awaits a million tasks that finish at once uses no
/// more stack than one. The value is returned from the co_await; an exception the task let escape
/// is rethrown there. A Task is awaited at most once, and never once empty (asserted in a debug
/// build, as cppcoro does).
template <typename T>
class [[nodiscard]] Task {
 public:
  struct promise_type;

  /// Takes `other`'s frame; `other` owns nothing after.
  Task(Task&& other) noexcept;
  /// Destroys this Task's frame, if any, and takes `other`'s.
  Task& operator=(Task&& other) noexcept;
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task();

  /// Awaiting (the three functions `co_await` calls): never ready before it has run.
  bool await_ready() const;
  /// Starts the task, remembering `awaiter` to resume when it is done.
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiter);
  /// Its value, or its exception rethrown.
  T await_resume();

 private:
  // TODO(ex 6.1): the private part is yours to design: at least the frame's handle, which this Task
  // owns. Below the class: the promise_type (what `co_await`, `co_return` and an escaping exception
  // do to the frame), and the definitions of the functions above. README, "Exercise 6.1".
  explicit Task(std::coroutine_handle<promise_type> frame) noexcept : frame_{frame} {}

  std::coroutine_handle<promise_type> frame_;
};

// ------------------------------------------------------------------------------ your implementation

template <typename T>
struct Task<T>::promise_type {
  // TODO(ex 6.1): lazy (suspend at the start), resume the awaiter at the end (symmetric transfer),
  // keep the value or the exception. These stubs only let the chapter compile.
  Task get_return_object() noexcept { return Task{std::coroutine_handle<promise_type>::from_promise(*this)}; }
  std::suspend_always initial_suspend() const noexcept { return {}; }
  std::suspend_always final_suspend() const noexcept { return {}; }
  void unhandled_exception() const noexcept {}
  template <typename U>
  void return_value(U&&) const noexcept {}
};

template <>
struct Task<void>::promise_type {
  Task get_return_object() noexcept { return Task{std::coroutine_handle<promise_type>::from_promise(*this)}; }
  std::suspend_always initial_suspend() const noexcept { return {}; }
  std::suspend_always final_suspend() const noexcept { return {}; }
  void unhandled_exception() const noexcept {}
  void return_void() const noexcept {}
};

template <typename T>
Task<T>::Task(Task&& other) noexcept : frame_{std::exchange(other.frame_, {})} {}

template <typename T>
Task<T>& Task<T>::operator=(Task&& other) noexcept {
  frame_ = std::exchange(other.frame_, {});  // TODO(ex 6.1): and the old frame?
  return *this;
}

template <typename T>
Task<T>::~Task() {}  // TODO(ex 6.1): the frame is ours to destroy

template <typename T>
bool Task<T>::await_ready() const {
  exercise_not_done("6.1", "06-runtime");
}

template <typename T>
std::coroutine_handle<> Task<T>::await_suspend(std::coroutine_handle<> awaiter) {
  exercise_not_done("6.1", "06-runtime");
  return awaiter;
}

template <typename T>
T Task<T>::await_resume() {
  exercise_not_done("6.1", "06-runtime");
}

template <typename T, typename OnDone>
void spawn(Task<T>, OnDone) {
  exercise_not_done("6.1", "06-runtime");  // TODO(ex 6.1): start it now, detached; call on_done when it ends
}

}  // namespace hs::ch06
