// The per-handshake work (given): see work.hpp and README, "The pitfalls, measured".
#include "ch04/work.hpp"

#include <array>
#include <thread>

#include <asio/this_coro.hpp>

#include "ch04/offload.hpp"
#include "hs/exercise.hpp"

namespace hs::ch04 {

namespace {

constexpr std::array<std::string_view, 5> mode_names{"blocking", "timer", "offload", "cpu", "cpu-offload"};

// How many hash rounds this machine does in a millisecond: 20 ms of hashing, timed.
std::uint64_t measure_rounds_per_ms() {
  constexpr std::uint64_t batch = 1 << 16;
  std::uint64_t rounds = 0;
  std::uint64_t seed = 1;
  const auto start = Clock::now();
  while (Clock::now() - start < std::chrono::milliseconds{20}) {
    seed = hash_rounds(batch, seed);
    rounds += batch;
  }
  const auto took = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  const auto per_ms = static_cast<std::uint64_t>(static_cast<double>(rounds) / took);
  return per_ms + (seed == 0 ? 1 : 0);  // use `seed`: the loop is not dead code
}

// A job on a pool thread: out of the queue, running until this goes out of scope.
class Running {
 public:
  explicit Running(ServerMetrics& metrics) : metrics_{metrics} {
    metrics_.offload_queue.sub(1);
    metrics_.offload_running.add(1);
  }
  Running(const Running&) = delete;
  Running& operator=(const Running&) = delete;
  ~Running() { metrics_.offload_running.sub(1); }

 private:
  ServerMetrics& metrics_;
};

}  // namespace

std::string_view mode_name(WorkMode mode) noexcept { return mode_names[static_cast<std::size_t>(mode)]; }

std::optional<WorkMode> mode_from_name(std::string_view name) noexcept {
  for (std::size_t i = 0; i < mode_names.size(); ++i) {
    if (mode_names[i] == name) return static_cast<WorkMode>(i);
  }
  return std::nullopt;
}

std::uint64_t hash_rounds(std::uint64_t rounds, std::uint64_t seed) noexcept {
  std::uint64_t h = seed ^ 0x9E3779B97F4A7C15ULL;
  for (std::uint64_t i = 0; i < rounds; ++i) {  // splitmix64 steps: each depends on the last
    h += 0x9E3779B97F4A7C15ULL;
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
    h ^= h >> 31;
  }
  return h;
}

Work::Work(WorkOptions options, ServerMetrics& metrics)
    : options_{options},
      metrics_{metrics},
      breaker_{options.breaker},
      rounds_per_ms_{options.mode == WorkMode::cpu || options.mode == WorkMode::cpu_offload ? measure_rounds_per_ms()
                                                                                            : 0},
      pool_{options.pool_threads} {}

Work::~Work() { pool_.join(); }

Awaitable<WorkOutcome> Work::run() {
  const auto duration = options_.duration;
  if (duration.count() <= 0) co_return WorkOutcome{};
  const std::uint64_t rounds = static_cast<std::uint64_t>(duration.count()) * rounds_per_ms_;
  switch (options_.mode) {
    case WorkMode::blocking:
      std::this_thread::sleep_for(duration);  // the pitfall: this io thread serves nobody meanwhile
      co_return WorkOutcome{};
    case WorkMode::timer: {
      Timer timer{co_await asio::this_coro::executor, duration};
      auto [error] = co_await timer.async_wait(as_tuple);
      co_return WorkOutcome{static_cast<bool>(error), std::nullopt};
    }
    case WorkMode::offload:
      co_return co_await call_downstream();
    case WorkMode::cpu:
      sink_.fetch_add(hash_rounds(rounds, sink_.load(std::memory_order_relaxed)), std::memory_order_relaxed);
      co_return WorkOutcome{};
    case WorkMode::cpu_offload:
      metrics_.offload_queue.add(1);
      co_await offload(pool_, [this, rounds] {
        const Running running{metrics_};
        sink_.fetch_add(hash_rounds(rounds, sink_.load(std::memory_order_relaxed)), std::memory_order_relaxed);
      });
      co_return WorkOutcome{};
  }
  co_return WorkOutcome{};
}

// The "downstream": a blocking call (a sleep standing for a database or another service), on the
// pool, behind the breaker. A call slower than --downstream-timeout counts as a failure: it cannot
// be interrupted, but the breaker learns from it, and while it is open clients get a fast
// `ERROR busy` instead of queueing behind a downstream that is not answering.
Awaitable<WorkOutcome> Work::call_downstream() {
  if (!breaker_.allow(Clock::now())) {
    metrics_.refused_circuit.add();
    co_return WorkOutcome{false, ProtocolError{ErrorReason::busy, "downstream unavailable (circuit open)"}};
  }
  const auto start = Clock::now();
  metrics_.offload_queue.add(1);
  bool failed = false;
  try {
    co_await offload(pool_, [this, duration = options_.duration] {
      const Running running{metrics_};
      std::this_thread::sleep_for(duration);  // the downstream's answer takes this long
    });
  } catch (const ExerciseNotDone&) {
    throw;
  } catch (const std::exception&) {
    failed = true;
  }
  const auto timeout = options_.downstream_timeout;
  if (!failed && timeout.count() > 0 && Clock::now() - start > timeout) failed = true;
  if (!failed) {
    breaker_.on_success();
    co_return WorkOutcome{};
  }
  breaker_.on_failure(Clock::now());
  metrics_.downstream_failures.add();
  co_return WorkOutcome{false, ProtocolError{ErrorReason::busy, "downstream failed"}};
}

}  // namespace hs::ch04
