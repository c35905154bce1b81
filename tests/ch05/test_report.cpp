// hs-load's output: the summary a person reads and the JSON a script reads, from known figures.
#include <catch2/catch.hpp>

#include "given/ch05/report.hpp"

using hs::load::Result;

namespace {

hs::load::RunResult known_result() {
  hs::load::RunResult r;
  for (int i = 0; i < 96; ++i) r.tally.record({Result::ok, {}, {}}, 400);
  r.tally.record({Result::timeout, {}, {}}, 0);
  r.tally.record({Result::server_error, hs::ErrorReason::busy, {}}, 0);
  r.tally.record({Result::server_error, hs::ErrorReason::busy, {}}, 0);
  r.tally.record({Result::connect_error, {}, "Cannot assign requested address"}, 0);
  r.latency = hs::load::summarize(r.tally.latencies_us);
  r.peak_open = 50;
  r.elapsed_s = 2;
  r.client_cpu_s = 0.5;
  hs::load::ServerUsage server;
  server.pid = 1234;
  server.rss_idle_kb = 4096;
  server.rss_peak_kb = 8192;
  server.rss_at_most_open_kb = 6144;
  server.most_open_sampled = 40;
  server.cpu_start_s = 1.0;
  server.cpu_end_s = 1.5;
  r.server = server;
  return r;
}

}  // namespace

TEST_CASE("the summary names every failure and the figures", "[report]") {
  const auto text = hs::load::format_summary(known_result());
  CHECK_THAT(text, Catch::StartsWith("hs-load: 100 handshakes, 96 ok (96.00%), 4 failed\n"));
  CHECK_THAT(text, Catch::Contains("failures: timeout 1, ERROR busy 2, connect-error 1\n"));
  CHECK_THAT(text,
             Catch::Contains("cause: connect-error: Cannot assign requested address x 1 (a limit of this client"));
  CHECK_THAT(text, Catch::Contains("peak concurrent: 50 connections"));
  CHECK_THAT(text, Catch::Contains("throughput: 48 handshakes/s over 2.00 s"));
  CHECK_THAT(text, Catch::Contains("p50 0.400 ms"));
  CHECK_THAT(text, Catch::Contains("RSS 4.0 MiB idle -> 8.0 MiB peak (+51.20 KiB per connection at 40 open)"));
  CHECK_THAT(text, Catch::Contains("server CPU: 0.50 s = 5000.0 us per handshake"));
}

TEST_CASE("a run without failures says so", "[report]") {
  hs::load::RunResult r;
  r.tally.record({Result::ok, {}, {}}, 1500);
  r.latency = hs::load::summarize(r.tally.latencies_us);
  const auto text = hs::load::format_summary(r);
  CHECK_THAT(text, Catch::Contains("failures: (none)"));
  CHECK_THAT(text, Catch::Contains("max 1.50 ms"));
  CHECK_THAT(text, !Catch::Contains("server (pid"));
  CHECK_THAT(text, !Catch::Contains("server CPU"));
}

TEST_CASE("the JSON carries the same figures under stable keys", "[report]") {
  hs::load::LoadOptions options;
  options.conns = 10;
  options.total = 100;
  const auto json = hs::load::format_json(options, known_result());
  CHECK_THAT(json, Catch::StartsWith("{\"handshakes\": 100, \"ok\": 96, \"failed\": 4, \"success_percent\": 96,"));
  CHECK_THAT(json, Catch::Contains("\"timeout\": 1,"));
  CHECK_THAT(json, Catch::Contains("\"busy\": 2,"));
  CHECK_THAT(json, Catch::Contains("\"causes\": {\"connect-error: Cannot assign requested address\": 1}"));
  CHECK_THAT(json, Catch::Contains(
                       "\"latency_us\": {\"samples\": 96, \"p50\": 400, \"p90\": 400, \"p99\": 400, \"max\": 400}"));
  CHECK_THAT(json, Catch::Contains("\"server\": {\"pid\": 1234, \"rss_idle_kib\": 4096"));
  CHECK_THAT(json, Catch::Contains("\"kib_per_connection\": 51.2,"));
  CHECK_THAT(json,
             Catch::Contains("\"options\": {\"host\": \"127.0.0.1\", \"port\": 7878, \"conns\": 10, \"total\": 100"));
  CHECK_THAT(json, Catch::EndsWith("}}\n"));
}
