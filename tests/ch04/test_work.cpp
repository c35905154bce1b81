// The per-handshake work (given code, given/ch04/work.hpp) on its own: how CPU work is sized, that
// it really uses the CPU, and that no work means nothing done at all. (Each mode's effect on the
// server is in test_server.cpp.) It uses none of this chapter's exercises but offload(), whose
// reference it runs on, so it runs once, against the reference (GIVEN_TESTS in CMakeLists.txt).
#include "../support/cpu.hpp"
#include "fixtures.hpp"

using namespace hs::ch04;
using namespace hs::ch04::test;
using hs::testing::cpu_used;

namespace {

// One handshake's work, run on a strand of an io_context of its own.
WorkOutcome run_once(Work& work) {
  hs::testing::Running<WorkOutcome, Executor> running{[&work](asio::io_context&) { return work.run(); }};
  return running.result();
}

}  // namespace

TEST_CASE("Work sizes its CPU work in hash rounds per ms: given or measured and none where it does not hash",
          "[given]") {
  ServerMetrics metrics;
  for (const WorkMode mode : {WorkMode::cpu, WorkMode::cpu_offload}) {
    INFO(mode_name(mode));
    WorkOptions options = work(mode, 1ms);
    options.cpu_rounds_per_ms = 1234;
    CHECK(Work{options, metrics}.rounds_per_ms() == 1234);
    options.cpu_rounds_per_ms = 0;
    CHECK(Work{options, metrics}.rounds_per_ms() > 0);  // measured
  }
  for (const WorkMode mode : {WorkMode::blocking, WorkMode::timer, WorkMode::offload}) {
    INFO(mode_name(mode));
    WorkOptions options = work(mode, 1ms);
    options.cpu_rounds_per_ms = 1234;
    CHECK(Work{options, metrics}.rounds_per_ms() == 0);
  }
}

TEST_CASE("cpu work uses the CPU it is sized for on the caller's thread or on the pool", "[given]") {
  // Sized by a measurement taken now: on a busy machine it comes out low, so the bound is loose
  // (a tenth); work that skipped its hashing would use none.
  ServerMetrics metrics;
  for (const WorkMode mode : {WorkMode::cpu, WorkMode::cpu_offload}) {
    INFO(mode_name(mode));
    Work cpu_work{work(mode, 200ms), metrics};
    const auto before = cpu_used();
    const WorkOutcome outcome = run_once(cpu_work);
    const auto used = std::chrono::duration_cast<std::chrono::milliseconds>(cpu_used() - before);
    CHECK_FALSE(outcome.cancelled);
    CHECK_FALSE(outcome.error);
    INFO("CPU used by 200 ms of cpu work: " << used.count() << " ms");
    CHECK(used >= 20ms);
  }
}

TEST_CASE("no work (--work-ms 0) does nothing: no pool job and no downstream call", "[given]") {
  ServerMetrics metrics;
  for (const WorkMode mode : {WorkMode::offload, WorkMode::cpu_offload}) {
    INFO(mode_name(mode));
    WorkOptions options = work(mode, 0ms);
    options.cpu_rounds_per_ms = 1;
    Work none{options, metrics};
    CHECK_FALSE(none.needed());
    const WorkOutcome outcome = run_once(none);
    CHECK_FALSE(outcome.cancelled);
    CHECK_FALSE(outcome.error);
  }
  CHECK(metrics.offload_queue.peak() == 0);  // nothing was ever queued for the pool
  CHECK(metrics.offload_running.peak() == 0);
  CHECK(metrics.downstream_failures.value() == 0);
}

TEST_CASE("the names of --work's modes: each gives its mode back and any other name none", "[given]") {
  for (const WorkMode mode :
       {WorkMode::blocking, WorkMode::timer, WorkMode::offload, WorkMode::cpu, WorkMode::cpu_offload}) {
    CHECK(mode_from_name(mode_name(mode)) == mode);
  }
  CHECK(mode_name(WorkMode::cpu_offload) == "cpu-offload");
  for (const char* other : {"", "cpu_offload", "CPU", "timer ", "sleep"}) CHECK_FALSE(mode_from_name(other));
}

TEST_CASE("hash_rounds() does exactly that many splitmix64 steps", "[given]") {
  // splitmix64 (Steele, Lea, Flood 2014), as published: the state advances by the golden ratio,
  // then the result is mixed; hash_rounds() feeds each result back as the next state.
  const auto step = [](std::uint64_t h) {
    h += 0x9E3779B97F4A7C15ULL;
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
    return h ^ (h >> 31);
  };
  const std::uint64_t start = 7 ^ 0x9E3779B97F4A7C15ULL;  // the seed, scrambled once
  CHECK(hash_rounds(0, 7) == start);
  CHECK(hash_rounds(1, 7) == step(start));
  CHECK(hash_rounds(3, 7) == step(step(step(start))));
}
