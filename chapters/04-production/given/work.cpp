// The per-handshake work (given): see work.hpp and the README, "Pitfall 1" and "Pitfall 2".
#include "given/ch04/work.hpp"

#include <algorithm>
#include <array>
#include <system_error>
#include <thread>

#include <asio/this_coro.hpp>

#include "ch04/offload.hpp"
#include "hs/exercise.hpp"

namespace hs::ch04 {

namespace {

constexpr std::array<std::string_view, 5> mode_names{"blocking", "timer", "offload", "cpu", "cpu-offload"};

// The rounds per ms the work is sized with: given, or measured now; none if the mode does not hash.
std::uint64_t rounds_per_ms_for(const WorkOptions& options) {
  if (!hashes(options.mode)) return 0;
  return options.cpu_rounds_per_ms > 0 ? options.cpu_rounds_per_ms : measure_rounds_per_ms();
}

// A job's place in the offload gauges: queued from construction until the job starts (or forever
// not, if offload() never submitted it), then running until the job returns.
class Queued {
 public:
  explicit Queued(ServerMetrics& metrics) : metrics_{metrics} { metrics_.offload_queue.add(1); }
  Queued(const Queued&) = delete;
  Queued& operator=(const Queued&) = delete;
  ~Queued() {
    if (!started_) metrics_.offload_queue.sub(1);
  }
  // Runs `job` as "started" in the gauges (on the pool thread).
  template <typename Job>
  void run(Job&& job) {
    started_ = true;  // read by ~Queued() only after offload() has returned: the job is over by then
    metrics_.offload_queue.sub(1);
    metrics_.offload_running.add(1);
    struct Done {
      ServerMetrics& m;
      ~Done() { m.offload_running.sub(1); }
    } done{metrics_};
    job();
  }

 private:
  ServerMetrics& metrics_;
  bool started_ = false;
};

}  // namespace

std::string_view mode_name(WorkMode mode) noexcept { return mode_names[static_cast<std::size_t>(mode)]; }

std::optional<WorkMode> mode_from_name(std::string_view name) noexcept {
  const auto found = std::find(mode_names.begin(), mode_names.end(), name);
  if (found == mode_names.end()) return std::nullopt;
  return static_cast<WorkMode>(found - mode_names.begin());
}

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
      rounds_per_ms_{rounds_per_ms_for(options)},
      pool_{options.pool_threads} {}

Work::~Work() { pool_.join(); }

// (No coroutine locals inside the switch: g++ 12 mishandles variables scoped in a `case` that live
// across a co_await. Each mode that keeps state while it waits is a coroutine of its own.)
Awaitable<WorkOutcome> Work::run() {
  const auto duration = options_.duration;
  if (duration.count() <= 0) co_return WorkOutcome{};
  switch (options_.mode) {
    case WorkMode::blocking:
      std::this_thread::sleep_for(duration);  // the pitfall: this io thread serves nobody meanwhile
      co_return WorkOutcome{};
    case WorkMode::timer: co_return co_await ch03::wait_for<Executor>(duration);  // chapter 03's way
    case WorkMode::offload: co_return co_await call_downstream();
    case WorkMode::cpu: hash(static_cast<std::uint64_t>(duration.count()) * rounds_per_ms_); co_return WorkOutcome{};
    case WorkMode::cpu_offload:
      co_return co_await hash_on_pool(static_cast<std::uint64_t>(duration.count()) * rounds_per_ms_);
  }
  co_return WorkOutcome{};
}

void Work::hash(std::uint64_t rounds) {
  sink_.fetch_add(hash_rounds(rounds, sink_.load(std::memory_order_relaxed)), std::memory_order_relaxed);
}

Awaitable<WorkOutcome> Work::hash_on_pool(std::uint64_t rounds) {
  Queued queued{metrics_};
  co_await offload(pool_, [this, rounds, &queued] { queued.run([this, rounds] { hash(rounds); }); });
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
  bool failed = false;
  try {
    Queued queued{metrics_};
    co_await offload(pool_, [duration = options_.duration, &queued] {
      queued.run([duration] { std::this_thread::sleep_for(duration); });  // the downstream's answer takes this long
    });
  } catch (const ExerciseNotDone&) {
    throw;
  } catch (const std::system_error& e) {
    // A deadline cancelled the session before the call was made: not the downstream's fault, and
    // the session is ending (its next co_await throws this again).
    if (e.code() == asio::error::operation_aborted) throw;
    failed = true;
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
