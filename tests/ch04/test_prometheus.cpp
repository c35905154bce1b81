// The server's metrics in the Prometheus text format (given code): what `GET /metrics` returns,
// line by line: every metric, with its `# HELP` and `# TYPE` (the lesson's "Metrics" shows a few).
// Dashboards and alerts are written against these names and labels, so the text is the spec. It
// tests only given code (on the reference's counters): it runs once, against the reference
// (GIVEN_TESTS in CMakeLists.txt).
#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "given/ch04/prometheus.hpp"

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

void check_lines(const std::string& text, const std::vector<std::string>& expected) {
  CHECK(text.ends_with('\n'));  // the format ends every line, the last one too
  const auto lines = lines_of(text);
  for (std::size_t i = 0; i < lines.size() && i < expected.size(); ++i) {
    INFO("line " << i + 1);
    CHECK(lines[i] == expected[i]);
  }
  CHECK(lines.size() == expected.size());
}

}  // namespace

TEST_CASE("the server's metrics in the Prometheus text format line by line", "[given]") {
  using namespace std::chrono_literals;
  hs::ch04::ServerMetrics m;
  // A different value everywhere, so that each line shows which counter it printed.
  m.listener.accepted = 101;
  m.listener.accept_errors = 2;
  m.listener.backoffs = 3;
  m.completed.add(4);
  for (std::size_t i = 0; i < hs::ch04::reason_count; ++i) m.failed[i].add(10 + i);
  m.reset.add(20);
  m.timeout_read.add(21);
  m.timeout_handshake.add(22);
  m.refused_max_conns.add(23);
  m.refused_rate.add(24);
  m.refused_circuit.add(25);
  m.downstream_failures.add(26);
  m.open.add(30);
  m.open.sub(3);  // 27 open now, 30 at the peak
  m.offload_queue.set(28);
  m.offload_running.set(29);
  m.handshake_seconds.observe(3ms);    // in the 0.005 bucket and above
  m.handshake_seconds.observe(300ms);  // 0.5 and above
  m.handshake_seconds.observe(1min);   // +Inf only
  check_lines(
      m.prometheus(),
      {
          "# HELP hs_connections_accepted_total Connections accepted, refused ones included.",
          "# TYPE hs_connections_accepted_total counter",
          "hs_connections_accepted_total 101",
          "# HELP hs_accept_errors_total accept() calls that failed.",
          "# TYPE hs_accept_errors_total counter",
          "hs_accept_errors_total 2",
          "# HELP hs_accept_backoffs_total Pauses of the listener: out of descriptors or memory (EMFILE & co.).",
          "# TYPE hs_accept_backoffs_total counter",
          "hs_accept_backoffs_total 3",
          "# HELP hs_handshakes_completed_total Handshakes completed.",
          "# TYPE hs_handshakes_completed_total counter",
          "hs_handshakes_completed_total 4",
          "# HELP hs_handshakes_failed_total Handshakes that ended with an ERROR line, by reason.",
          "# TYPE hs_handshakes_failed_total counter",
          "hs_handshakes_failed_total{reason=\"malformed\"} 10",
          "hs_handshakes_failed_total{reason=\"overflow\"} 11",
          "hs_handshakes_failed_total{reason=\"sequence\"} 12",
          "hs_handshakes_failed_total{reason=\"too-long\"} 13",
          "hs_handshakes_failed_total{reason=\"timeout\"} 14",
          "hs_handshakes_failed_total{reason=\"busy\"} 15",
          "hs_handshakes_failed_total{reason=\"shutdown\"} 16",
          "# HELP hs_connections_reset_total Connections that broke before the end (reset, broken pipe).",
          "# TYPE hs_connections_reset_total counter",
          "hs_connections_reset_total 20",
          "# HELP hs_timeouts_total Handshakes that timed out, by clock.",
          "# TYPE hs_timeouts_total counter",
          "hs_timeouts_total{clock=\"read\"} 21",
          "hs_timeouts_total{clock=\"handshake\"} 22",
          "# HELP hs_refused_total Connections answered ERROR busy, by cause.",
          "# TYPE hs_refused_total counter",
          "hs_refused_total{cause=\"max-conns\"} 23",
          "hs_refused_total{cause=\"rate\"} 24",
          "hs_refused_total{cause=\"circuit\"} 25",
          "# HELP hs_downstream_failures_total Downstream calls that failed or were too slow.",
          "# TYPE hs_downstream_failures_total counter",
          "hs_downstream_failures_total 26",
          "# HELP hs_connections_open Connections being served now.",
          "# TYPE hs_connections_open gauge",
          "hs_connections_open 27",
          "# HELP hs_connections_open_peak The most connections served at once.",
          "# TYPE hs_connections_open_peak gauge",
          "hs_connections_open_peak 30",
          "# HELP hs_offload_queue_depth Jobs waiting for a pool thread.",
          "# TYPE hs_offload_queue_depth gauge",
          "hs_offload_queue_depth 28",
          "# HELP hs_offload_running Jobs running on the pool now.",
          "# TYPE hs_offload_running gauge",
          "hs_offload_running 29",
          "# HELP hs_handshake_duration_seconds Time from accept to the end of a completed handshake.",
          "# TYPE hs_handshake_duration_seconds histogram",
          "hs_handshake_duration_seconds_bucket{le=\"0.0001\"} 0",
          "hs_handshake_duration_seconds_bucket{le=\"0.00025\"} 0",
          "hs_handshake_duration_seconds_bucket{le=\"0.0005\"} 0",
          "hs_handshake_duration_seconds_bucket{le=\"0.001\"} 0",
          "hs_handshake_duration_seconds_bucket{le=\"0.0025\"} 0",
          "hs_handshake_duration_seconds_bucket{le=\"0.005\"} 1",
          "hs_handshake_duration_seconds_bucket{le=\"0.01\"} 1",
          "hs_handshake_duration_seconds_bucket{le=\"0.025\"} 1",
          "hs_handshake_duration_seconds_bucket{le=\"0.05\"} 1",
          "hs_handshake_duration_seconds_bucket{le=\"0.1\"} 1",
          "hs_handshake_duration_seconds_bucket{le=\"0.25\"} 1",
          "hs_handshake_duration_seconds_bucket{le=\"0.5\"} 2",
          "hs_handshake_duration_seconds_bucket{le=\"1\"} 2",
          "hs_handshake_duration_seconds_bucket{le=\"2.5\"} 2",
          "hs_handshake_duration_seconds_bucket{le=\"5\"} 2",
          "hs_handshake_duration_seconds_bucket{le=\"10\"} 2",
          "hs_handshake_duration_seconds_bucket{le=\"+Inf\"} 3",
          "hs_handshake_duration_seconds_sum 60.303",
          "hs_handshake_duration_seconds_count 3",
      });
}

TEST_CASE("the circuit breaker's metrics in the Prometheus text format line by line", "[given]") {
  using namespace std::chrono_literals;
  hs::ch04::CircuitBreaker breaker{{.failures_to_open = 1, .cool_down = 1h}};
  check_lines(hs::ch04::prometheus(breaker),
              {
                  "# HELP hs_breaker_state The downstream's circuit breaker: 0 closed, 1 open, 2 half-open.",
                  "# TYPE hs_breaker_state gauge",
                  "hs_breaker_state 0",
                  "# HELP hs_breaker_opened_total Times the breaker opened.",
                  "# TYPE hs_breaker_opened_total counter",
                  "hs_breaker_opened_total 0",
              });
  const auto now = hs::ch04::Clock::now();
  REQUIRE(breaker.allow(now));
  breaker.on_failure(now);  // one failure opens it, for an hour
  const auto open = lines_of(hs::ch04::prometheus(breaker));
  REQUIRE(open.size() == 6);
  CHECK(open[2] == "hs_breaker_state 1");
  CHECK(open[5] == "hs_breaker_opened_total 1");
}
