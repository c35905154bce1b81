/// @file
/// Exercise 4.3: a token bucket, and a rate limiter that keeps one per source (the peer's address).
/// A client may open `burst` connections at once, then `rate` per second; a flood from one address
/// is refused early and cheaply, before it costs the server a session.
#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "given/ch04/clock.hpp"

namespace hs::ch04 {

/// A bucket of at most `burst` tokens that refills continuously at `rate` tokens per second; each
/// admitted request takes one. It starts full.
///
/// Not thread-safe on its own: RateLimiter holds its lock while it uses one.
class TokenBucket {
 public:
  /// Throws std::invalid_argument unless `rate_per_second` > 0 and `burst` >= 1.
  TokenBucket(double rate_per_second, double burst, Clock::time_point now);

  /// Takes one token if at least one is available at `now`: true if it did. A `now` earlier than
  /// one seen before adds no tokens (and breaks nothing).
  bool try_take(Clock::time_point now);

  /// The tokens available at `now` (fractional, at most `burst`), without taking any.
  double available(Clock::time_point now) const;

 private:
  double rate_;             ///< tokens per second
  double burst_;            ///< the most the bucket holds
  double tokens_;           ///< the tokens it held at last_
  Clock::time_point last_;  ///< when tokens_ was last brought up to date (never moves backwards)
};

/// A TokenBucket per source, created when a source is first seen, in bounded memory.
///
/// Thread safety: allow() and tracked() may be called from any number of threads at once (one
/// mutex guards the map and the buckets in it).
///
/// Memory: at most `max_tracked` buckets. When a new source would need one more, the buckets that
/// are full again are forgotten first: a full bucket behaves exactly like the fresh one a returning
/// source would get, so forgetting it changes no decision. If every bucket is still in use, the new
/// source is refused (allow() returns false) rather than letting an attacker with many addresses
/// grow the map without end: under such a flood, refusing unknown sources is the safe side.
class RateLimiter {
 public:
  /// Throws std::invalid_argument unless `rate_per_second` > 0 and `burst` >= 1. With
  /// `max_tracked` 0, every source is refused.
  RateLimiter(double rate_per_second, double burst, std::size_t max_tracked = 100'000);

  /// Whether `source` may go ahead at `now`: takes a token from its bucket.
  bool allow(std::string_view source, Clock::time_point now);

  /// How many sources have a bucket now.
  std::size_t tracked() const;

 private:
  /// Forgets the full buckets; true if there is room for one more afterwards.
  bool make_room(Clock::time_point now);
  /// Notes when a bucket that is not full at `now` will be full again.
  void note_refill(const TokenBucket& bucket, Clock::time_point now);

  /// Lets the map be searched with a string_view, without making a std::string for each lookup.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };

  const double rate_;
  const double burst_;
  const std::size_t max_tracked_;
  mutable std::mutex mutex_;  ///< guards everything below
  std::unordered_map<std::string, TokenBucket, Hash, std::equal_to<>> buckets_;
  /// No bucket is full before then, so a sweep before then would free nothing: while the map is
  /// full, a flood of new sources costs one comparison each, not a sweep of the whole map.
  Clock::time_point next_full_ = Clock::time_point::max();
};

}  // namespace hs::ch04
