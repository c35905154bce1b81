/// @file
/// The per-handshake work (given): what `--work-ms N --work MODE` makes the server do between
/// reading HELLO X and answering. Each mode is one of the lesson's experiments (README, "Pitfall 1"
/// and "Pitfall 2"): a blocking sleep on the io thread (the pitfall), an awaited timer, a
/// blocking "downstream" call offloaded to a pool behind a circuit breaker, and real CPU work
/// (hashing) inline or offloaded.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include <asio/thread_pool.hpp>

#include "ch03/connection.hpp"
#include "ch04/breaker.hpp"
#include "given/ch04/asio_types.hpp"
#include "given/ch04/prometheus.hpp"
#include "hs/protocol.hpp"

namespace hs::ch04 {

/// How the work of a handshake is done.
enum class WorkMode {
  blocking,     ///< std::this_thread::sleep_for on the io thread: the pitfall
  timer,        ///< an awaited timer: the event-loop way to wait
  offload,      ///< a blocking call to a "downstream", on the pool, behind the circuit breaker
  cpu,          ///< hashing for about N ms, on the io thread
  cpu_offload,  ///< the same hashing, on the pool
};

/// Whether `mode` hashes (cpu, cpu-offload): the modes whose work is sized in hash rounds.
constexpr bool hashes(WorkMode mode) noexcept { return mode == WorkMode::cpu || mode == WorkMode::cpu_offload; }

/// The mode's name on the command line: "blocking", "timer", "offload", "cpu", "cpu-offload".
std::string_view mode_name(WorkMode mode) noexcept;
/// The mode named `name`, if it is one.
std::optional<WorkMode> mode_from_name(std::string_view name) noexcept;

/// Everything about the work, from the command line.
struct WorkOptions {
  WorkMode mode = WorkMode::timer;        ///< `--work`
  std::chrono::milliseconds duration{0};  ///< `--work-ms`: 0 = no work at all
  unsigned pool_threads = 2;              ///< `--pool-threads`: threads for offloaded work
  /// `--downstream-timeout`: offloaded calls slower than this count as failures (0 = never)
  std::chrono::milliseconds downstream_timeout{0};
  CircuitBreaker::Options breaker;  ///< `--breaker-failures`, `--breaker-cool-down`
  /// `--cpu-rounds-per-ms`: hash rounds per ms of CPU work (0 = measure_rounds_per_ms() now). Two
  /// runs given the same figure do the same work, however busy the machine was when each started.
  std::uint64_t cpu_rounds_per_ms = 0;
};

/// How many hash rounds this machine does in a millisecond: 20 ms of hashing, timed. On a busy
/// machine it comes out low, and N ms of work then take less than N ms when the load is gone.
std::uint64_t measure_rounds_per_ms();

/// What the work came to: chapter 03's WorkOutcome (cancelled by a deadline, or an ERROR line to
/// answer instead of HELLO Y: the downstream failed, or its breaker is open).
using ch03::WorkOutcome;

/// The work every session does once per handshake. Shared by all sessions, on all io threads: its
/// pool, breaker and metrics are thread-safe. Destroying it waits for the pool's jobs to end.
class Work {
 public:
  /// Starts the pool (options.pool_threads threads). For the CPU modes, rounds_per_ms() is
  /// options.cpu_rounds_per_ms, or measured now if that is 0.
  Work(WorkOptions options, ServerMetrics& metrics);
  Work(const Work&) = delete;
  Work& operator=(const Work&) = delete;
  ~Work();

  /// Waits for the jobs on the pool to end (before their sessions' frames may go).
  void join() { pool_.join(); }

  /// Whether a handshake has any work to do (`--work-ms` above 0).
  bool needed() const noexcept { return options_.duration.count() > 0; }
  /// Does one handshake's work, from a session coroutine (on its strand).
  Awaitable<WorkOutcome> run();

  /// The options it runs with.
  const WorkOptions& options() const noexcept { return options_; }
  /// The breaker in front of the downstream (for the metrics).
  const CircuitBreaker& breaker() const noexcept { return breaker_; }
  /// Hash rounds that stand for 1 ms of CPU work (0 in the modes that do not hash).
  std::uint64_t rounds_per_ms() const noexcept { return rounds_per_ms_; }

 private:
  void hash(std::uint64_t rounds);
  Awaitable<WorkOutcome> hash_on_pool(std::uint64_t rounds);
  Awaitable<WorkOutcome> call_downstream();

  WorkOptions options_;
  ServerMetrics& metrics_;              ///< queue depth, downstream outcomes, breaker state
  CircuitBreaker breaker_;              ///< in front of the downstream: fail fast while it is down
  std::uint64_t rounds_per_ms_;         ///< sizes the CPU work: N ms = N * rounds_per_ms_ rounds
  std::atomic<std::uint64_t> sink_{0};  ///< where hash results go, so the compiler cannot skip the work
  asio::thread_pool pool_;              ///< last: its threads stop (and join) first on destruction
};

/// A real computation to stand for CPU-bound work: `rounds` steps of a 64-bit hash. Returns the hash.
std::uint64_t hash_rounds(std::uint64_t rounds, std::uint64_t seed) noexcept;

}  // namespace hs::ch04
