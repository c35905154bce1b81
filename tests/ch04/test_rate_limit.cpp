// Exercise 4.3: TokenBucket and RateLimiter. Time is passed in as exact instants (t0 + 100ms...),
// so "refilled after exactly 1/rate seconds" is checked to the nanosecond, and nothing sleeps.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string>

#include "ch04/rate_limit.hpp"
#include "parallel.hpp"

using namespace hs::ch04;
using hs::ch04::test::in_parallel;
using namespace std::chrono_literals;

namespace {

const Clock::time_point t0 = Clock::time_point{} + 1h;  // any instant will do; this one has room before it

}  // namespace

TEST_CASE("a TokenBucket starts full and gives its burst at once then refuses", "[ex4.3]") {
  TokenBucket bucket{10, 3, t0};
  CHECK(bucket.available(t0) == 3);
  CHECK(bucket.try_take(t0));
  CHECK(bucket.try_take(t0));
  CHECK(bucket.try_take(t0));
  CHECK_FALSE(bucket.try_take(t0));
  CHECK(bucket.available(t0) == 0);
}

TEST_CASE("a TokenBucket refills one token after exactly 1 over rate seconds", "[ex4.3]") {
  TokenBucket bucket{10, 2, t0};  // one token every 100 ms
  REQUIRE(bucket.try_take(t0));
  REQUIRE(bucket.try_take(t0));
  CHECK(bucket.available(t0 + 50ms) == Approx(0.5));
  CHECK_FALSE(bucket.try_take(t0 + 100ms - 1ns));
  CHECK(bucket.try_take(t0 + 100ms));
  CHECK_FALSE(bucket.try_take(t0 + 100ms));
  CHECK_FALSE(bucket.try_take(t0 + 200ms - 1ns));
  CHECK(bucket.try_take(t0 + 200ms));
}

TEST_CASE("a TokenBucket holds no more than its burst after a long idle", "[ex4.3]") {
  TokenBucket bucket{10, 3, t0};
  for (int i = 0; i < 3; ++i) REQUIRE(bucket.try_take(t0));
  CHECK(bucket.available(t0 + 1h) == 3);
  for (int i = 0; i < 3; ++i) CHECK(bucket.try_take(t0 + 1h));
  CHECK_FALSE(bucket.try_take(t0 + 1h));
}

TEST_CASE("a TokenBucket at 0.5 per second needs 2 s for one token", "[ex4.3]") {
  TokenBucket bucket{0.5, 1, t0};
  REQUIRE(bucket.try_take(t0));
  CHECK(bucket.available(t0 + 1s) == Approx(0.5));
  CHECK_FALSE(bucket.try_take(t0 + 1s));
  CHECK_FALSE(bucket.try_take(t0 + 2s - 1ns));
  CHECK(bucket.try_take(t0 + 2s));
  CHECK_FALSE(bucket.try_take(t0 + 3s));
}

TEST_CASE("a TokenBucket gains nothing when time goes backwards", "[ex4.3]") {
  TokenBucket bucket{1, 2, t0};
  REQUIRE(bucket.try_take(t0 + 10s));  // one token left, as of t0 + 10s
  // An earlier instant (another thread read the clock first, then lost the race for the lock):
  // the token that is there can be taken, but no time has passed, so none is added.
  CHECK(bucket.available(t0 + 5s) == 1);
  CHECK(bucket.try_take(t0 + 5s));
  CHECK_FALSE(bucket.try_take(t0 + 5s));
  CHECK(bucket.available(t0) == 0);
  // Back at t0 + 10s: still nothing, the refill counts from t0 + 10s and not from t0 + 5s.
  CHECK_FALSE(bucket.try_take(t0 + 10s));
  CHECK_FALSE(bucket.try_take(t0 + 11s - 1ns));
  CHECK(bucket.try_take(t0 + 11s));
  CHECK_FALSE(bucket.try_take(t0 + 11s));
}

TEST_CASE("a TokenBucket refuses a rate of 0 or less and a burst below 1", "[ex4.3]") {
  CHECK(TokenBucket(1, 1, t0).available(t0) == 1);
  CHECK_THROWS_AS(TokenBucket(0, 1, t0), std::invalid_argument);
  CHECK_THROWS_AS(TokenBucket(-1, 1, t0), std::invalid_argument);
  CHECK_THROWS_AS(TokenBucket(1, 0.5, t0), std::invalid_argument);
  CHECK_THROWS_AS(TokenBucket(NAN, 1, t0), std::invalid_argument);
}

TEST_CASE("a RateLimiter keeps an independent bucket per source", "[ex4.3]") {
  RateLimiter limiter{1, 2};
  CHECK(limiter.tracked() == 0);
  CHECK(limiter.allow("10.0.0.1", t0));
  CHECK(limiter.allow("10.0.0.1", t0));
  CHECK_FALSE(limiter.allow("10.0.0.1", t0));
  CHECK(limiter.allow("10.0.0.2", t0));  // another source has its own burst
  CHECK(limiter.allow("10.0.0.2", t0));
  CHECK_FALSE(limiter.allow("10.0.0.2", t0));
  CHECK(limiter.tracked() == 2);
  CHECK(limiter.allow("10.0.0.1", t0 + 1s));
  CHECK_FALSE(limiter.allow("10.0.0.1", t0 + 1s));
}

TEST_CASE("a full RateLimiter forgets only full buckets so a drained source stays limited", "[ex4.3]") {
  RateLimiter limiter{1, 2, 2};  // room for two sources
  REQUIRE(limiter.allow("a", t0));
  REQUIRE(limiter.allow("a", t0));      // a: drained, full again at t0 + 2s
  REQUIRE(limiter.allow("b", t0));      // b: one token left, full again at t0 + 1s
  CHECK_FALSE(limiter.allow("c", t0));  // no bucket is full: no room, the new source is refused
  CHECK(limiter.tracked() == 2);
  CHECK(limiter.allow("c", t0 + 1s));  // b is full again: forgotten, c takes its place
  CHECK(limiter.tracked() == 2);
  // a was kept, with the one token it regained: had it been forgotten, a fresh bucket would allow 2.
  CHECK(limiter.allow("a", t0 + 1s));
  CHECK_FALSE(limiter.allow("a", t0 + 1s));
  CHECK_FALSE(limiter.allow("d", t0 + 1s));
  CHECK(limiter.tracked() == 2);
  CHECK(limiter.allow("e", t0 + 1h));  // everyone is full again by then
  CHECK(limiter.tracked() <= 2);
}

TEST_CASE("a RateLimiter's sweep that frees nothing keeps the bound and a later one still frees", "[ex4.3]") {
  RateLimiter limiter{1, 1, 1};     // room for one source, which holds one token
  REQUIRE(limiter.allow("a", t0));  // a: empty, full again at t0 + 1s
  // At t0 + 1s a is full for an instant, and takes its token again at once: empty until t0 + 2s.
  REQUIRE(limiter.allow("a", t0 + 1s));
  CHECK_FALSE(limiter.allow("b", t0 + 1s));  // a sweep finds no full bucket: still no room
  CHECK(limiter.tracked() == 1);
  CHECK(limiter.allow("c", t0 + 2s));  // a is full again: forgotten, c takes its place
  CHECK(limiter.tracked() == 1);
}

TEST_CASE("a RateLimiter refuses new sources while every bucket is in use and still serves known ones", "[ex4.3]") {
  RateLimiter limiter{1, 2, 100};
  for (int i = 0; i < 1000; ++i) {
    const bool allowed = limiter.allow("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256), t0);
    INFO("source " << i);
    CHECK(allowed == (i < 100));
  }
  CHECK(limiter.tracked() == 100);
  CHECK(limiter.allow("10.0.0.7", t0));  // known, with a second token
  CHECK_FALSE(limiter.allow("10.0.0.7", t0));
}

TEST_CASE("a RateLimiter stays within max_tracked while thousands of sources come and go", "[ex4.3]") {
  RateLimiter limiter{1000, 1, 1000};  // each bucket is full again 1 ms after its one take
  std::size_t most = 0;
  int refused = 0;
  for (int i = 0; i < 5000; ++i) {
    if (!limiter.allow("source-" + std::to_string(i), t0 + i * 1ms)) ++refused;
    most = std::max(most, limiter.tracked());
  }
  CHECK(refused == 0);  // every earlier source is full again when the next one comes
  CHECK(most <= 1000);
}

TEST_CASE("a RateLimiter with max_tracked 0 refuses every source", "[ex4.3]") {
  RateLimiter limiter{1, 5, 0};
  CHECK_FALSE(limiter.allow("10.0.0.1", t0));
  CHECK_FALSE(limiter.allow("10.0.0.1", t0 + 1h));
  CHECK(limiter.tracked() == 0);
}

TEST_CASE("a RateLimiter admits exactly burst from 4 threads on one source when time stands still", "[ex4.3]") {
  constexpr int threads = 4;
  RateLimiter limiter{1, 100};
  REQUIRE(limiter.tracked() == 0);
  std::atomic<int> shared_admitted{0};
  std::atomic<int> own_admitted{0};
  in_parallel(threads, [&](int i) {
    const std::string own = "10.1.0." + std::to_string(i);
    for (int n = 0; n < 1000; ++n) {
      if (limiter.allow("10.0.0.1", t0)) ++shared_admitted;
      if (limiter.allow(own, t0)) ++own_admitted;
    }
  });
  CHECK(shared_admitted == 100);
  CHECK(own_admitted == threads * 100);
  CHECK(limiter.tracked() == threads + 1);
}

TEST_CASE("a RateLimiter refuses a rate of 0 or less and a burst below 1", "[ex4.3]") {
  CHECK(RateLimiter(1, 1).tracked() == 0);
  CHECK_THROWS_AS(RateLimiter(0, 1), std::invalid_argument);
  CHECK_THROWS_AS(RateLimiter(1, 0), std::invalid_argument);
  CHECK_NOTHROW(RateLimiter(0.5, 1, 0));
}
