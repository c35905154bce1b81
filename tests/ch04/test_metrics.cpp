// Exercise 4.2: Counter, Gauge and Histogram, alone and hammered from 4 threads. The totals must be
// exact (an atomic loses no update, whatever its memory order); only the gauge's peak under a race
// is a range, since it depends on how the threads interleave.
#include <catch2/catch.hpp>

#include <atomic>
#include <barrier>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <utility>
#include <vector>

#include "ch04/metrics.hpp"
#include "parallel.hpp"

using namespace hs::ch04;
using hs::ch04::test::in_parallel;
using namespace std::chrono_literals;

namespace {

constexpr int threads = 4;

// The snapshot's sum, back in whole nanoseconds (exact for sums below about 100 days).
long long sum_ns(const Histogram::Snapshot& snap) { return std::llround(snap.sum_seconds * 1e9); }

}  // namespace

TEST_CASE("a Counter starts at 0 and adds 1 or n", "[ex4.2]") {
  Counter counter;
  CHECK(counter.value() == 0);
  counter.add();
  counter.add(41);
  CHECK(counter.value() == 42);
}

TEST_CASE("a Counter loses no add when 4 threads add 100000 times each", "[ex4.2]") {
  constexpr int adds = 100'000;
  Counter counter;
  REQUIRE(counter.value() == 0);
  in_parallel(threads, [&](int) {
    for (int i = 0; i < adds; ++i) counter.add();
  });
  CHECK(counter.value() == std::uint64_t{threads} * adds);
}

TEST_CASE("a Gauge follows add() and sub() and set() and keeps the highest value it reached", "[ex4.2]") {
  Gauge gauge;
  CHECK(gauge.value() == 0);
  CHECK(gauge.peak() == 0);
  gauge.add(3);
  CHECK(gauge.value() == 3);
  CHECK(gauge.peak() == 3);
  gauge.sub(1);
  CHECK(gauge.value() == 2);
  CHECK(gauge.peak() == 3);  // going down leaves the peak alone
  gauge.add(4);
  CHECK(gauge.peak() == 6);
  gauge.sub(10);
  CHECK(gauge.value() == -4);
  CHECK(gauge.peak() == 6);
  gauge.set(2);
  CHECK(gauge.value() == 2);
  CHECK(gauge.peak() == 6);
  gauge.set(9);  // set() can reach a new peak too
  CHECK(gauge.peak() == 9);
  gauge.add(-20);
  CHECK(gauge.value() == -11);
  gauge.sub(-30);  // a negative delta goes up
  CHECK(gauge.value() == 19);
  CHECK(gauge.peak() == 19);
}

TEST_CASE("a Gauge's peak stays between 1 and 4 when 4 threads each go +1 then -1", "[ex4.2]") {
  Gauge gauge;
  REQUIRE(gauge.peak() == 0);
  in_parallel(threads, [&](int) {
    for (int i = 0; i < 100'000; ++i) {
      gauge.add(1);
      gauge.sub(1);
    }
  });
  CHECK(gauge.value() == 0);
  CHECK(gauge.peak() >= 1);
  CHECK(gauge.peak() <= threads);  // at most every thread between its +1 and its -1
}

TEST_CASE("a Gauge's peak is at least the value a set() produced once it returns while 4 threads race", "[ex4.2]") {
  // Each thread sets ever higher values, interleaved with the others' (thread t: t+1, t+5, t+9...),
  // and looks at the peak after each. A compare-exchange loop that gives up when its exchange fails
  // (another thread raised the peak meanwhile, to a smaller value) leaves the peak below its own.
  constexpr int sets = 200'000;
  Gauge gauge;
  std::atomic<int> peak_below_own{0};
  in_parallel(threads, [&](int t) {
    for (int i = 0; i < sets; ++i) {
      const std::int64_t mine = std::int64_t{i} * threads + t + 1;
      gauge.set(mine);
      if (gauge.peak() < mine) ++peak_below_own;
    }
  });
  CHECK(peak_below_own == 0);
  CHECK(gauge.peak() == std::int64_t{sets} * threads);
}

TEST_CASE("a Gauge's peak is exact when 4 threads only go up", "[ex4.2]") {
  // Round after round, the 4 threads add 1 at the same moment, then one of them compares the peak
  // with the value. A peak kept with load-compare-store (no compare-exchange) is lowered whenever
  // a thread stores its older, smaller candidate after another stored a bigger one.
  constexpr int rounds = 2000;
  Gauge gauge;
  REQUIRE(gauge.value() == 0);
  std::barrier sync{threads};
  std::atomic<int> peak_below_value{0};
  in_parallel(threads, [&](int i) {
    for (int r = 0; r < rounds; ++r) {
      gauge.add(1);
      sync.arrive_and_wait();  // every add of this round is done
      if (i == 0 && gauge.peak() != gauge.value()) ++peak_below_value;
      sync.arrive_and_wait();  // checked: next round
    }
  });
  CHECK(peak_below_value == 0);
  CHECK(gauge.value() == threads * rounds);
  CHECK(gauge.peak() == threads * rounds);
}

TEST_CASE("an empty Histogram's snapshot has its bounds and zero buckets and +Inf", "[ex4.2]") {
  const Histogram histogram{{0.001, 0.01, 0.1}};
  const auto snap = histogram.snapshot();
  CHECK(snap.upper_bounds == std::vector<double>{0.001, 0.01, 0.1});
  CHECK(snap.cumulative == std::vector<std::uint64_t>{0, 0, 0, 0});
  CHECK(snap.count == 0);
  CHECK(snap.sum_seconds == 0.0);
}

TEST_CASE("a Histogram puts a duration equal to a bound in that bucket and counts cumulatively", "[ex4.2]") {
  Histogram histogram{{0.001, 0.01, 0.1}};
  histogram.observe(0ns);          // le 0.001
  histogram.observe(1ms);          // le 0.001: exactly on the bound
  histogram.observe(1ms + 1ns);    // le 0.01
  histogram.observe(10ms);         // le 0.01
  histogram.observe(100ms);        // le 0.1
  histogram.observe(100ms + 1ns);  // +Inf
  histogram.observe(5s);           // +Inf
  const auto snap = histogram.snapshot();
  CHECK(snap.cumulative == std::vector<std::uint64_t>{2, 4, 5, 7});
  CHECK(snap.count == 7);
  CHECK(sum_ns(snap) == 5'212'000'002);
}

TEST_CASE("a Histogram counts a negative duration as zero", "[ex4.2]") {
  Histogram histogram{{0.5}};
  histogram.observe(-3s);
  const auto snap = histogram.snapshot();
  CHECK(snap.cumulative == std::vector<std::uint64_t>{1, 1});
  CHECK(snap.sum_seconds == 0.0);
}

TEST_CASE("with latency_buckets() each bound catches a duration exactly on it", "[ex4.2]") {
  const auto bounds = latency_buckets();
  Histogram histogram{bounds};
  for (const double bound : bounds) histogram.observe(std::chrono::nanoseconds{std::llround(bound * 1e9)});
  histogram.observe(11s);
  const auto snap = histogram.snapshot();
  REQUIRE(snap.cumulative.size() == bounds.size() + 1);
  for (std::size_t i = 0; i < snap.cumulative.size(); ++i) {
    INFO("bucket " << i);
    CHECK(snap.cumulative[i] == i + 1);  // one duration per bucket, counted cumulatively
  }
  CHECK(snap.count == bounds.size() + 1);
}

TEST_CASE("a Histogram refuses empty or non-positive or unordered bounds", "[ex4.2]") {
  const auto make = [](std::vector<double> bounds) { return Histogram{std::move(bounds)}; };
  CHECK(make({0.25}).snapshot().cumulative.size() == 2);
  CHECK_THROWS_AS(make({}), std::invalid_argument);
  CHECK_THROWS_AS(make({0.0, 1.0}), std::invalid_argument);
  CHECK_THROWS_AS(make({-1.0}), std::invalid_argument);
  CHECK_THROWS_AS(make({0.1, 0.1}), std::invalid_argument);
  CHECK_THROWS_AS(make({1.0, 0.5}), std::invalid_argument);
  CHECK_THROWS_AS(make({1.0, HUGE_VAL}), std::invalid_argument);
  CHECK_NOTHROW(make(latency_buckets()));
}

TEST_CASE("a Histogram observed from 4 threads counts every duration and its snapshots stay consistent", "[ex4.2]") {
  constexpr int per_thread = 50'000;
  Histogram histogram{{0.001, 0.01}};
  REQUIRE(histogram.snapshot().count == 0);
  std::atomic<bool> inconsistent{false};
  std::atomic<bool> writers_done{false};
  std::atomic<int> writers_left{threads};
  in_parallel(threads + 1, [&](int i) {
    if (i == threads) {  // one reader, taking snapshots while the others observe
      while (!writers_done) {
        const auto snap = histogram.snapshot();
        bool ok = snap.cumulative.back() == snap.count;
        for (std::size_t b = 1; b < snap.cumulative.size(); ++b)
          ok = ok && snap.cumulative[b - 1] <= snap.cumulative[b];
        if (!ok) inconsistent = true;
      }
      return;
    }
    struct Done {  // even if observe() throws: the reader must not wait forever
      std::atomic<int>& left;
      std::atomic<bool>& done;
      ~Done() {
        if (--left == 0) done = true;
      }
    } done{writers_left, writers_done};
    for (int n = 0; n < per_thread; ++n) histogram.observe(std::chrono::milliseconds{n % 3 * 5});  // 0, 5, 10 ms
  });
  const auto snap = histogram.snapshot();
  const std::uint64_t total = std::uint64_t{threads} * per_thread;
  const std::uint64_t zeros = std::uint64_t{threads} * ((per_thread + 2) / 3);  // n % 3 == 0
  CHECK(snap.count == total);
  CHECK(snap.cumulative == std::vector<std::uint64_t>{zeros, total, total});  // 10 ms is on the 0.01 bound
  CHECK_FALSE(inconsistent);
}
