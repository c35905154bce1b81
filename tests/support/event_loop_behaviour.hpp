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
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "hs/protocol.hpp"
#include "hs/testing/log_recorder.hpp"
#include "hs/testing/raw_socket.hpp"
#include "session_behaviour.hpp"
#include "suite.hpp"

namespace hs::testing::behaviour {

/// Each session's timeouts and work, for a server fixture.
struct SessionTimes {
  std::chrono::milliseconds read_timeout{5000};
  std::chrono::milliseconds handshake_timeout{10000};
  std::chrono::milliseconds work{0};
};

/// Timeouts no test reaches: the test thread may be slow to come back to a client.
inline SessionTimes generous_times() { return {std::chrono::minutes{2}, std::chrono::minutes{4}}; }

/// `count` clients of the server on 127.0.0.1:`port`, each in the middle of its handshake: client
/// i has sent HELLO i, read HELLO i+1, and waits.
inline std::vector<RawSocket> mid_handshake(std::uint16_t port, int count) {
  std::vector<RawSocket> clients;
  clients.reserve(count);
  int answered = 0;
  for (int i = 0; i < count; ++i) {
    clients.push_back(RawSocket::connect("127.0.0.1", port));
    clients.back().send(fmt::format("HELLO {}\n", i));
    answered += clients.back().read_line() == fmt::format("HELLO {}\n", i + 1);
  }
  CHECK(answered == count);
  return clients;
}

/// Sends each client of mid_handshake() its HELLO Z: how many then saw the server close cleanly
/// with nothing more said, their handshake done.
inline int complete_handshakes(std::vector<RawSocket>& clients) {
  int completed = 0;
  for (std::size_t i = 0; i < clients.size(); ++i) {
    clients[i].send(fmt::format("HELLO {}\n", i + 2));
    completed += clients[i].read_all().empty() && clients[i].last_end() == ReadEnd::closed;
  }
  return completed;
}

/// Checks that `client`, still waiting to be served when the server stopped, was answered
/// ERROR shutdown and then closed cleanly (not reset).
inline void check_answered_shutdown(RawSocket& client) {
  CHECK(client.read_all() == error_line({ErrorReason::shutdown, "server stopping"}));
  CHECK(client.last_end() == ReadEnd::closed);
}

/// "one thread holds 2,000 clients in the middle of their handshakes, then completes them all"
template <typename Server>
void holds_thousands_at_once() {
  constexpr int clients = 2000;
  Server server{generous_times()};
  auto held = mid_handshake(server.port(), clients);
  // All of them are open on the server at once, on its one thread: none is done, none has failed.
  CHECK(server.eventually([&] { return server.stats().open == clients; }));
  CHECK(server.stats().accept.completed == 0);
  CHECK(server.stats().accept.failed == 0);
  CHECK(complete_handshakes(held) == clients);
  CHECK(server.eventually([&] { return server.stats().accept.completed == clients; }));
  CHECK(server.stats().open_peak == clients);
  CHECK(server.stats().open == 0);
}

/// "stop: listen() returns at once, and the handshakes in progress finish before the loop returns",
/// for a Server the test runs on a loop in a thread of its own (`running`), with generous_times(),
/// listening on `port`, counting in `stats`, logging to `recorded`. `request_stop()` asks it to stop
/// as SIGTERM does; `listened` is ready once listen() has returned; `returned()` says whether the
/// loop has. Chapters 03, 06 and 07 each wire their own loop, to watch listen() and the loop apart.
template <typename Stats>
void handshakes_in_progress_finish_after_stop(std::uint16_t port, const Stats& stats, const LogRecorder& recorded,
                                              const std::function<void()>& request_stop, std::future<void>& listened,
                                              std::thread& running, const std::function<bool()>& returned) {
  auto in_progress = mid_handshake(port, 10);
  request_stop();
  CHECK(listened.wait_for(generous) == std::future_status::ready);
  CHECK(stats.open == 10);  // listen() is over; the sessions are not
  INFO("the server logged:\n" << recorded.text());
  CHECK(recorded.count("waiting for 10 handshake(s)") == 1);  // logged by stop(), before listen() returned
  CHECK_FALSE(returned());
  CHECK(complete_handshakes(in_progress) == 10);
  running.join();
  CHECK(returned());  // by itself, once the last session ended
  CHECK(stats.accept.completed == 10);
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
#define HS_EVENT_LOOP_SERVER_TEST_CASES(Server, tag)                                                                \
  HS_BEHAVIOUR_TEST_CASE("one thread holds 2000 clients in the middle of their handshakes then completes them all", \
                         tag, holds_thousands_at_once, Server)                                                      \
  HS_BEHAVIOUR_TEST_CASE("a silent client times out while the others keep being served", tag,                       \
                         silent_client_holds_up_nobody, Server)                                                     \
  HS_BEHAVIOUR_TEST_CASE("work (--work-ms) is a timer: while one session works the others are answered", tag,       \
                         work_holds_up_nobody, Server)
