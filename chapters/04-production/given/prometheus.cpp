// The Prometheus text format (given): `# HELP`, `# TYPE`, then `name{label="value"} number` lines.
#include "given/ch04/prometheus.hpp"

#include <iterator>

#include <fmt/format.h>

namespace hs::ch04 {

namespace {

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void counter(std::string& out, std::string_view name, std::string_view help, std::uint64_t value) {
  header(out, name, "counter", help);
  fmt::format_to(std::back_inserter(out), "{} {}\n", name, value);
}

void counter(std::string& out, std::string_view name, std::string_view help, const Counter& c) {
  counter(out, name, help, c.value());
}

void gauge(std::string& out, std::string_view name, std::string_view help, std::int64_t value) {
  header(out, name, "gauge", help);
  fmt::format_to(std::back_inserter(out), "{} {}\n", name, value);
}

void histogram(std::string& out, std::string_view name, std::string_view help, const Histogram& h) {
  header(out, name, "histogram", help);
  const Histogram::Snapshot s = h.snapshot();
  auto to = std::back_inserter(out);
  for (std::size_t i = 0; i < s.upper_bounds.size(); ++i) {
    fmt::format_to(to, "{}_bucket{{le=\"{}\"}} {}\n", name, s.upper_bounds[i], s.cumulative[i]);
  }
  fmt::format_to(to, "{}_bucket{{le=\"+Inf\"}} {}\n{}_sum {}\n{}_count {}\n", name, s.count, name, s.sum_seconds, name,
                 s.count);
}

}  // namespace

std::string ServerMetrics::prometheus() const {
  std::string out;
  out.reserve(4096);
  auto to = std::back_inserter(out);
  counter(out, "hs_connections_accepted_total", "Connections accepted, refused ones included.",
          listener.accepted.load());
  counter(out, "hs_accept_errors_total", "accept() calls that failed.", listener.accept_errors.load());
  counter(out, "hs_accept_backoffs_total", "Pauses of the listener: out of descriptors or memory (EMFILE & co.).",
          listener.backoffs.load());
  counter(out, "hs_handshakes_completed_total", "Handshakes completed.", completed);
  header(out, "hs_handshakes_failed_total", "counter", "Handshakes that ended with an ERROR line, by reason.");
  for (std::size_t i = 0; i < reason_count; ++i) {
    fmt::format_to(to, "hs_handshakes_failed_total{{reason=\"{}\"}} {}\n", reason_name(static_cast<ErrorReason>(i)),
                   failed[i].value());
  }
  counter(out, "hs_connections_reset_total", "Connections that broke before the end (reset, broken pipe).", reset);
  header(out, "hs_timeouts_total", "counter", "Handshakes that timed out, by clock.");
  fmt::format_to(to, "hs_timeouts_total{{clock=\"read\"}} {}\nhs_timeouts_total{{clock=\"handshake\"}} {}\n",
                 timeout_read.value(), timeout_handshake.value());
  header(out, "hs_refused_total", "counter", "Connections answered ERROR busy, by cause.");
  fmt::format_to(to,
                 "hs_refused_total{{cause=\"max-conns\"}} {}\nhs_refused_total{{cause=\"rate\"}} {}\n"
                 "hs_refused_total{{cause=\"circuit\"}} {}\n",
                 refused_max_conns.value(), refused_rate.value(), refused_circuit.value());
  counter(out, "hs_downstream_failures_total", "Downstream calls that failed or were too slow.", downstream_failures);
  gauge(out, "hs_connections_open", "Connections being served now.", open.value());
  gauge(out, "hs_connections_open_peak", "The most connections served at once.", open.peak());
  gauge(out, "hs_offload_queue_depth", "Jobs waiting for a pool thread.", offload_queue.value());
  gauge(out, "hs_offload_running", "Jobs running on the pool now.", offload_running.value());
  histogram(out, "hs_handshake_duration_seconds", "Time from accept to the end of a completed handshake.",
            handshake_seconds);
  return out;
}

std::string prometheus(const CircuitBreaker& breaker) {
  std::string out;
  header(out, "hs_breaker_state", "gauge", "The downstream's circuit breaker: 0 closed, 1 open, 2 half-open.");
  fmt::format_to(std::back_inserter(out), "hs_breaker_state {}\n", static_cast<int>(breaker.state(Clock::now())));
  header(out, "hs_breaker_opened_total", "counter", "Times the breaker opened.");
  fmt::format_to(std::back_inserter(out), "hs_breaker_opened_total {}\n", breaker.times_opened());
  return out;
}

}  // namespace hs::ch04
