// Exercise 4.2: thread-safe metric primitives.
// Read chapters/04-production/README.md#exercise-42, then replace the stubs below.
#include "ch04/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "hs/exercise.hpp"

namespace hs::ch04 {

void Counter::add([[maybe_unused]] std::uint64_t n) {
  // TODO(ex 4.2): one atomic fetch_add. Which memory order does a counter read only for reports
  // need? Write down why in a comment.
  exercise_not_done("4.2", "04-production");
}

std::uint64_t Counter::value() const { exercise_not_done("4.2", "04-production"); }

void Gauge::add([[maybe_unused]] std::int64_t delta) {
  // TODO(ex 4.2): fetch_add gives the value before; the value after is a candidate for the peak.
  // Raise peak_ with a compare-exchange loop (a plain load-compare-store could lower it again).
  exercise_not_done("4.2", "04-production");
}

void Gauge::sub([[maybe_unused]] std::int64_t delta) { exercise_not_done("4.2", "04-production"); }

void Gauge::set([[maybe_unused]] std::int64_t v) { exercise_not_done("4.2", "04-production"); }

std::int64_t Gauge::value() const { exercise_not_done("4.2", "04-production"); }

std::int64_t Gauge::peak() const { exercise_not_done("4.2", "04-production"); }

namespace {

// Given: the constructor's checks.
std::vector<double> validated(std::vector<double> bounds) {
  if (bounds.empty()) throw std::invalid_argument("a histogram needs at least one bucket bound");
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || bounds[i] <= 0) {
      throw std::invalid_argument("histogram bucket bounds must be finite and positive (+Inf is implicit)");
    }
    if (i > 0 && bounds[i] <= bounds[i - 1]) {
      throw std::invalid_argument("histogram bucket bounds must be strictly ascending");
    }
  }
  return bounds;
}

}  // namespace

// Given: one atomic counter per bucket, all zero, plus one for +Inf.
Histogram::Histogram(std::vector<double> upper_bounds_seconds)
    : bounds_{validated(std::move(upper_bounds_seconds))}, buckets_(bounds_.size() + 1) {}

void Histogram::observe([[maybe_unused]] std::chrono::nanoseconds d) {
  // TODO(ex 4.2): find the first bound >= d (in seconds: a duration exactly on a bound belongs to
  // that bucket), or +Inf past the last one; count it there (one bucket only, not cumulative) and
  // add d to sum_ns_. A negative d counts as zero.
  exercise_not_done("4.2", "04-production");
}

Histogram::Snapshot Histogram::snapshot() const {
  // TODO(ex 4.2): copy the bounds; make the bucket counts cumulative (a running total, the last
  // one being +Inf); set count so that it always equals the +Inf entry, and the sum in seconds.
  exercise_not_done("4.2", "04-production");
}

// Given.
std::vector<double> latency_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

}  // namespace hs::ch04
