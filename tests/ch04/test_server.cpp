// The chapter 04 Server with each exercise in place: the counters behind /metrics (4.2), the rate
// limit (4.3), the connection limit (4.4) and the circuit breaker (4.5), seen from the wire by
// scripted clients, with counts checked exactly.
#include <arpa/inet.h>
#include <netinet/in.h>

#include "fixtures.hpp"
#include "parallel.hpp"

using namespace hs::ch04;
using namespace hs::ch04::test;

namespace {

// Waits until the server has counted every connection's end (it counts after the client sees the
// close), then returns its /metrics samples.
std::map<std::string, double> settled_samples(InProcessServer& server, std::uint64_t ended) {
  const bool settled = server.eventually([&] {
    const auto& m = server.metrics();
    std::uint64_t failed = 0;
    for (const auto& counter : m.failed) failed += counter.value();
    return m.open.value() == 0 && m.completed.value() + failed + m.reset.value() == ended;
  });
  REQUIRE(settled);
  const std::string response = http_get(server.metrics_port());
  REQUIRE(response.starts_with("HTTP/1.0 200 OK\r\n"));
  return samples(response.substr(response.find("\r\n\r\n") + 4));
}

// A client whose source address is `source` (any 127.x.y.z is ours on loopback).
RawSocket connect_from(const char* source, std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  RawSocket client{fd};
  sockaddr_in address{};
  address.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &address.sin_addr);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  address.sin_port = htons(port);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  return client;
}

}  // namespace

// Served, failures harmless, EMFILE, the stop: what every chapter's server does
// (tests/support/server_behaviour.hpp). They need the metrics (4.2), the permits (4.4) and, to
// stop, the drain (4.6). The rest of this file is what production adds.
HS_SERVER_BEHAVIOUR_TEST_CASES(InProcessServer, "", "[ex4.4]", "[ex4.6]")

TEST_CASE("GET /metrics counts exactly what the clients saw", "[ex4.2]") {
  InProcessServer server;
  auto first = server.connect();
  REQUIRE(handshake(first, 1).empty());
  // Then 4 clients at a time, each: 10 good handshakes, 2 malformed, 1 wrong Z. CHECK is not
  // thread-safe: the threads count what went wrong, the test checks the counts.
  std::atomic<int> wrong{0};
  in_parallel(4, [&](int t) {
    for (int i = 0; i < 10; ++i) {
      auto c = server.connect();
      if (!handshake(c, t * 100 + i).empty()) ++wrong;
    }
    for (int i = 0; i < 2; ++i) {
      auto c = server.connect();
      c.send("hello 1\n");
      if (!c.read_all().starts_with("ERROR malformed")) ++wrong;
    }
    auto c = server.connect();
    c.send("HELLO 5\nHELLO 8\n");
    if (c.read_all() != "HELLO 6\nERROR sequence expected 7 got 8\n") ++wrong;
  });
  CHECK(wrong == 0);
  const auto m = settled_samples(server, 53);
  CHECK(m.at("hs_connections_accepted_total") == 53);
  CHECK(m.at("hs_handshakes_completed_total") == 41);
  CHECK(m.at("hs_handshakes_failed_total{reason=\"malformed\"}") == 8);
  CHECK(m.at("hs_handshakes_failed_total{reason=\"sequence\"}") == 4);
  CHECK(m.at("hs_handshakes_failed_total{reason=\"busy\"}") == 0);
  CHECK(m.at("hs_connections_open") == 0);
  CHECK(m.at("hs_connections_open_peak") >= 1);
  CHECK(m.at("hs_handshake_duration_seconds_count") == 41);
  CHECK(m.at("hs_handshake_duration_seconds_bucket{le=\"+Inf\"}") == 41);
  CHECK(m.at("hs_handshake_duration_seconds_bucket{le=\"10\"}") == 41);
}

TEST_CASE("the metrics endpoint answers 404 for other paths and 405 for other methods", "[ex4.2]") {
  InProcessServer server;
  CHECK(http_get(server.metrics_port(), "/").starts_with("HTTP/1.0 404"));
  auto c = RawSocket::connect("127.0.0.1", server.metrics_port());
  c.send("POST /metrics HTTP/1.1\r\n\r\n");
  CHECK(c.read_all().starts_with("HTTP/1.0 405"));
  auto garbage = RawSocket::connect("127.0.0.1", server.metrics_port());
  garbage.send(std::string(10'000, 'x'));  // no end of headers within the cap
  CHECK(garbage.read_all().starts_with("HTTP/1.0 431"));
  CHECK(http_get(server.metrics_port()).find("hs_connections_accepted_total 0\n") != std::string::npos);
}

TEST_CASE("the connection limit (--max-conns): the next client gets ERROR busy and a freed place is taken again",
          "[ex4.4]") {
  Config config;
  config.server.max_conns = 3;
  config.server.session = {30s, 60s};
  InProcessServer server{config};
  std::vector<RawSocket> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(server.connect());
    held.back().send(fmt::format("HELLO {}\n", i));
    CHECK(held.back().read_line() == fmt::format("HELLO {}\n", i + 1));
  }
  auto fourth = server.connect();
  CHECK(fourth.read_all() == "ERROR busy server full (3 connections)\n");
  held.front().send("HELLO 2\n");  // the first finishes: its place is free again
  CHECK(held.front().read_all().empty());
  REQUIRE(server.eventually([&] { return server.metrics().open.value() == 2; }));
  auto fifth = server.connect();
  CHECK(handshake(fifth, 7).empty());
  for (std::size_t i = 1; i < held.size(); ++i) {
    held[i].send(fmt::format("HELLO {}\n", i + 2));
    CHECK(held[i].read_all().empty());
  }
  const auto m = settled_samples(server, 5);
  CHECK(m.at("hs_refused_total{cause=\"max-conns\"}") == 1);
  CHECK(m.at("hs_handshakes_failed_total{reason=\"busy\"}") == 1);
  CHECK(m.at("hs_handshakes_completed_total") == 4);
  CHECK(m.at("hs_connections_open_peak") == 3);
}

TEST_CASE("the rate limit (--rate): a source over its budget gets ERROR busy and another source does not", "[ex4.3]") {
  Config config;
  config.server.rate = RateOptions{0.001, 3};  // a burst of 3, then one every 1000 s: nothing refills in a test
  InProcessServer server{config};
  for (int i = 0; i < 3; ++i) {
    auto c = server.connect();
    CHECK(handshake(c, i).empty());
  }
  for (int i = 0; i < 2; ++i) {
    auto c = server.connect();
    CHECK(c.read_all().starts_with("ERROR busy rate limit"));
  }
  auto other = connect_from("127.0.0.2", server.port());  // another source address: its own bucket
  CHECK(handshake(other, 9).empty());
  const auto m = settled_samples(server, 6);
  CHECK(m.at("hs_refused_total{cause=\"rate\"}") == 2);
  CHECK(m.at("hs_handshakes_completed_total") == 4);
}

TEST_CASE("the circuit breaker opens after K slow downstream calls and then answers at once", "[ex4.5]") {
  Config config;
  config.work = work(WorkMode::offload, 300ms);
  config.work.downstream_timeout = 20ms;  // every call is too slow
  config.work.breaker = {3, std::chrono::hours{1}};
  InProcessServer server{config};
  for (int i = 0; i < 3; ++i) {
    auto c = server.connect();
    c.send("HELLO 1\n");
    CHECK(c.read_all() == "ERROR busy downstream failed\n");
  }
  for (int i = 0; i < 5; ++i) {  // open: no call is made, the answer is immediate
    auto c = server.connect();
    c.send("HELLO 1\n");
    CHECK(c.read_all() == "ERROR busy downstream unavailable (circuit open)\n");
  }
  const auto m = settled_samples(server, 8);
  CHECK(m.at("hs_downstream_failures_total") == 3);
  CHECK(m.at("hs_refused_total{cause=\"circuit\"}") == 5);
  CHECK(m.at("hs_handshakes_failed_total{reason=\"busy\"}") == 8);
}

TEST_CASE("with two io threads and one blocked by --work blocking the other still serves", "[ex4.2]") {
  Config config;
  config.io_threads = 2;
  config.work = work(WorkMode::blocking, 3s);
  config.server.session = {30s, 60s};
  InProcessServer server{config};
  auto slow = server.connect();
  slow.send("HELLO 1\n");  // its thread sleeps 3 s
  REQUIRE(server.eventually([&] { return server.metrics().open.value() == 1; }));
  auto bad = server.connect();
  bad.send("HELO\n");
  CHECK(bad.read_line().starts_with("ERROR malformed"));
  INFO("the blocked handshake must still be waiting when the other thread answers");
  CHECK(hs::unread_bytes(slow.fd()) == 0);
  CHECK(slow.read_line() == "HELLO 2\n");
}

TEST_CASE("four io threads hold 1000 clients at once and complete them all", "[ex4.4]") {
  Config config;
  config.io_threads = 4;
  config.server.session = {60s, 120s};
  InProcessServer server{config};
  std::vector<RawSocket> clients;
  for (int i = 0; i < 1000; ++i) {
    clients.push_back(server.connect());
    clients.back().send(fmt::format("HELLO {}\n", i));
  }
  for (int i = 0; i < 1000; ++i) CHECK(clients[i].read_line() == fmt::format("HELLO {}\n", i + 1));
  CHECK(server.metrics().open.value() == 1000);
  for (int i = 0; i < 1000; ++i) clients[i].send(fmt::format("HELLO {}\n", i + 2));
  for (auto& c : clients) CHECK(c.read_all().empty());
  const auto m = settled_samples(server, 1000);
  CHECK(m.at("hs_handshakes_completed_total") == 1000);
  CHECK(m.at("hs_connections_open_peak") == 1000);
}

TEST_CASE("a deadline that passes during the work is answered with ERROR timeout in every mode that waits", "[ex4.2]") {
  for (const WorkMode mode : {WorkMode::timer, WorkMode::offload, WorkMode::cpu_offload}) {
    INFO("--work " << mode_name(mode));
    Config config;
    config.work = work(mode, 600ms);
    config.work.pool_threads = 1;  // the second and third calls wait in the pool's queue
    config.server.session = {30s, 200ms};
    InProcessServer server{config};
    std::vector<RawSocket> clients;
    for (int i = 0; i < 3; ++i) {
      clients.push_back(server.connect());
      clients.back().send("HELLO 1\n");
    }
    for (auto& c : clients) {
      CHECK(c.read_all() == "ERROR timeout handshake not finished within its deadline\n");
      CHECK(c.last_end() == ReadEnd::closed);
    }
    const auto m = settled_samples(server, 3);
    CHECK(m.at("hs_handshakes_failed_total{reason=\"timeout\"}") == 3);
    CHECK(m.at("hs_timeouts_total{clock=\"handshake\"}") == 3);
    CHECK(m.at("hs_connections_reset_total") == 0);
    CHECK(m.at("hs_downstream_failures_total") == 0);  // a cancelled session is not the downstream's fault
    REQUIRE(server.eventually([&] { return server.metrics().offload_running.value() == 0; }));
    CHECK(server.metrics().offload_queue.value() == 0);  // every queued job ran, or was never queued
  }
}

TEST_CASE("after the work Z gets the read timeout and not the whole handshake's", "[ex4.2]") {
  for (const WorkMode mode : {WorkMode::timer, WorkMode::offload}) {
    INFO("--work " << mode_name(mode));
    Config config;
    config.work = work(mode, 400ms);
    config.server.session = {300ms, 60s};  // a session that waits for this one fails the test's own deadline
    InProcessServer server{config};
    auto c = server.connect();
    c.send("HELLO 1\n");  // then silence
    CHECK(c.read_all() == "HELLO 2\nERROR timeout no HELLO Z within the read timeout\n");
    const auto m = settled_samples(server, 1);
    CHECK(m.at("hs_timeouts_total{clock=\"read\"}") == 1);
  }
}

TEST_CASE("a client that resets is counted as reset and not by the ERROR line it never read", "[ex4.2]") {
  InProcessServer server;
  for (int stage = 0; stage < 3; ++stage) {
    auto c = server.connect();
    const auto accepted = static_cast<std::uint64_t>(stage + 1);
    REQUIRE(server.eventually([&] { return server.metrics().listener.accepted == accepted; }));
    if (stage >= 1) c.send("HELLO 1\n");
    if (stage >= 1) CHECK(c.read_line() == "HELLO 2\n");
    if (stage == 2) c.send("HEL");
    c.close(true);  // RST
  }
  const auto m = settled_samples(server, 3);
  CHECK(m.at("hs_connections_reset_total") == 3);
  CHECK(m.at("hs_handshakes_failed_total{reason=\"malformed\"}") == 0);
}

TEST_CASE("the metrics endpoint also takes a request ended by bare newlines as nc sends it", "[ex4.2]") {
  InProcessServer server;
  auto first = server.connect();
  REQUIRE(handshake(first, 1).empty());
  auto c = RawSocket::connect("127.0.0.1", server.metrics_port());
  c.send("GET /metrics HTTP/1.0\n\n");
  CHECK(c.read_all().starts_with("HTTP/1.0 200 OK\r\n"));
}
