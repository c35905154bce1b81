// Exercise 4.5: CircuitBreaker. Each test walks the breaker through its states at exact instants
// (t0, t0 + cool_down - 1ns, t0 + cool_down...), then 8 threads race for the single probe.
#include <catch2/catch.hpp>

#include <atomic>
#include <barrier>
#include <chrono>
#include <stdexcept>

#include "ch04/breaker.hpp"
#include "parallel.hpp"

using namespace hs::ch04;
using hs::ch04::test::in_parallel;
using namespace std::chrono_literals;
using State = CircuitBreaker::State;

namespace {

const Clock::time_point t0 = Clock::time_point{} + 1h;

CircuitBreaker::Options options(int failures_to_open, std::chrono::milliseconds cool_down) {
  return {.failures_to_open = failures_to_open, .cool_down = cool_down};
}

// `times` calls at `when`, each let through by the breaker, each failing.
void fail_times(CircuitBreaker& breaker, int times, Clock::time_point when) {
  for (int i = 0; i < times; ++i) {
    REQUIRE(breaker.allow(when));
    breaker.on_failure(when);
  }
}

}  // namespace

TEST_CASE("a CircuitBreaker opens after exactly K consecutive failures and not K-1", "[ex4.5]") {
  CircuitBreaker breaker{options(3, 1000ms)};
  CHECK(breaker.state(t0) == State::closed);
  fail_times(breaker, 2, t0);
  CHECK(breaker.state(t0) == State::closed);
  CHECK(breaker.allow(t0));
  CHECK(breaker.times_opened() == 0);
  breaker.on_failure(t0);
  CHECK(breaker.state(t0) == State::open);
  CHECK_FALSE(breaker.allow(t0));
  CHECK(breaker.times_opened() == 1);
}

TEST_CASE("a CircuitBreaker counts only consecutive failures: a success resets the count", "[ex4.5]") {
  CircuitBreaker breaker{options(3, 1000ms)};
  fail_times(breaker, 2, t0);
  REQUIRE(breaker.allow(t0));
  breaker.on_success();
  fail_times(breaker, 2, t0);
  CHECK(breaker.state(t0) == State::closed);
  fail_times(breaker, 1, t0);
  CHECK(breaker.state(t0) == State::open);
}

TEST_CASE("an open CircuitBreaker refuses until the cool-down has passed then lets one probe through", "[ex4.5]") {
  CircuitBreaker breaker{options(1, 1000ms)};
  fail_times(breaker, 1, t0);
  CHECK_FALSE(breaker.allow(t0 + 500ms));
  CHECK_FALSE(breaker.allow(t0 + 1000ms - 1ns));
  CHECK(breaker.state(t0 + 1000ms - 1ns) == State::open);
  CHECK(breaker.state(t0 + 1000ms) == State::half_open);
  CHECK(breaker.allow(t0 + 1000ms));        // the probe
  CHECK_FALSE(breaker.allow(t0 + 1000ms));  // everyone else waits for its outcome
  CHECK_FALSE(breaker.allow(t0 + 1h));
  CHECK(breaker.state(t0 + 1h) == State::half_open);
  CHECK(breaker.times_opened() == 1);
}

TEST_CASE("a CircuitBreaker closes when the probe succeeds", "[ex4.5]") {
  CircuitBreaker breaker{options(2, 1000ms)};
  fail_times(breaker, 2, t0);
  REQUIRE(breaker.allow(t0 + 1s));
  breaker.on_success();
  CHECK(breaker.state(t0 + 1s) == State::closed);
  CHECK(breaker.allow(t0 + 1s));
  CHECK(breaker.allow(t0 + 1s));
  breaker.on_failure(t0 + 1s);  // the count started again from 0: one failure does not open
  CHECK(breaker.state(t0 + 1s) == State::closed);
  CHECK(breaker.times_opened() == 1);
}

TEST_CASE("a CircuitBreaker opens again for a fresh cool-down when the probe fails", "[ex4.5]") {
  CircuitBreaker breaker{options(2, 1000ms)};
  fail_times(breaker, 2, t0);
  REQUIRE(breaker.allow(t0 + 1s));
  breaker.on_failure(t0 + 1500ms);  // the probe failed, 500 ms after it went
  CHECK(breaker.state(t0 + 1500ms) == State::open);
  CHECK(breaker.times_opened() == 2);
  CHECK_FALSE(breaker.allow(t0 + 2500ms - 1ns));  // cool-down counted from the probe's failure
  CHECK(breaker.allow(t0 + 2500ms));
  breaker.on_success();
  CHECK(breaker.state(t0 + 2500ms) == State::closed);
  CHECK(breaker.times_opened() == 2);
}

TEST_CASE("late reports from calls made before the breaker opened change nothing", "[ex4.5]") {
  CircuitBreaker breaker{options(1, 1000ms)};
  REQUIRE(breaker.allow(t0));  // a slow call goes out...
  REQUIRE(breaker.allow(t0));  // ...and another
  breaker.on_failure(t0);      // a third call's failure opens the breaker
  breaker.on_success();        // the slow calls report while it is open
  breaker.on_failure(t0 + 500ms);
  CHECK(breaker.state(t0 + 500ms) == State::open);
  CHECK(breaker.times_opened() == 1);
  CHECK(breaker.allow(t0 + 1000ms));  // the cool-down was not extended
}

TEST_CASE("a CircuitBreaker with a cool-down of 0 goes straight to half-open", "[ex4.5]") {
  CircuitBreaker breaker{options(1, 0ms)};
  fail_times(breaker, 1, t0);
  CHECK(breaker.state(t0) == State::half_open);
  CHECK(breaker.allow(t0));
  CHECK_FALSE(breaker.allow(t0));
}

TEST_CASE("a CircuitBreaker refuses failures_to_open below 1 and a negative cool-down", "[ex4.5]") {
  CHECK(CircuitBreaker{CircuitBreaker::Options{}}.state(t0) == State::closed);
  CHECK_THROWS_AS(CircuitBreaker{options(0, 1000ms)}, std::invalid_argument);
  CHECK_THROWS_AS(CircuitBreaker{options(1, -1ms)}, std::invalid_argument);
  CHECK(state_name(State::closed) == "closed");
  CHECK(state_name(State::open) == "open");
  CHECK(state_name(State::half_open) == "half-open");
}

TEST_CASE("8 threads failing at once open a CircuitBreaker exactly once", "[ex4.5]") {
  CircuitBreaker breaker{options(8, 1000ms)};
  REQUIRE(breaker.times_opened() == 0);
  in_parallel(8, [&](int) {
    for (int i = 0; i < 100; ++i) breaker.on_failure(t0);  // after the 8th, the breaker is open
  });
  CHECK(breaker.times_opened() == 1);
  CHECK(breaker.state(t0) == State::open);
}

TEST_CASE("8 threads asking a half-open CircuitBreaker get exactly one probe", "[ex4.5]") {
  // Round after round: the 8 threads ask at the same moment, one of them counts the probes, then
  // fails the probe so that the breaker is half-open again one cool-down later, for the next round.
  constexpr int threads = 8;
  constexpr int rounds = 500;
  CircuitBreaker breaker{options(1, 1000ms)};
  fail_times(breaker, 1, t0);
  std::barrier sync{threads};
  std::atomic<int> probes{0};
  std::atomic<int> bad_rounds{0};
  in_parallel(threads, [&](int i) {
    for (int r = 1; r <= rounds; ++r) {
      const auto now = t0 + r * 1s;
      for (int n = 0; n < 10; ++n) {
        if (breaker.allow(now)) ++probes;
      }
      sync.arrive_and_wait();  // everyone has asked
      if (i == 0) {
        if (probes.exchange(0) != 1) ++bad_rounds;
        breaker.on_failure(now);  // the probe failed: open again, half-open at the next round's `now`
      }
      sync.arrive_and_wait();
    }
  });
  CHECK(bad_rounds == 0);
  CHECK(breaker.times_opened() == 1 + rounds);
}
