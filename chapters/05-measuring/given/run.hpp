/// @file
/// A whole hs-load run: the workers (in this process, or --procs child processes), the server
/// sampler and the progress line, with one io_context and one thread in this process. hs-load's
/// main() parses the command line, calls run_load(), and prints the result (report.hpp).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

#include "given/ch05/options.hpp"
#include "given/ch05/sampler.hpp"
#include "given/ch05/stats.hpp"

namespace hs::load {

/// How progress is shown on stderr while the run goes on.
enum class Progress {
  none,       ///< not at all (--quiet)
  lines,      ///< one plain line per second (stderr is a file or a pipe)
  live_line,  ///< one line rewritten in place every 200 ms (stderr is a terminal)
};

/// Everything a run measured.
struct RunResult {
  Tally tally;                        ///< outcomes and latency samples of every worker, merged
  LatencySummary latency;             ///< percentiles of tally.latencies_us
  std::int64_t peak_open = 0;         ///< most connections open at once, over all workers
  double elapsed_s = 0;               ///< from the first connect to the last handshake's end
  double client_cpu_s = 0;            ///< CPU time of hs-load itself, workers included
  std::optional<ServerUsage> server;  ///< with a server pid: what the sampler saw
};

/// Runs `options` to the end. With `server_pid`, samples that process every 50 ms (the idle reading
/// is taken before the first connect; throws std::runtime_error if the process does not exist).
/// Throws if a worker process fails (as opposed to handshakes failing, which are counted).
RunResult run_load(const LoadOptions& options, std::optional<pid_t> server_pid, Progress progress);

}  // namespace hs::load
