// Exercise 4.6: the drain. On stop the server takes no new connection, lets the handshakes in
// flight finish for up to --drain, then ends the rest with ERROR shutdown: every client accepted
// gets an answer.
#include "../support/cpu.hpp"
#include "../support/session_behaviour.hpp"
#include "fixtures.hpp"

using namespace hs::ch04;
using namespace hs::ch04::test;
using hs::testing::cpu_used;

TEST_CASE("the drain lets handshakes in flight finish and takes no new connection", "[ex4.6]") {
  Config config;
  config.server.drain = 60s;
  config.server.session = {30s, 60s};
  InProcessServer server{config};
  std::vector<RawSocket> clients;
  for (int i = 0; i < 5; ++i) {
    clients.push_back(server.connect());
    clients.back().send(fmt::format("HELLO {}\n", i * 10));
    CHECK(clients.back().read_line() == fmt::format("HELLO {}\n", i * 10 + 1));
  }
  server.request_stop();
  // The listener closes: a new client is refused (or, if it was already queued, told so). Until
  // the drain has begun, a probe may still be accepted: it then leaves at once (its session ends on
  // the early close) and the next probe tries again.
  const bool closed = server.eventually([&] {
    try {
      auto late = server.connect();
      const std::string line = late.read_line(100ms);
      return line.starts_with("ERROR shutdown");
    } catch (const std::system_error&) {
      return true;  // connection refused
    }
  });
  CHECK(closed);
  for (int i = 0; i < 5; ++i) {
    clients[i].send(fmt::format("HELLO {}\n", i * 10 + 2));
    CHECK(clients[i].read_all() == "");
    CHECK(clients[i].last_end() == ReadEnd::closed);
  }
  server.stop();
  CHECK(server.metrics().completed.value() == 5);
  CHECK(server.metrics().failures(hs::ErrorReason::shutdown).value() == 0);
  CHECK(server.live_after_drain() == 0);
  INFO(server.log().text());
  // (5, or more if a probe above was accepted just before the drain began)
  CHECK(server.log().count("handshake(s) in progress up to 60000 ms") == 1);
  CHECK(server.log().count("still in progress") == 0);
}

TEST_CASE("after the drain deadline the handshakes still in flight end with ERROR shutdown", "[ex4.6]") {
  Config config;
  config.server.drain = 200ms;
  config.server.session = {60s, 120s};  // these clients would otherwise be waited for a minute
  config.io_threads = 2;
  InProcessServer server{config};
  std::vector<RawSocket> clients;
  for (int i = 0; i < 20; ++i) {
    clients.push_back(server.connect());
    if (i % 2 == 0) {  // half have said HELLO X, half nothing yet
      clients.back().send("HELLO 1\n");
      CHECK(clients.back().read_line() == "HELLO 2\n");
    }
  }
  REQUIRE(server.eventually([&] { return server.metrics().open.value() == 20; }));
  server.stop();  // returns when the server's run() has: every session is over
  for (auto& c : clients) {
    CHECK(c.read_all() == "ERROR shutdown server stopping\n");
    CHECK(c.last_end() == ReadEnd::closed);
  }
  CHECK(server.metrics().failures(hs::ErrorReason::shutdown).value() == 20);
  CHECK(server.metrics().open.value() == 0);
  CHECK(server.live_after_drain() == 0);  // drain() returns once they have all ended, not when asked to
  INFO(server.log().text());
  CHECK(server.log().count("giving 20 handshake(s) in progress up to 200 ms") == 1);
  CHECK(server.log().count("20 handshake(s) still in progress after 200 ms") == 1);
}

TEST_CASE("an answer already given stands: a drain during a timeout's lingering close leaves it a timeout", "[ex4.6]") {
  Config config;
  config.server.drain = 0ms;          // end whatever is left at once
  config.server.session = {1s, 60s};  // the read timeout, then a lingering close of up to 1 s
  InProcessServer server{config};
  auto c = server.connect();
  CHECK(c.read_line() == hs::testing::behaviour::machine_timeout(hs::Timeout::read));
  // The server lingers now, until we close. The drain finds the session still running, and asks
  // the sessions still registered to end: this one has answered, and left the registry.
  server.request_stop();
  REQUIRE(server.eventually([&] { return server.log().count("1 handshake(s) still in progress") == 1; }));
  c.close();
  server.stop();
  CHECK(server.metrics().failures(hs::ErrorReason::timeout).value() == 1);
  CHECK(server.metrics().timeout_read.value() == 1);  // counted by the clock that ran out
  CHECK(server.metrics().failures(hs::ErrorReason::shutdown).value() == 0);
}

TEST_CASE("the drain sleeps while it waits for the handshakes in flight: waiting costs no CPU", "[ex4.6]") {
  // A drain that looked at the clock in a loop would still end at the right moment, and burn a
  // core meanwhile, just when the machine is being handed to the next server.
  Config config;
  config.server.drain = 500ms;
  config.server.session = {60s, 120s};
  InProcessServer server{config};
  auto c = server.connect();
  c.send("HELLO 1\n");
  CHECK(c.read_line() == "HELLO 2\n");
  const auto before = cpu_used();
  server.request_stop();
  CHECK(c.read_all() == "ERROR shutdown server stopping\n");  // after the 500 ms
  const auto used = std::chrono::duration_cast<std::chrono::milliseconds>(cpu_used() - before);
  INFO("CPU time used by the server during a 500 ms drain: " << used.count() << " ms (a sleeping wait takes about 1)");
  CHECK(used < 100ms);
  c.close();
  server.stop();
}

TEST_CASE("a drain with nothing in flight ends at once and a second request is harmless", "[ex4.6]") {
  Config config;
  config.server.drain = std::chrono::hours{1};  // waiting for it would hang the test
  InProcessServer server{config};
  auto c = server.connect();
  CHECK(handshake(c, 1).empty());
  REQUIRE(server.eventually([&] { return server.metrics().open.value() == 0; }));
  server.request_stop();
  server.request_stop();
  server.stop();
  CHECK(server.metrics().completed.value() == 1);
  INFO(server.log().text());
  CHECK(server.log().count("handshake(s)") == 0);  // nothing to wait for, nothing to say
}
