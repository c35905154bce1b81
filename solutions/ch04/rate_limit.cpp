// Exercise 4.3 (reference): a token bucket, and a per-source rate limiter.
// The bucket does not tick: it stores the tokens it held at one instant, and works out how many it
// holds at any later instant from the time that has passed (rate x elapsed, capped at burst).
#include "ch04/rate_limit.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace hs::ch04 {

namespace {

// `!(x > 0)` rather than `x <= 0`: NaN fails every comparison, and must be refused too.
void check_rate_and_burst(double rate_per_second, double burst) {
  if (!(rate_per_second > 0)) throw std::invalid_argument("a rate limit needs a rate > 0 per second");
  if (!(burst >= 1)) throw std::invalid_argument("a rate limit needs a burst >= 1 (or nothing ever passes)");
}

}  // namespace

TokenBucket::TokenBucket(double rate_per_second, double burst, Clock::time_point now)
    : rate_{rate_per_second}, burst_{burst}, tokens_{burst}, last_{now} {
  check_rate_and_burst(rate_per_second, burst);
}

double TokenBucket::available(Clock::time_point now) const {
  if (now <= last_) return tokens_;  // time going backwards (or standing still) adds nothing
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  return std::min(burst_, tokens_ + rate_ * elapsed);
}

bool TokenBucket::try_take(Clock::time_point now) {
  const double tokens = available(now);
  // A refusal changes nothing: the refill is worked out again from last_ next time, so many
  // refusals in a row add no rounding error (and checking a bound 1 ns early cannot shift it).
  if (tokens < 1) return false;
  tokens_ = tokens - 1;
  last_ = std::max(last_, now);
  return true;
}

RateLimiter::RateLimiter(double rate_per_second, double burst, std::size_t max_tracked)
    : rate_{rate_per_second}, burst_{burst}, max_tracked_{max_tracked} {
  check_rate_and_burst(rate_per_second, burst);
}

bool RateLimiter::allow(std::string_view source, Clock::time_point now) {
  const std::lock_guard lock{mutex_};
  if (const auto known = buckets_.find(source); known != buckets_.end()) return known->second.try_take(now);
  if (buckets_.size() >= max_tracked_ && !make_room(now)) return false;
  auto& bucket = buckets_.try_emplace(std::string{source}, rate_, burst_, now).first->second;
  const bool allowed = bucket.try_take(now);  // a fresh bucket is full: always true
  note_refill(bucket, now);
  return allowed;
}

std::size_t RateLimiter::tracked() const {
  const std::lock_guard lock{mutex_};
  return buckets_.size();
}

bool RateLimiter::make_room(Clock::time_point now) {
  if (now < next_full_) return false;  // no bucket can be full yet: sweeping would free nothing
  next_full_ = Clock::time_point::max();
  std::erase_if(buckets_, [&](const auto& entry) {
    if (entry.second.available(now) >= burst_) return true;  // full: exactly like a fresh bucket
    note_refill(entry.second, now);
    return false;
  });
  return buckets_.size() < max_tracked_;
}

void RateLimiter::note_refill(const TokenBucket& bucket, Clock::time_point now) {
  // Capped at a year (a tiny rate could make it overflow the clock's nanoseconds); a sweep a year
  // early only costs a sweep.
  const double seconds_to_full = std::min((burst_ - bucket.available(now)) / rate_, 365 * 24 * 3600.0);
  // Rounded up: never earlier than the bucket is really full (a sweep then would free nothing).
  const auto full_at = now + std::chrono::ceil<Clock::duration>(std::chrono::duration<double>(seconds_to_full));
  next_full_ = std::min(next_full_, full_at);
}

}  // namespace hs::ch04
