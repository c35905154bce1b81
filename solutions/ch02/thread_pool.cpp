// Exercise 2.2 (reference): a bounded thread pool.
#include "ch02/thread_pool.hpp"

#include <algorithm>
#include <exception>
#include <stdexcept>
#include <utility>

namespace hs::ch02 {

ThreadPool::ThreadPool(std::size_t workers, std::size_t queue_capacity)
    : worker_count_{std::max<std::size_t>(workers, 1)}, capacity_{std::max<std::size_t>(queue_capacity, 1)} {
  workers_.reserve(worker_count_);
  try {
    for (std::size_t i = 0; i < worker_count_; ++i) {
      workers_.emplace_back([this] { work(); });
      worker_ids_.push_back(workers_.back().get_id());
    }
  } catch (...) {  // a thread could not start: stop the ones that did, or their destructors terminate()
    shutdown();
    throw;
  }
}

// A destructor cannot throw: a pool destroyed by one of its own tasks (shutdown() refuses to wait
// for its own thread) ends the program here, as any exception leaving a destructor would.
ThreadPool::~ThreadPool() {
  try {
    shutdown();
  } catch (...) {
    std::terminate();
  }
}

bool ThreadPool::submit(Task task) {
  {
    std::unique_lock lock{mutex_};
    has_room_.wait(lock, [this] { return stopping_ || queue_.size() < capacity_; });
    if (stopping_) return false;
    queue_.push_back(std::move(task));
  }
  has_task_.notify_one();  // after unlocking: the woken worker need not wait for the lock
  return true;
}

bool ThreadPool::try_submit(Task task) {
  {
    const std::lock_guard lock{mutex_};
    if (stopping_ || queue_.size() >= capacity_) return false;
    queue_.push_back(std::move(task));
  }
  has_task_.notify_one();
  return true;
}

bool ThreadPool::wait_for_room(std::chrono::milliseconds timeout) {
  std::unique_lock lock{mutex_};
  return has_room_.wait_for(lock, timeout, [this] { return stopping_ || queue_.size() < capacity_; }) && !stopping_;
}

void ThreadPool::shutdown() {
  for (const auto id : worker_ids_) {
    if (id == std::this_thread::get_id()) {
      throw std::logic_error("ThreadPool::shutdown() called from one of its own tasks: it would join itself");
    }
  }
  std::vector<std::thread> workers;
  {
    const std::lock_guard lock{mutex_};
    stopping_ = true;
    workers.swap(workers_);  // whoever calls first joins; a second caller finds none
  }
  has_task_.notify_all();  // idle workers wake, drain the queue, and exit
  has_room_.notify_all();  // blocked submitters wake and give up
  for (auto& w : workers) w.join();
}

std::size_t ThreadPool::queued() const {
  const std::lock_guard lock{mutex_};
  return queue_.size();
}

std::size_t ThreadPool::busy() const {
  const std::lock_guard lock{mutex_};
  return busy_;
}

std::uint64_t ThreadPool::task_errors() const {
  const std::lock_guard lock{mutex_};
  return errors_;
}

void ThreadPool::work() {
  while (true) {
    Task task;
    {
      std::unique_lock lock{mutex_};
      has_task_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to do
      task = std::move(queue_.front());
      queue_.pop_front();
      ++busy_;
    }
    // notify_all, not notify_one: waiters include wait_for_room(), which only looks; if the one
    // woken were such a looker, a submitter blocked in submit() would miss its turn for good.
    has_room_.notify_all();
    bool threw = false;
    try {
      task();
    } catch (...) {  // contained: one bad task must not take a worker (or the process) down
      threw = true;
    }
    const std::lock_guard lock{mutex_};
    --busy_;
    if (threw) ++errors_;
  }
}

}  // namespace hs::ch02
