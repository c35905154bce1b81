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
  template <typename U, typename OnDone>
  friend void spawn(Task<U> task, OnDone on_done);  // it takes the frame over

  explicit Task(std::coroutine_handle<promise_type> frame) noexcept : frame_{frame} {}

  std::coroutine_handle<promise_type> frame_;  ///< owned: destroyed with the Task
};

// ---------------------------------------------------------------- the reference's implementation

namespace detail {

/// What a finished task left for its awaiter: a value or an exception.
template <typename T>
struct Outcome {
  std::optional<T> value;
  std::exception_ptr thrown;

  template <typename U>
  void return_value(U&& v) {
    value.emplace(std::forward<U>(v));
  }
  T take() {
    if (thrown) std::rethrow_exception(thrown);
    return std::move(*value);
  }
};

template <>
struct Outcome<void> {
  std::exception_ptr thrown;

  void return_void() noexcept {}
  void take() const {
    if (thrown) std::rethrow_exception(thrown);
  }
};

/// The final suspension: jump to whoever awaited (symmetric transfer). The frame stays, suspended,
/// until its owner destroys it: the awaiter still has to read the value from it.
struct ResumeAwaiter {
  bool await_ready() const noexcept { return false; }
  template <typename Promise>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> self) const noexcept {
    return self.promise().awaiter;
  }
  void await_resume() const noexcept {}
};

/// The coroutine type of spawn()'s wrapper: starts at once, and frees its own frame when it ends
/// (nobody holds a handle to it). Its unhandled_exception() is in task.cpp.
class Detached {
 public:
  struct promise_type {
    Detached get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() const noexcept { return {}; }
    std::suspend_never final_suspend() const noexcept { return {}; }
    void return_void() const noexcept {}
    void unhandled_exception() const;
  };
};

/// Starts a task's frame and suspends the awaiter until the task has finished, taking nothing
/// from it: spawn()'s wrapper hands the value or exception to on_done straight from the frame.
template <typename Promise>
struct Join {
  std::coroutine_handle<Promise> frame;
  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiter) const noexcept {
    frame.promise().awaiter = awaiter;
    return frame;  // symmetric transfer: jump into the task
  }
  void await_resume() const noexcept {}
};

/// spawn()'s wrapper: owns the task's frame (destroyed when the wrapper ends), runs it to its end,
/// then reports to `on_done`. What `on_done` throws goes to Detached's unhandled_exception().
template <typename T, typename OnDone>
Detached run_detached(std::coroutine_handle<typename Task<T>::promise_type> frame, OnDone on_done) {
  struct Owner {
    std::coroutine_handle<typename Task<T>::promise_type> frame;
    ~Owner() { frame.destroy(); }
  } owner{frame};
  co_await Join<typename Task<T>::promise_type>{frame};
  auto& outcome = frame.promise();
  if constexpr (std::is_void_v<T>) {
    on_done(outcome.thrown);
  } else if (outcome.thrown) {
    on_done(outcome.thrown, T{});
  } else {
    on_done(std::exception_ptr{}, std::move(*outcome.value));
  }
}

}  // namespace detail

template <typename T>
struct Task<T>::promise_type : detail::Outcome<T> {
  std::coroutine_handle<> awaiter;  ///< set when awaited: who resumes when this is done

  Task get_return_object() noexcept { return Task{std::coroutine_handle<promise_type>::from_promise(*this)}; }
  std::suspend_always initial_suspend() const noexcept { return {}; }  // lazy: runs when awaited
  detail::ResumeAwaiter final_suspend() const noexcept { return {}; }
  void unhandled_exception() noexcept { this->thrown = std::current_exception(); }
};

template <typename T>
Task<T>::Task(Task&& other) noexcept : frame_{std::exchange(other.frame_, {})} {}

template <typename T>
Task<T>& Task<T>::operator=(Task&& other) noexcept {
  if (this != &other) {
    if (frame_) frame_.destroy();
    frame_ = std::exchange(other.frame_, {});
  }
  return *this;
}

template <typename T>
Task<T>::~Task() {
  if (frame_) frame_.destroy();
}

template <typename T>
bool Task<T>::await_ready() const {
  assert(frame_ && "co_await on an empty Task (moved from, or given to spawn())");
  return false;
}

template <typename T>
std::coroutine_handle<> Task<T>::await_suspend(std::coroutine_handle<> awaiter) {
  return detail::Join<promise_type>{frame_}.await_suspend(awaiter);
}

template <typename T>
T Task<T>::await_resume() {
  return frame_.promise().take();
}

template <typename T, typename OnDone>
void spawn(Task<T> task, OnDone on_done) {
  detail::run_detached<T>(std::exchange(task.frame_, {}), std::move(on_done));
}

}  // namespace hs::ch06
