// Exercise 4.2 (reference): lock-free counters, gauges with peaks, histograms.
// Every operation is one atomic read-modify-write (or a short compare-exchange loop): no thread
// ever waits for another, which matters when every handshake on every thread touches them.
#include "ch04/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace hs::ch04 {

// Why memory_order_relaxed is enough everywhere in this file: each atomic is a number of its own,
// and nobody reads it to decide what *other* memory holds (no "the counter says 5, so the 5th
// record is ready"). Relaxed operations on one atomic are still atomic and still totally ordered
// among themselves, so no add is lost and the final total is exact; what relaxed gives up is only
// the ordering relative to other variables, which a number read for a report does not need.
// (Reading the metrics after join() sees everything: join() itself synchronises.)
constexpr auto relaxed = std::memory_order_relaxed;

void Counter::add(std::uint64_t n) { value_.fetch_add(n, relaxed); }

std::uint64_t Counter::value() const { return value_.load(relaxed); }

void Gauge::add(std::int64_t delta) { raise_peak(value_.fetch_add(delta, relaxed) + delta); }

void Gauge::sub(std::int64_t delta) { raise_peak(value_.fetch_sub(delta, relaxed) - delta); }

void Gauge::set(std::int64_t v) {
  value_.store(v, relaxed);
  raise_peak(v);
}

std::int64_t Gauge::value() const { return value_.load(relaxed); }

std::int64_t Gauge::peak() const { return peak_.load(relaxed); }

// Another thread may raise the peak between our load and our store, so "load, compare, store"
// could lower it again. compare_exchange stores only if the peak is still what we read; if not,
// it hands back the new peak and we look again. The loop ends as soon as the peak is >= ours.
void Gauge::raise_peak(std::int64_t candidate) {
  auto peak = peak_.load(relaxed);
  while (candidate > peak && !peak_.compare_exchange_weak(peak, candidate, relaxed)) {
  }
}

namespace {

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

Histogram::Histogram(std::vector<double> upper_bounds_seconds)
    : bounds_{validated(std::move(upper_bounds_seconds))}, buckets_(bounds_.size() + 1) {}

void Histogram::observe(std::chrono::nanoseconds d) {
  const auto ns = std::max<std::int64_t>(d.count(), 0);
  // n / 1e9 is the double nearest to n ns in seconds, and so is the literal a bound was written
  // as: a duration exactly on a bound compares equal to it and lands in that bucket (`le`).
  const double seconds = static_cast<double>(ns) / 1e9;
  const auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), seconds) - bounds_.begin();
  buckets_[static_cast<std::size_t>(bucket)].fetch_add(1, relaxed);
  sum_ns_.fetch_add(static_cast<std::uint64_t>(ns), relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot snap;
  snap.upper_bounds = bounds_;
  snap.cumulative.reserve(buckets_.size());
  std::uint64_t running = 0;
  for (const auto& bucket : buckets_) {
    running += bucket.load(relaxed);
    snap.cumulative.push_back(running);
  }
  // The count is the sum of the buckets we read, not a separate counter read at another moment:
  // that way +Inf equals the count in every snapshot, as Prometheus requires.
  snap.count = running;
  snap.sum_seconds = static_cast<double>(sum_ns_.load(relaxed)) / 1e9;
  return snap;
}

std::vector<double> latency_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

}  // namespace hs::ch04
