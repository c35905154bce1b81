/// @file
/// A process's resource use, read from /proc (Linux): resident memory, address space, threads and
/// CPU time. The measuring tools (hs-thread-cost, hs-load's server sampling) use it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace hs {

/// One reading of a process's resource use.
struct ProcessStats {
  std::uint64_t rss_kb = 0;    ///< resident memory (VmRSS): what is really in RAM
  std::uint64_t vsize_kb = 0;  ///< address space reserved (VmSize): includes untouched thread stacks
  std::uint64_t threads = 0;   ///< threads in the process
  double cpu_seconds = 0;      ///< user + system CPU time so far
};

/// Reads the stats of process `pid` (0: this process). Nothing if it does not exist (any more).
std::optional<ProcessStats> read_process_stats(pid_t pid = 0);

}  // namespace hs
