// hs-load's progress line, summary and JSON (see hs/load/report.hpp).
#include "given/ch05/report.hpp"

#include <cmath>

#include <fmt/format.h>

namespace hs::load {
namespace {

// Milliseconds from microseconds, with about three significant digits: 0.412, 8.31, 40.2, 1203.
std::string format_ms(std::uint64_t us) {
  const double ms = static_cast<double>(us) / 1000;
  if (ms < 1) return fmt::format("{:.3f} ms", ms);
  if (ms < 10) return fmt::format("{:.2f} ms", ms);
  if (ms < 100) return fmt::format("{:.1f} ms", ms);
  return fmt::format("{:.0f} ms", ms);
}

std::string mib(std::uint64_t kib) { return fmt::format("{:.1f} MiB", static_cast<double>(kib) / 1024); }

double per(double amount, double count) { return count > 0 ? amount / count : 0; }

std::string json_number(double value) { return std::isfinite(value) ? fmt::format("{:.6g}", value) : "null"; }

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    } else {
      out += c;
    }
  }
  return out + '"';
}

// "timeout 12, ERROR busy 3, reset 1", in the order of Result, or "(none)".
std::string failure_list(const Tally& tally) {
  std::string list;
  const auto add = [&list](std::string_view name, std::uint64_t n) {
    if (n != 0) list += fmt::format("{}{} {}", list.empty() ? "" : ", ", name, n);
  };
  for (const auto result : all_results) {
    if (result == Result::ok) continue;
    if (result != Result::server_error) add(result_name(result), tally.count(result));
    for (const auto reason : all_reasons) {
      if (result == Result::server_error) add(fmt::format("ERROR {}", reason_name(reason)), tally.count(reason));
    }
  }
  return list.empty() ? "(none)" : list;
}

}  // namespace

std::string progress_line(double elapsed_s, std::int64_t open, std::uint64_t ok, std::uint64_t failed, double rate) {
  return fmt::format("hs-load: {:.1f} s  open {}  ok {}  failed {}  rate {:.0f}/s", elapsed_s, open, ok, failed, rate);
}

std::string format_summary(const RunResult& r) {
  const Tally& t = r.tally;
  const auto total = static_cast<double>(t.finished());
  std::string text =
      fmt::format("hs-load: {} handshakes, {} ok ({:.2f}%), {} failed\n", t.finished(), t.count(Result::ok),
                  100 * per(static_cast<double>(t.count(Result::ok)), total), t.failed());
  text += fmt::format("  failures: {}\n", failure_list(t));
  for (const auto& [cause, n] : t.causes) {
    const bool client_limit = cause.starts_with(result_name(Result::connect_error));
    text += fmt::format("  cause: {} x {}{}\n", cause, n,
                        client_limit ? " (a limit of this client machine, not a server failure)" : "");
  }
  text += fmt::format("  peak concurrent: {} connections\n", r.peak_open);
  text += fmt::format("  throughput: {:.0f} handshakes/s over {:.2f} s\n",
                      per(static_cast<double>(t.count(Result::ok)), r.elapsed_s), r.elapsed_s);
  if (r.latency.samples == 0) {
    text += "  latency: no handshake succeeded\n";
  } else {
    text +=
        fmt::format("  latency (excluding think time): p50 {}  p90 {}  p99 {}  max {}\n", format_ms(r.latency.p50_us),
                    format_ms(r.latency.p90_us), format_ms(r.latency.p99_us), format_ms(r.latency.max_us));
  }
  if (const auto& s = r.server) {
    text += fmt::format("  server (pid {}): RSS {} idle -> {} peak (+{:.2f} KiB per connection at {} open){}\n", s->pid,
                        mib(s->rss_idle_kb), mib(s->rss_peak_kb), s->kib_per_connection(), s->most_open_sampled,
                        s->vanished ? " (the process exited during the run)" : "");
    text += fmt::format("  server CPU: {:.2f} s = {:.1f} us per handshake\n", s->cpu_used_s(),
                        1e6 * per(s->cpu_used_s(), total));
  }
  text += fmt::format("  client: CPU {:.2f} s\n", r.client_cpu_s);
  return text;
}

std::string format_json(const LoadOptions& o, const RunResult& r) {
  const Tally& t = r.tally;
  const auto total = static_cast<double>(t.finished());
  std::string failures;
  for (const auto result : all_results) {
    if (result == Result::ok) continue;
    failures += fmt::format("{}\"{}\": {}", failures.empty() ? "" : ", ", result_name(result), t.count(result));
  }
  std::string server_errors;
  for (const auto reason : all_reasons) {
    server_errors +=
        fmt::format("{}\"{}\": {}", server_errors.empty() ? "" : ", ", reason_name(reason), t.count(reason));
  }
  std::string causes;
  for (const auto& [cause, n] : t.causes)
    causes += fmt::format("{}{}: {}", causes.empty() ? "" : ", ", json_string(cause), n);
  std::string server = "null";
  if (const auto& s = r.server) {
    server = fmt::format(
        "{{\"pid\": {}, \"rss_idle_kib\": {}, \"rss_peak_kib\": {}, \"rss_at_most_open_kib\": {}, "
        "\"most_open_sampled\": {}, \"kib_per_connection\": {}, \"cpu_s\": {}, \"cpu_us_per_handshake\": {}, "
        "\"samples\": {}, \"vanished\": {}}}",
        s->pid, s->rss_idle_kb, s->rss_peak_kb, s->rss_at_most_open_kb, s->most_open_sampled,
        json_number(s->kib_per_connection()), json_number(s->cpu_used_s()),
        json_number(1e6 * per(s->cpu_used_s(), total)), s->samples, s->vanished);
  }
  std::string sources;
  for (const auto& a : o.sources) sources += fmt::format("{}\"{}\"", sources.empty() ? "" : ", ", a.to_string());
  const auto& l = r.latency;
  return fmt::format(
      "{{\"handshakes\": {}, \"ok\": {}, \"failed\": {}, \"success_percent\": {}, \"failures\": {{{}}}, "
      "\"server_errors\": {{{}}}, \"causes\": {{{}}}, \"peak_concurrent\": {}, \"elapsed_s\": {}, "
      "\"handshakes_per_s\": {}, \"latency_us\": {{\"samples\": {}, \"p50\": {}, \"p90\": {}, \"p99\": {}, \"max\": "
      "{}}}, "
      "\"server\": {}, \"client\": {{\"cpu_s\": {}}}, \"options\": {{\"host\": {}, \"port\": {}, \"conns\": {}, "
      "\"total\": {}, \"duration_ms\": {}, \"think_ms\": {}, \"timeout_ms\": {}, \"ramp\": {}, \"max_opening\": {}, "
      "\"procs\": {}, \"src_ips\": [{}]}}}}\n",
      t.finished(), t.count(Result::ok), t.failed(),
      json_number(100 * per(static_cast<double>(t.count(Result::ok)), total)), failures, server_errors, causes,
      r.peak_open, json_number(r.elapsed_s), json_number(per(static_cast<double>(t.count(Result::ok)), r.elapsed_s)),
      l.samples, l.p50_us, l.p90_us, l.p99_us, l.max_us, server, json_number(r.client_cpu_s),
      json_string(o.server.address().to_string()), o.server.port(), o.conns, o.total, o.duration.count(),
      o.think.count(), o.timeout.count(), o.ramp, o.max_opening, o.procs, sources);
}

}  // namespace hs::load
