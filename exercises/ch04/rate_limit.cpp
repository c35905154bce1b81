// Exercise 4.3: a token bucket, and a per-source rate limiter in bounded memory.
// Read chapters/04-production/README.md#exercise-43, then replace the stubs below.
#include "ch04/rate_limit.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "hs/exercise.hpp"

namespace hs::ch04 {

namespace {

// Given. `!(x > 0)` rather than `x <= 0`: NaN fails every comparison, and must be refused too.
void check_rate_and_burst(double rate_per_second, double burst) {
  if (!(rate_per_second > 0)) throw std::invalid_argument("a rate limit needs a rate > 0 per second");
  if (!(burst >= 1)) throw std::invalid_argument("a rate limit needs a burst >= 1 (or nothing ever passes)");
}

}  // namespace

// Given: the bucket starts full.
TokenBucket::TokenBucket(double rate_per_second, double burst, Clock::time_point now)
    : rate_{rate_per_second}, burst_{burst}, tokens_{burst}, last_{now} {
  check_rate_and_burst(rate_per_second, burst);
}

double TokenBucket::available([[maybe_unused]] Clock::time_point now) const {
  // TODO(ex 4.3): tokens_ plus what has dripped in since last_ (rate x seconds elapsed), at most
  // burst_. If `now` is not after last_, nothing has dripped in.
  exercise_not_done("4.3", "04-production");
}

bool TokenBucket::try_take([[maybe_unused]] Clock::time_point now) {
  // TODO(ex 4.3): if at least one token is available at `now`, take it (bring tokens_ and last_ up
  // to date) and return true. last_ must never move backwards.
  exercise_not_done("4.3", "04-production");
}

// Given.
RateLimiter::RateLimiter(double rate_per_second, double burst, std::size_t max_tracked)
    : rate_{rate_per_second}, burst_{burst}, max_tracked_{max_tracked} {
  check_rate_and_burst(rate_per_second, burst);
}

bool RateLimiter::allow([[maybe_unused]] std::string_view source, [[maybe_unused]] Clock::time_point now) {
  // TODO(ex 4.3): under the lock, find the source's bucket and try_take() from it. A new source gets
  // a fresh bucket, but the map never holds more than max_tracked_: make room by forgetting buckets
  // that are full again, and refuse the new source if that frees nothing.
  exercise_not_done("4.3", "04-production");
}

std::size_t RateLimiter::tracked() const { exercise_not_done("4.3", "04-production"); }

}  // namespace hs::ch04
