// What a server with one thread and an event loop adds to every server's behaviour
// (server_behaviour.hpp): clients are no longer served one after another, so one thread holds
// thousands at once, and a slow, silent or working client holds up nobody. Chapter 03's Server
// (on Asio) and chapter 06's (on the learner's own runtime) both pass these; a chapter's test file
// lists them once, for its fixture and its exercise's tag:
//
//     HS_EVENT_LOOP_SERVER_TEST_CASES(InProcessServer, "[ex3.3]")
//
// The fixture `Server` is the one server_behaviour.hpp expects, plus a constructor from
// behaviour::SessionTimes (each session's timeouts and work, everything else as by default) and
// `stats()` with `open`, `open_peak` and `accept` (ch01::AcceptStats). Every check is on counts
// and order, never on how long something took.
#pragma once

#include <chrono>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "hs/protocol.hpp"
#include "hs/testing/raw_socket.hpp"
#include "session_behaviour.hpp"

namespace hs::testing::behaviour {

/// Each session's timeouts and work, for a server fixture.
struct SessionTimes {
  std::chrono::milliseconds read_timeout{5000};
  std::chrono::milliseconds handshake_timeout{10000};
  std::chrono::milliseconds work{0};
};

/// Timeouts no test reaches: the test thread may be slow to come back to a client.
inline SessionTimes generous_times() { return {std::chrono::minutes{2}, std::chrono::minutes{4}}; }

/// "one thread holds 2,000 clients in the middle of their handshakes, then completes them all"
template <typename Server>
void holds_thousands_at_once() {
  constexpr int clients = 2000;
  Server server{generous_times()};
  std::vector<RawSocket> held;
  held.reserve(clients);
  int answered = 0;
  for (int i = 0; i < clients; ++i) {  // each sends HELLO X, gets HELLO Y, and then waits
    held.push_back(server.connect());
    held.back().send(fmt::format("HELLO {}\n", i));
    answered += held.back().read_line() == fmt::format("HELLO {}\n", i + 1);
  }
  CHECK(answered == clients);
  // All of them are open on the server at once, on its one thread: none is done, none has failed.
  CHECK(server.eventually([&] { return server.stats().open == clients; }));
  CHECK(server.stats().accept.completed == 0);
  CHECK(server.stats().accept.failed == 0);
  int completed = 0;
  for (int i = 0; i < clients; ++i) {
    held[i].send(fmt::format("HELLO {}\n", i + 2));
    completed += held[i].read_all().empty() && held[i].last_end() == ReadEnd::closed;
  }
  CHECK(completed == clients);
  CHECK(server.eventually([&] { return server.stats().accept.completed == clients; }));
  CHECK(server.stats().open_peak == clients);
  CHECK(server.stats().open == 0);
}

/// "a silent client times out while the others keep being served"
template <typename Server>
void silent_client_holds_up_nobody() {
  Server server{SessionTimes{std::chrono::seconds{2}, std::chrono::seconds{10}}};
  auto silent = server.connect();
  auto stalled = server.connect();  // answered, then slow to send Z: in chapter 01 this blocked everyone
  stalled.send("HELLO 100\n");
  CHECK(stalled.read_line() == "HELLO 101\n");
  int served = 0;
  for (int i = 0; i < 20; ++i) {
    auto c = server.connect();
    served += handshake(c, i).empty();
  }
  CHECK(served == 20);  // all served, in any order, while the first two were still open
  CHECK(server.eventually([&] { return server.stats().accept.completed == 20; }));
  CHECK(silent.read_all() == machine_timeout(Timeout::read));
  CHECK(stalled.read_all() == machine_timeout(Timeout::read, "HELLO 100\n"));
  CHECK(server.eventually([&] { return server.stats().accept.failed == 2; }));
}

/// "work (--work-ms) is a timer: while one session works, others are answered"
template <typename Server>
void work_holds_up_nobody() {
  // The work never finishes; the handshake's deadline ends it.
  Server server{SessionTimes{std::chrono::seconds{5}, std::chrono::seconds{3}, std::chrono::hours{1}}};
  auto working = server.connect();
  working.send("HELLO 1\n");
  CHECK(server.eventually([&] { return server.stats().open == 1; }));
  auto other = server.connect();
  other.send("garbage\n");
  CHECK(other.read_all().starts_with("ERROR malformed"));          // answered during the other's work
  CHECK(working.read_line(std::chrono::milliseconds{0}).empty());  // still working: nothing yet
  CHECK(working.read_all() == machine_timeout(Timeout::handshake, "HELLO 1\n"));
}

}  // namespace hs::testing::behaviour

/// The test cases above, for the fixture `Server`, tagged `tag` (e.g. "[ex3.3]").
#define HS_EVENT_LOOP_SERVER_TEST_CASES(Server, tag)                                                          \
  TEST_CASE("one thread holds 2000 clients in the middle of their handshakes then completes them all", tag) { \
    hs::testing::behaviour::holds_thousands_at_once<Server>();                                                \
  }                                                                                                           \
  TEST_CASE("a silent client times out while the others keep being served", tag) {                            \
    hs::testing::behaviour::silent_client_holds_up_nobody<Server>();                                          \
  }                                                                                                           \
  TEST_CASE("work (--work-ms) is a timer: while one session works the others are answered", tag) {            \
    hs::testing::behaviour::work_holds_up_nobody<Server>();                                                   \
  }
