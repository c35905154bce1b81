// The behaviour every chapter's server must have at its listener, whatever its concurrency model:
// chapter 01's accept loop, chapter 02's thread-per-connection and pool servers, chapter 03's and
// chapter 04's Server all pass these. A chapter's test file lists them once, for its fixture and
// its exercise's tag:
//
//     HS_SERVER_BEHAVIOUR_TEST_CASES(InProcessServer, "", "[ex1.3]", "[ex1.3]")
//
// (The second argument starts each test case's name: chapter 02 runs the list for two servers. The
// last is the stop's tag: in chapter 03 the stop is exercise 3.4.)
//
// A fixture `Server` runs the chapter's server in a background thread of the test (see
// hs/testing/in_process_server.hpp) and has:
//   - a constructor from `std::chrono::milliseconds`: the pause after accept fails for lack of
//     descriptors (the chapter's `accept_backoff`), everything else as the chapter's defaults;
//   - `connect()`, `port()`, `eventually(condition)`, `request_stop()` (as SIGTERM would) and
//     `stop()` (request it and wait for the server to return);
//   - `counts()`: what the server counted so far, as a behaviour::Counts;
//   - `log()`: what it logged (hs::testing::LogRecorder).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>

#include <catch2/catch.hpp>

#include "ch01/accept_loop.hpp"
#include "descriptors.hpp"
#include "hs/net.hpp"
#include "hs/testing/raw_socket.hpp"
#include "suite.hpp"

namespace hs::testing::behaviour {

using namespace std::chrono_literals;

/// What a server counted so far: its listener's counts, and how the handshakes ended.
struct Counts {
  std::uint64_t accepted = 0;       ///< connections accepted
  std::uint64_t completed = 0;      ///< handshakes done
  std::uint64_t failed = 0;         ///< handshakes that failed, an ERROR line or a broken connection
  std::uint64_t accept_errors = 0;  ///< accept() calls that failed
  std::uint64_t backoffs = 0;       ///< pauses after accept failed for lack of descriptors or memory
  std::uint64_t open = 0;           ///< connections being served now
};

/// The counts of chapter 01's AcceptStats (which chapters 02 and 03 count in too); what is open is
/// what has been accepted and not yet ended.
inline Counts counts_of(const ch01::AcceptStats& stats) {
  const std::uint64_t accepted = stats.accepted, completed = stats.completed, failed = stats.failed;
  return {accepted, completed, failed, stats.accept_errors, stats.backoffs, accepted - completed - failed};
}

/// The counts of chapter 01's ServerStats (chapters 03 and 06): as above, and what is open is what
/// the server itself counts.
inline Counts counts_of(const ch01::ServerStats& stats) {
  Counts counts = counts_of(stats.accept);
  counts.open = stats.open;
  return counts;
}

/// Connects a client to `server` and resets the connection at once, perhaps before the server has
/// accepted it: the client's port, for what the server logged of it.
template <typename Server>
std::uint16_t client_reset_at_once(const Server& server) {
  auto client = server.connect();
  const std::uint16_t port = client.local_port();
  client.close(/*reset=*/true);
  return port;
}

/// "clients are served, and a failure never stops the server"
template <typename Server>
void serves_clients_and_survives_failures() {
  Server server{100ms};
  {
    auto good = server.connect();
    CHECK(handshake(good, 1).empty());
  }
  {
    auto bad = server.connect();
    bad.send("GET / HTTP/1.1\r\n\r\n");
    CHECK(bad.read_all().starts_with("ERROR malformed"));
  }
  {
    auto vanishing = server.connect();
    vanishing.send("HELLO 5\n");
    CHECK(vanishing.read_line() == "HELLO 6\n");
    vanishing.close(/*reset=*/true);
  }
  {
    auto half = server.connect();
    half.send("HELLO 1");  // half a line, then gone
    half.close();
  }
  {
    auto good = server.connect();
    CHECK(handshake(good, -7).empty());
  }
  CHECK(server.eventually([&] {
    const Counts counts = server.counts();
    return counts.completed + counts.failed == 5 && counts.open == 0;
  }));
  const Counts counts = server.counts();
  CHECK(counts.accepted == 5);
  CHECK(counts.completed == 2);
  CHECK(counts.failed == 3);
  CHECK(counts.open == 0);
  // One line per connection, with its outcome (hs::log_outcome()), perhaps just after the count.
  const bool logged = server.eventually(
      [&] { return server.log().count(" done in ") == 2 && server.log().count(" failed after ") == 3; });
  INFO("the server logged:\n" << server.log().text());
  CHECK(logged);
}

/// "out of file descriptors, the listener pauses instead of spinning, then recovers"
template <typename Server>
void backs_off_when_out_of_descriptors() {
  // The limit is lowered before the server starts: an io_uring multishot accept (chapter 07) keeps
  // the limit it was submitted with, and would never see EMFILE if it were lowered only later.
  const DescriptorLimitNearOpen limit;
  Server server{20ms};
  {
    auto first = server.connect();  // the server is up: it holds every descriptor it needs
    CHECK(handshake(first, 1).empty());
  }

  // Fill the descriptor table, keeping one free for the client, which takes the last one.
  const auto start = std::chrono::steady_clock::now();
  DescriptorsExhausted exhausted{1};
  const Fd client = connect_with_one_descriptor(server.port());
  const bool connected = client.get() >= 0;

  // accept() now fails with EMFILE: the listener must pause between attempts, several times.
  const bool backed_off = server.eventually([&] { return server.counts().backoffs >= 3; });
  const auto paused = server.counts().backoffs;
  const auto elapsed = std::chrono::steady_clock::now() - start;
  exhausted.release();

  REQUIRE(connected);
  CHECK(backed_off);
  const Counts counts = server.counts();
  CHECK(counts.accept_errors >= 3);
  CHECK(counts.backoffs == counts.accept_errors);  // every failure was a pause
  // Each pause lasts its 20 ms (a timer never fires early): a listener that retried at once would
  // have counted thousands by now.
  INFO(paused << " pauses in " << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms");
  CHECK(paused <= static_cast<std::uint64_t>(elapsed / 20ms) + 2);
  // One warning for the whole burst, not one per retry: a server out of descriptors would
  // otherwise flood its own log. (Only the listener's: chapter 04's metrics endpoint has its own.)
  INFO("the server logged:\n" << server.log().text());
  CHECK(server.log().count("warn accept failed") == 1);
  // Descriptors are free again: the waiting client is accepted and served.
  CHECK(server.eventually([&] { return server.counts().accepted == 2; }));
  RawSocket raw{::dup(client.get())};
  CHECK(handshake(raw, 100).empty());
}

/// "a handshake in progress when the stop comes is finished, then the server returns"
template <typename Server>
void finishes_the_handshake_in_progress_on_stop() {
  Server server{100ms};
  auto c = server.connect();
  c.send("HELLO 1\n");
  CHECK(c.read_line() == "HELLO 2\n");
  server.request_stop();  // as SIGTERM would, in the middle of c's handshake
  c.send("HELLO 3\n");
  CHECK(c.read_all().empty());
  CHECK(c.last_end() == ReadEnd::closed);
  server.stop();  // returns once the server has returned
  CHECK(server.counts().completed == 1);
  CHECK(server.counts().failed == 0);
}

}  // namespace hs::testing::behaviour

/// The test cases above, for the fixture `Server`, their names starting with `prefix` (a string
/// literal, often ""), tagged `tag` (e.g. "[ex1.3]"), the stop's `stop_tag` (the exercise that
/// writes the stop, when it is another): every chapter's server runs the same list, so it is
/// written once, here.
#define HS_SERVER_BEHAVIOUR_TEST_CASES(Server, prefix, tag, stop_tag)                                                \
  HS_BEHAVIOUR_TEST_CASE(prefix "clients are served and a failure never stops the server", tag,                      \
                         serves_clients_and_survives_failures, Server)                                               \
  HS_BEHAVIOUR_TEST_CASE(prefix "out of file descriptors the listener pauses instead of spinning and then recovers", \
                         tag, backs_off_when_out_of_descriptors, Server)                                             \
  HS_BEHAVIOUR_TEST_CASE(prefix "a handshake in progress when the stop comes is finished then the server returns",   \
                         stop_tag, finishes_the_handshake_in_progress_on_stop, Server)
