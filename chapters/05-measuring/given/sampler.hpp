/// @file
/// Watches the server under load from the outside, through /proc: its memory (RSS) when idle, at
/// its peak, and when the most connections were open; its CPU time over the run. The run's monitor
/// coroutine calls sample() every 50 ms (run.cpp); this class only keeps the figures.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace hs::load {

/// What the sampler saw of the server.
struct ServerUsage {
  pid_t pid = 0;                          ///< the server's process id
  std::uint64_t rss_idle_kb = 0;          ///< RSS before the load started
  std::uint64_t rss_peak_kb = 0;          ///< the highest RSS sampled
  std::uint64_t rss_at_most_open_kb = 0;  ///< RSS in the (latest) sample that saw the most connections open
  std::int64_t most_open_sampled = 0;     ///< how many connections were open in that sample
  double cpu_start_s = 0;                 ///< server CPU time (user + system) before the load
  double cpu_end_s = 0;                   ///< ... and at the last sample
  std::uint64_t samples = 0;              ///< how many readings were taken
  bool vanished = false;                  ///< the process went away during the run

  /// Server CPU time spent during the run.
  double cpu_used_s() const { return cpu_end_s - cpu_start_s; }
  /// Memory per open connection at the moment of highest sampled concurrency, in KiB (0 if none open).
  double kib_per_connection() const;
};

/// Samples one process's RSS and CPU time (hs::read_process_stats).
class ServerSampler {
 public:
  /// Takes the idle reading now, before any load. Throws std::runtime_error if `pid` does not exist.
  explicit ServerSampler(pid_t pid);

  /// One reading, with `open_now` connections open. After the process vanishes, does nothing.
  void sample(std::int64_t open_now);

  /// The figures so far.
  const ServerUsage& usage() const noexcept { return usage_; }

 private:
  ServerUsage usage_;
};

}  // namespace hs::load
