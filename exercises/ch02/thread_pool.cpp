// Exercise 2.2: a bounded thread pool.
// Read chapters/02-threads/README.md#exercise-22, then replace the stubs below.
#include "ch02/thread_pool.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "hs/exercise.hpp"

namespace hs::ch02 {

// TODO(ex 2.2): start the workers. Each runs a loop: wait (on a condition variable) for a task or
// for shutdown; take the oldest task; run it with the lock released; catch what it throws. If a
// std::thread cannot start (std::system_error), stop the ones already started before rethrowing.
ThreadPool::ThreadPool(std::size_t workers, std::size_t queue_capacity)
    : worker_count_{std::max<std::size_t>(workers, 1)}, capacity_{std::max<std::size_t>(queue_capacity, 1)} {
  exercise_not_done("2.2", "02-threads");
}

// TODO(ex 2.2): shut down (a destructor must not throw: shutdown() from here is safe).
ThreadPool::~ThreadPool() {}

bool ThreadPool::submit([[maybe_unused]] Task task) {
  // TODO(ex 2.2): wait while the queue is full (and not shutting down), push, wake one worker.
  exercise_not_done("2.2", "02-threads");
}

bool ThreadPool::try_submit([[maybe_unused]] Task task) {
  // TODO(ex 2.2): like submit(), but never wait: no room, no task.
  exercise_not_done("2.2", "02-threads");
}

bool ThreadPool::wait_for_room([[maybe_unused]] std::chrono::milliseconds timeout) {
  // TODO(ex 2.2): condition_variable::wait_for with a predicate.
  exercise_not_done("2.2", "02-threads");
}

void ThreadPool::shutdown() {
  // TODO(ex 2.2): refuse new tasks, wake everyone, let the workers drain the queue, join them.
  // Idempotent; a call from one of the pool's own tasks must throw std::logic_error.
  exercise_not_done("2.2", "02-threads");
}

std::size_t ThreadPool::queued() const { exercise_not_done("2.2", "02-threads"); }
std::size_t ThreadPool::busy() const { exercise_not_done("2.2", "02-threads"); }
std::uint64_t ThreadPool::task_errors() const { exercise_not_done("2.2", "02-threads"); }

}  // namespace hs::ch02
