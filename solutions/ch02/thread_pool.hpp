/// @file
/// Exercise 2.2: a bounded thread pool. A fixed set of worker threads takes tasks from a queue of
/// fixed capacity. When the queue is full, submitters wait (submit) or are told no (try_submit):
/// that is backpressure, and it is how a server stays alive under more load than it can serve.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hs::ch02 {

/// A fixed number of worker threads running tasks from a bounded queue.
class ThreadPool {
 public:
  /// A unit of work. It runs on one of the workers; if it throws, the worker carries on.
  using Task = std::function<void()>;

  /// Starts `workers` threads (at least 1) with room for `queue_capacity` waiting tasks (at least 1).
  /// If a thread cannot be started, stops the ones that were and throws std::system_error.
  ThreadPool(std::size_t workers, std::size_t queue_capacity);
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  /// shutdown(): the queued tasks still run, then the workers are joined.
  ~ThreadPool();

  /// Queues `task`, waiting while the queue is full. Returns false (and drops the task) once the
  /// pool is shutting down.
  bool submit(Task task);

  /// Queues `task` only if there is room now. Returns false if the queue is full or the pool is
  /// shutting down; the task is then not taken.
  bool try_submit(Task task);

  /// Waits up to `timeout` for room in the queue. True if there is room (a submit would not wait);
  /// false once the pool is shutting down, since no task will be taken any more.
  bool wait_for_room(std::chrono::milliseconds timeout);

  /// Stops taking tasks (a submit() waiting for room returns false at once, without waiting for
  /// the workers), lets the workers finish every queued task, and joins them. Idempotent
  /// and safe from several threads (the first call joins; later ones return at once). Must not be
  /// called from a task (it would wait for its own thread): throws std::logic_error.
  void shutdown();

  /// The number of worker threads.
  std::size_t worker_count() const noexcept { return worker_count_; }
  /// Tasks waiting in the queue, not yet started.
  std::size_t queued() const;
  /// Tasks running now.
  std::size_t busy() const;
  /// Tasks that threw (each caught by its worker, which went on to the next task).
  std::uint64_t task_errors() const;

 private:
  void work();

  const std::size_t worker_count_;           ///< fixed at construction
  const std::size_t capacity_;               ///< the bound: more queued tasks than this and submitters wait
  mutable std::mutex mutex_;                 ///< guards everything below except workers_
  std::condition_variable has_task_;         ///< workers wait here for a task, or for shutdown
  std::condition_variable has_room_;         ///< submitters wait here for room in the queue
  std::deque<Task> queue_;                   ///< tasks not yet started, oldest first
  std::size_t busy_ = 0;                     ///< tasks running now
  std::uint64_t errors_ = 0;                 ///< tasks that threw
  bool stopping_ = false;                    ///< set by shutdown(): no new tasks
  std::vector<std::thread::id> worker_ids_;  ///< to recognise a call from a worker (fixed after construction)
  std::vector<std::thread> workers_;         ///< last: started once everything above exists
};

}  // namespace hs::ch02
