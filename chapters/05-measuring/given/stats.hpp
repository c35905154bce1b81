/// @file
/// What hs-load counts: outcomes by kind, the server's ERROR reasons, the causes of client-side
/// errors, and every successful handshake's latency. A Tally is plain data: each worker process
/// fills one, sends it to the parent as text (to_text / tally_from_text), and the parent merges them.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "given/ch05/outcome.hpp"

namespace hs::load {

/// Latency percentiles in microseconds, by the nearest-rank method: with the n samples sorted, the
/// p-th percentile is the sample of rank ceil(p/100 * n) (ranks from 1). It is always a measured
/// value, never an interpolation: p100 is the maximum, and with one sample every percentile is it.
struct LatencySummary {
  std::uint64_t samples = 0;  ///< how many latencies (0: the figures below mean nothing)
  std::uint64_t p50_us = 0;   ///< half the handshakes took at most this
  std::uint64_t p90_us = 0;   ///< 90% took at most this
  std::uint64_t p99_us = 0;   ///< 99% took at most this
  std::uint64_t max_us = 0;   ///< the slowest
};

/// The nearest-rank percentile `p` (0 < p <= 100) of `sorted` (ascending). Nothing when empty.
std::optional<std::uint64_t> nearest_rank(const std::vector<std::uint64_t>& sorted, double p);

/// p50, p90, p99 and max of `latencies_us` (any order; it is sorted in place).
LatencySummary summarize(std::vector<std::uint64_t>& latencies_us);

/// Counts of one run, or of one worker process's share of it.
struct Tally {
  std::array<std::uint64_t, result_count> by_result{};      ///< indexed by Result
  std::array<std::uint64_t, reason_count> server_errors{};  ///< ERROR lines, indexed by ErrorReason
  std::map<std::string, std::uint64_t> causes;              ///< "connect-error: Too many open files" -> count
  std::vector<std::uint64_t> latencies_us;                  ///< one per successful handshake, think time excluded

  /// Counts `outcome`; a success also keeps its latency.
  void record(const Outcome& outcome, std::uint64_t latency_us);
  /// Adds `other`'s counts and samples to these.
  void merge(const Tally& other);

  /// How many handshakes ended as `result`.
  std::uint64_t count(Result result) const { return by_result[static_cast<std::size_t>(result)]; }
  /// How many ERROR lines with `reason` the server sent.
  std::uint64_t count(ErrorReason reason) const { return server_errors[static_cast<std::size_t>(reason)]; }
  /// Handshakes that ended, whichever way.
  std::uint64_t finished() const;
  /// Handshakes that ended in anything but ok.
  std::uint64_t failed() const { return finished() - count(Result::ok); }
};

/// The tally as text, for a pipe from a worker process: one `key value...` line per non-zero count,
/// `cause <count> <text>` lines, `latencies <n>` then the n numbers, and a last line `end`.
std::string to_text(const Tally& tally);

/// Reads what to_text() wrote. Nothing if the text is cut short or not in that format.
std::optional<Tally> tally_from_text(std::string_view text);

}  // namespace hs::load
