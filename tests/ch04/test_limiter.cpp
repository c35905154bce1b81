// Exercise 4.4: ConnectionLimiter and its Permit. Alone first (RAII: every way a permit ends gives
// its slot back exactly once), then raced by 8 threads: the count must never exceed max, not even
// for an instant another thread could observe.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

#include "ch04/limiter.hpp"
#include "parallel.hpp"

using hs::ch04::ConnectionLimiter;
using hs::ch04::test::in_parallel;
using hs::ch04::test::record_max;
using Permit = ConnectionLimiter::Permit;

TEST_CASE("a ConnectionLimiter grants max permits then refuses", "[ex4.4]") {
  ConnectionLimiter limiter{3};
  CHECK(limiter.in_use() == 0);
  CHECK(limiter.max() == 3);
  std::vector<Permit> held;
  for (int i = 0; i < 3; ++i) {
    auto permit = limiter.try_acquire();
    REQUIRE(permit);
    CHECK(permit->held());
    held.push_back(std::move(*permit));
  }
  CHECK(limiter.in_use() == 3);
  CHECK_FALSE(limiter.try_acquire());
  CHECK(limiter.in_use() == 3);  // a refusal takes nothing
}

TEST_CASE("a Permit gives its slot back when it is destroyed", "[ex4.4]") {
  ConnectionLimiter limiter{1};
  {
    const auto permit = limiter.try_acquire();
    REQUIRE(permit);
    CHECK(limiter.in_use() == 1);
    CHECK_FALSE(limiter.try_acquire());
  }
  CHECK(limiter.in_use() == 0);
  CHECK(limiter.try_acquire());
}

TEST_CASE("release() gives the slot back early and only once", "[ex4.4]") {
  ConnectionLimiter limiter{2};
  {
    auto permit = limiter.try_acquire();
    REQUIRE(permit);
    permit->release();
    CHECK_FALSE(permit->held());
    CHECK(limiter.in_use() == 0);
    permit->release();  // again: nothing (an unsigned count would wrap around)
    CHECK(limiter.in_use() == 0);
  }
  CHECK(limiter.in_use() == 0);  // and the destructor after release(): nothing
}

TEST_CASE("a moved-from Permit releases nothing and the permit it moved to holds the slot", "[ex4.4]") {
  ConnectionLimiter limiter{2};
  auto first = limiter.try_acquire();
  REQUIRE(first);
  {
    Permit moved{std::move(*first)};
    CHECK(moved.held());
    CHECK_FALSE(first->held());
    first.reset();  // destroys the moved-from permit
    CHECK(limiter.in_use() == 1);
  }
  CHECK(limiter.in_use() == 0);
}

TEST_CASE("move-assigning a Permit gives back the slot it held before", "[ex4.4]") {
  ConnectionLimiter limiter{2};
  auto a = limiter.try_acquire();
  auto b = limiter.try_acquire();
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(limiter.in_use() == 2);
  *a = std::move(*b);  // a's own slot goes back, b's moves to a
  CHECK(limiter.in_use() == 1);
  CHECK(a->held());
  CHECK_FALSE(b->held());

  Permit empty;
  CHECK_FALSE(empty.held());
  empty = std::move(*a);  // an empty permit had nothing to give back
  CHECK(limiter.in_use() == 1);
  CHECK(empty.held());

  auto& same = empty;
  empty = std::move(same);  // assigning a permit to itself keeps its slot
  CHECK(empty.held());
  CHECK(limiter.in_use() == 1);

  empty = Permit{};  // assigning an empty one gives the slot back
  CHECK(limiter.in_use() == 0);
}

TEST_CASE("a ConnectionLimiter of 0 refuses everything", "[ex4.4]") {
  ConnectionLimiter limiter{0};
  CHECK_FALSE(limiter.try_acquire());
  CHECK(limiter.in_use() == 0);
}

TEST_CASE("8 threads racing for permits 50000 times each never see more than max in use", "[ex4.4]") {
  constexpr std::size_t max = 4;
  ConnectionLimiter limiter{max};
  REQUIRE(limiter.in_use() == 0);
  std::atomic<std::size_t> most_seen{0};
  std::atomic<long> granted{0};
  in_parallel(8, [&](int) {
    for (int i = 0; i < 50'000; ++i) {
      if (auto permit = limiter.try_acquire()) {
        ++granted;
        record_max(most_seen, limiter.in_use());
      }  // the permit gives its slot back here
      record_max(most_seen, limiter.in_use());
    }
  });
  CHECK(most_seen <= max);
  CHECK(granted > 0);
  CHECK(limiter.in_use() == 0);
}

TEST_CASE("exactly max permits are granted when 8 threads try at once and keep them", "[ex4.4]") {
  constexpr int threads = 8;
  ConnectionLimiter limiter{5};
  REQUIRE(limiter.in_use() == 0);
  std::vector<std::vector<Permit>> kept(threads);  // one vector per thread: no sharing
  in_parallel(threads, [&](int t) {
    for (int i = 0; i < 100; ++i) {
      if (auto permit = limiter.try_acquire()) kept[static_cast<std::size_t>(t)].push_back(std::move(*permit));
    }
  });
  std::size_t total = 0;
  for (const auto& mine : kept) total += mine.size();
  CHECK(total == 5);
  CHECK(limiter.in_use() == 5);
  kept.clear();
  CHECK(limiter.in_use() == 0);
}
