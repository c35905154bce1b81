/// @file
/// Exercise 4.2: thread-safe metric primitives. Every thread of the server's io_context counts what
/// happened (Counter), what is going on now (Gauge, with its peak) and how long it took (Histogram),
/// all at once and without a lock; the metrics endpoint reads them while they change.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

namespace hs::ch04 {

/// A count that only goes up (handshakes completed, connections refused...).
///
/// Thread safety: any number of threads may add() and read value() at the same time. Once done,
/// neither throws (they are not `noexcept` only so that the untouched stubs can throw).
class Counter {
 public:
  /// Adds `n` (1 by default).
  void add(std::uint64_t n = 1);
  /// The total so far.
  std::uint64_t value() const;

 private:
  std::atomic<std::uint64_t> value_{0};
};

/// A value that goes up and down (connections open now), and remembers the highest it ever was.
///
/// Thread safety: any number of threads may change and read it at the same time. The peak is
/// never lower than any value add(), sub() or set() produced. Once done, nothing here throws.
class Gauge {
 public:
  /// Adds `delta` (which may be negative) and raises the peak if the new value is higher.
  void add(std::int64_t delta);
  /// Subtracts `delta`: the same as add(-delta).
  void sub(std::int64_t delta);
  /// Sets the value to `v` (the peak rises to `v` if it was lower).
  void set(std::int64_t v);
  /// The value now.
  std::int64_t value() const;
  /// The highest value ever reached (0 if it never went above its starting value, 0).
  std::int64_t peak() const;

 private:
  void raise_peak(std::int64_t candidate);  ///< the compare-exchange loop

  std::atomic<std::int64_t> value_{0};
  std::atomic<std::int64_t> peak_{0};
};

/// How long things take, counted in buckets, like a Prometheus histogram: bucket i counts the
/// durations `d <= upper_bounds[i]` (its `le` label), and one more bucket counts all of them (+Inf).
///
/// Thread safety: any number of threads may observe() while others take a snapshot(). A snapshot
/// taken during observations is consistent where it matters (its +Inf bucket equals its count),
/// but its sum may include an observation its buckets do not yet, or the other way round.
class Histogram {
 public:
  /// What the histogram holds at one moment, in the shape the Prometheus text format wants.
  struct Snapshot {
    std::vector<double> upper_bounds;       ///< seconds, ascending, as given to the constructor
    std::vector<std::uint64_t> cumulative;  ///< one per bound (`d <= bound`), then +Inf (= count)
    std::uint64_t count = 0;                ///< every observation
    double sum_seconds = 0;                 ///< their total duration
  };

  /// `upper_bounds_seconds`: the buckets' upper bounds, in seconds. Throws std::invalid_argument
  /// unless they are non-empty, finite, positive and strictly ascending.
  explicit Histogram(std::vector<double> upper_bounds_seconds);

  /// Counts one duration in the first bucket whose bound is >= `d` (or in +Inf), and adds it to
  /// the sum. A negative duration counts as zero. Once done, it does not throw.
  void observe(std::chrono::nanoseconds d);

  /// The buckets made cumulative, the count and the sum.
  Snapshot snapshot() const;

 private:
  std::vector<double> bounds_;                       ///< seconds, validated
  std::vector<std::atomic<std::uint64_t>> buckets_;  ///< per bucket, NOT cumulative; last is +Inf
  std::atomic<std::uint64_t> sum_ns_{0};             ///< the sum, in whole nanoseconds
};

/// Bucket bounds for handshake latencies, in seconds: 100 µs to 10 s, roughly 1-2.5-5 per decade.
std::vector<double> latency_buckets();

}  // namespace hs::ch04
