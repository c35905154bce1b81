/// @file
/// hs-load's output: the progress line while running, the human summary at the end (stdout), and
/// the same figures as one JSON object (--json FILE). Pure functions of a RunResult, so tests can
/// read them without running anything.
///
/// JSON keys (stable; times in seconds or microseconds, memory in KiB; absent figures are null):
/// `handshakes`, `ok`, `failed`, `success_percent`, `failures` {one key per failure kind:
/// refused, reset, timeout, bad-reply, wrong-sequence, server-error, connect-error, io-error},
/// `server_errors` {one key per ERROR reason: malformed, overflow, sequence, too-long, timeout,
/// busy, shutdown}, `causes` {"connect-error: <system message>": count, ...},
/// `peak_concurrent`, `elapsed_s`, `handshakes_per_s` (ok handshakes / elapsed_s),
/// `latency_us` {samples, p50, p90, p99, max} (ok handshakes only, think time excluded),
/// `server` {pid, rss_idle_kib, rss_peak_kib, rss_at_most_open_kib, most_open_sampled,
/// kib_per_connection, cpu_s, cpu_us_per_handshake, samples, vanished} or null,
/// `client` {cpu_s}, `options` {host, port, conns, total, duration_ms, think_ms, timeout_ms,
/// ramp, max_opening, procs, src_ips}.
#pragma once

#include <cstdint>
#include <string>

#include "given/ch05/options.hpp"
#include "given/ch05/run.hpp"

namespace hs::load {

/// One progress line: `hs-load: 1.4 s  open 1000  ok 950  failed 0  rate 812/s`.
std::string progress_line(double elapsed_s, std::int64_t open, std::uint64_t ok, std::uint64_t failed, double rate);

/// The human summary, several lines, each ending in `\n`.
std::string format_summary(const RunResult& result);

/// The figures as one JSON object (keys listed above), ending in `\n`.
std::string format_json(const LoadOptions& options, const RunResult& result);

}  // namespace hs::load
