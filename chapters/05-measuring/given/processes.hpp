/// @file
/// --procs: worker processes for a load too big for one process's file descriptors. The parent
/// forks them before it creates any io_context or thread; each runs its share and writes its Tally
/// as text (stats.hpp) to a pipe; the parent reads every pipe, merges, and reaps the children.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "given/ch05/live_counters.hpp"

namespace hs::load {

/// LiveCounters in memory shared with the processes forked after it (mmap MAP_SHARED): every
/// worker adds to the same counters, so the parent's progress line and peak cover them all.
class SharedCounters {
 public:
  SharedCounters();
  SharedCounters(const SharedCounters&) = delete;
  SharedCounters& operator=(const SharedCounters&) = delete;
  ~SharedCounters();

  /// The counters.
  LiveCounters& get() const noexcept { return *counters_; }

 private:
  LiveCounters* counters_;
};

/// A forked worker, as the parent sees it.
struct WorkerProcess {
  pid_t pid = -1;      ///< to wait for
  int result_fd = -1;  ///< read end of the pipe that brings its result text; the parent closes it
};

/// Forks `count` workers. Worker i runs `work(i)` and writes the text it returns to its pipe, then
/// exits (status 0, or 1 after printing the exception that `work` threw). Flush stdio before
/// calling. Throws std::system_error if a pipe or a fork fails (workers already started are killed).
std::vector<WorkerProcess> start_workers(int count, const std::function<std::string(int)>& work);

/// Waits for `worker` to exit and returns its exit status (128 + N if killed by signal N).
int wait_for(const WorkerProcess& worker);

}  // namespace hs::load
