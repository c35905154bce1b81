// Exercise 7.3: the listener on a multishot accept, and the graceful stop. The same behaviour as
// every server of the course (tests/support/server_behaviour.hpp) and as chapters 03 and 06's one
// thread (tests/support/event_loop_behaviour.hpp); then what the ring changes.
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <exception>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "../support/descriptors.hpp"
#include "fixtures.hpp"

using namespace hs::ch07;
using namespace hs::ch07::test;

HS_SERVER_BEHAVIOUR_TEST_CASES(InProcessServer, "", "[ex7.3]", "[ex7.3]")
HS_EVENT_LOOP_SERVER_TEST_CASES(InProcessServer, "[ex7.3]")

namespace {

/// A Server on a Ring on the test's own thread, listening on a loopback port the OS picked: what
/// the tests below drive by hand, turn by turn. Quiet unless given a logger.
struct OwnThread {
  explicit OwnThread(ServerOptions options = {}, const hs::Logger& logger = quiet())
      : listener{hs::ch06::test::loopback_listener(port)}, server{ring, std::move(listener), options, logger, stats} {}

  static const hs::Logger& quiet() {
    static const hs::Logger logger{true};
    return logger;
  }

  /// Spawns server.listen(): how it ends is recorded in `listened`.
  void listen() { spawn_into(server.listen(), listened); }
  /// The same, and its multishot accept handed to the kernel.
  void listen_and_submit() {
    listen();
    ring.turn(MayBlock::no);
  }
  /// Turns the ring alone (no task runs) until `n` more completions have been handed out.
  void reap(std::uint64_t n) {
    const auto until = ring.stats().completions + n;
    for (int turns = 0; ring.stats().completions < until && turns < 100'000; ++turns) ring.turn(MayBlock::no);
    REQUIRE(ring.stats().completions == until);
  }
  /// Runs the ring until nothing is left: listen() must have returned by then (what it threw is
  /// rethrown).
  void run_to_the_end() {
    ring.run();
    require_done(listened);
  }

  Runtime runtime;
  Ring ring{runtime};
  ServerStats stats;
  std::uint16_t port = 0;
  hs::Fd listener;  ///< handed to the server at once
  Server server;
  Outcome<std::monostate> listened;
};

/// True if a descriptor of this process is a socket listening on `port` (read from /proc/self/fd:
/// no connect, so no race with another program that takes the port once it is free).
bool listening_here(std::uint16_t port) {
  for (const auto& entry : std::filesystem::directory_iterator{"/proc/self/fd"}) {
    const int fd = std::stoi(entry.path().filename().string());
    int listens = 0;
    socklen_t size = sizeof listens;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listens, &size) == 0 && listens != 0 &&
        hs::local_endpoint(fd).port == port)
      return true;
  }
  return false;
}

}  // namespace

TEST_CASE("one accept submitted for many clients: each connection is a completion of the same submission", "[ex7.3]") {
  HS_SKIP_WITHOUT_IO_URING();
  OwnThread t;
  auto& [runtime, ring, stats, port, listener, server, listened] = t;
  t.listen_and_submit();
  const auto submitted = ring.stats().submitted;
  std::vector<RawSocket> clients;
  for (int i = 0; i < 20; ++i) clients.push_back(RawSocket::connect("127.0.0.1", port));
  for (int turns = 0; stats.accept.accepted < 20 && turns < 100'000; ++turns) {
    runtime.turn(MayBlock::no);
    ring.turn(stats.accept.accepted < 20 ? MayBlock::yes : MayBlock::no);
  }
  CHECK(stats.accept.accepted == 20);
  // Each session submitted its first receive; the accept was not submitted again.
  CHECK(ring.stats().submitted - submitted == 20);
  server.stop();
  clients.clear();  // their sessions end (end of stream)
  t.run_to_the_end();
  CHECK(ring.finished());
}

TEST_CASE("stop: the connections still queued are answered ERROR shutdown and not reset", "[ex7.3]") {
  HS_SKIP_WITHOUT_IO_URING();
  OwnThread t;
  auto& [runtime, ring, stats, port, listener, server, listened] = t;
  std::vector<RawSocket> queued;
  for (int i = 0; i < 3; ++i) queued.push_back(RawSocket::connect("127.0.0.1", port));
  t.listen();  // the accept is queued for the kernel, not yet submitted
  server.stop();
  t.run_to_the_end();
  CHECK(ring.finished());
  for (auto& c : queued) behaviour::check_answered_shutdown(c);
  CHECK(stats.accept.accepted == 0);
}

TEST_CASE("stop: the accept is cancelled and the handshakes in progress finish before run() returns", "[ex7.3]") {
  HS_SKIP_WITHOUT_IO_URING();
  hs::ch06::test::stop_lets_the_handshakes_in_progress_finish<RingLoop>();
}

TEST_CASE("a flood of new clients: the listener takes a batch then lets the other tasks run", "[ex7.3]") {
  HS_SKIP_WITHOUT_IO_URING();
  OwnThread t;
  auto& [runtime, ring, stats, port, listener, server, listened] = t;
  constexpr int queued = 2 * hs::ch06::AcceptPacer::batch + 5;
  std::vector<RawSocket> clients;
  for (int i = 0; i < queued; ++i) clients.push_back(RawSocket::connect("127.0.0.1", port));
  t.listen();
  ring.turn(MayBlock::no);  // the accept completes at once, once per client queued
  runtime.turn(MayBlock::no);
  CHECK(stats.accept.accepted == hs::ch06::AcceptPacer::batch);
  runtime.turn(MayBlock::no);
  CHECK(stats.accept.accepted == 2 * hs::ch06::AcceptPacer::batch);
  runtime.turn(MayBlock::no);
  CHECK(stats.accept.accepted == queued);
  server.stop();
  clients.clear();
  t.run_to_the_end();
}

TEST_CASE("the log names each client by its address or says it is unknown for one that reset at once", "[ex7.3]") {
  HS_SKIP_WITHOUT_IO_URING();
  // A multishot accept gives only descriptors: the address comes from getpeername(), which a
  // client that has reset already cannot answer.
  InProcessServer server;
  std::uint16_t client_port = behaviour::client_reset_at_once(server);
  const std::string named = fmt::format("127.0.0.1:{} failed", client_port);
  CHECK(
      server.eventually([&] { return server.log().count(named) + server.log().count("an unknown peer failed") == 1; }));
  {
    auto c = server.connect();
    client_port = c.local_port();
    CHECK(hs::testing::handshake(c, 1).empty());
  }
  CHECK(server.eventually([&] { return server.log().count(fmt::format("127.0.0.1:{} done", client_port)) == 1; }));
  INFO("the server logged:\n" << server.log().text());
  CHECK(server.log().count(":0 ") == 0);
}

TEST_CASE("stop before listen() has started: listen() submits nothing and returns and the queue is answered",
          "[ex7.3]") {
  HS_SKIP_WITHOUT_IO_URING();
  OwnThread t;
  auto& [runtime, ring, stats, port, listener, server, listened] = t;
  auto queued = RawSocket::connect("127.0.0.1", port);
  server.stop();
  t.listen();
  t.run_to_the_end();
  CHECK(ring.finished());
  behaviour::check_answered_shutdown(queued);
  CHECK(stats.accept.accepted == 0);
}

TEST_CASE("connections the accept completed with just before stop() are each answered ERROR shutdown and not served",
          "[ex7.3]") {
  HS_SKIP_WITHOUT_IO_URING();
  OwnThread t;
  auto& [runtime, ring, stats, port, listener, server, listened] = t;
  t.listen_and_submit();
  std::vector<RawSocket> late;
  for (int i = 0; i < 2; ++i) late.push_back(RawSocket::connect("127.0.0.1", port));
  // Their completions are reaped, and the listener woken, but the listener has not run yet...
  t.reap(2);
  // ...when the stop comes: each descriptor is the listener's to refuse, and it takes every one
  // the stream holds until the cancel's last completion, not only the first.
  server.stop();
  t.run_to_the_end();
  for (auto& c : late) behaviour::check_answered_shutdown(c);
  CHECK(stats.accept.accepted == 0);
}

TEST_CASE("a client accepted on descriptor 0 (a program started with stdin closed) is served like any other",
          "[ex7.3]") {
  HS_SKIP_WITHOUT_IO_URING();
  OwnThread t;
  auto& [runtime, ring, stats, port, listener, server, listened] = t;
  t.listen();
  auto client = RawSocket::connect("127.0.0.1", port);
  const int stdin_copy = ::fcntl(0, F_DUPFD_CLOEXEC, 3);
  ::close(0);  // the lowest free descriptor is now 0: the accept gives it to the client
  for (int turns = 0; stats.accept.accepted == 0 && turns < 100'000; ++turns) ring.poll(), ring.turn(MayBlock::no);
  client.send("HELLO 1\nHELLO 3\n");
  server.stop();
  ring.run();
  ::dup2(stdin_copy, 0);  // stdin back (the session's close has freed 0 by now)
  ::close(stdin_copy);
  require_done(listened);
  CHECK(client.read_all() == "HELLO 2\n");
  CHECK(stats.accept.completed == 1);
}

TEST_CASE(
    "an accept that fails for a bug (a socket that does not listen) ends serve() with its error once the stop's poll "
    "has completed",
    "[ex7.3]") {
  HS_SKIP_WITHOUT_IO_URING();
  Runtime runtime;
  Ring ring{runtime};
  ServerStats stats;
  const hs::Logger quiet{true};
  hs::Fd not_listening{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  REQUIRE(not_listening);
  Server server{ring, std::move(not_listening), ServerOptions{}, quiet, stats};
  const hs::Fd stop{::eventfd(0, EFD_CLOEXEC)};  // never written: only the error can end serve()
  REQUIRE(stop);
  // The accept completes with -EINVAL, which the pacer calls a bug: listen() throws. serve() must
  // cancel the stop's poll and wait for its completion before it rethrows (a debug build asserts
  // that no operation is destroyed in flight).
  CHECK_THROWS_AS(serve(ring, server, stop.get()), std::system_error);
  CHECK(ring.finished());
}

TEST_CASE("listen() closes the listener before it returns", "[ex7.3]") {
  HS_SKIP_WITHOUT_IO_URING();
  OwnThread t;
  auto& [runtime, ring, stats, port, listener, server, listened] = t;
  t.listen();
  ring.poll();
  REQUIRE(listening_here(port));
  server.stop();
  t.run_to_the_end();  // (run() submits the last closes before it returns)
  CHECK_FALSE(listening_here(port));
}

TEST_CASE("stop during the pause after accept failed for lack of descriptors: listen() returns at once", "[ex7.3]") {
  HS_SKIP_WITHOUT_IO_URING();
  // Lowered before the accept is submitted: a multishot accept keeps the limit it started with.
  const hs::testing::DescriptorLimitNearOpen limit;
  hs::testing::LogRecorder recorded;  // (its warning, kept quiet)
  const hs::Logger log = recorded.logger();
  OwnThread t{ServerOptions{{}, std::chrono::hours{1}}, log};  // a pause that outlasts any test
  auto& [runtime, ring, stats, port, listener, server, listened] = t;
  t.listen_and_submit();
  hs::Fd waiting;
  {
    hs::testing::DescriptorsExhausted exhausted{1};
    waiting = hs::testing::connect_with_one_descriptor(port);  // took the last descriptor: none to accept it with
    for (int turns = 0; stats.accept.backoffs == 0 && turns < 100'000; ++turns) {
      ring.turn(MayBlock::no);
      runtime.turn(MayBlock::no);
    }
  }
  REQUIRE(waiting);
  REQUIRE(stats.accept.backoffs == 1);  // accept failed with EMFILE: the listener pauses for an hour
  server.stop();
  ring.poll();
  CHECK(listened.done);  // the stop ended the pause: listen() did not wait for it
  REQUIRE(ring.finished());
  require_done(listened);
  CHECK(stats.accept.accepted == 0);
}

TEST_CASE(
    "stop while the listener waits for its next turn mid-flood: every descriptor left in the stream is answered "
    "ERROR shutdown",
    "[ex7.3]") {
  HS_SKIP_WITHOUT_IO_URING();
  OwnThread t;
  auto& [runtime, ring, stats, port, listener, server, listened] = t;
  std::vector<RawSocket> served;
  std::vector<RawSocket> late;
  for (int i = 0; i < hs::ch06::AcceptPacer::batch; ++i) served.push_back(RawSocket::connect("127.0.0.1", port));
  for (int i = 0; i < 8; ++i) late.push_back(RawSocket::connect("127.0.0.1", port));
  t.listen();
  ring.turn(MayBlock::no);  // the accept completes once per client queued: all in the stream
  runtime.turn(MayBlock::no);
  REQUIRE(stats.accept.accepted == hs::ch06::AcceptPacer::batch);  // a batch, then it waits for a turn
  server.stop();
  // The cancel's last completion is seen before the listener runs again: the stream is no longer
  // active, and still holds the 8 descriptors accepted before it.
  t.reap(1);
  served.clear();  // their sessions end (end of stream)
  t.run_to_the_end();
  CHECK(stats.accept.accepted == hs::ch06::AcceptPacer::batch);
  for (auto& c : late) {
    CHECK(c.read_all(0ms) == hs::error_line({hs::ErrorReason::shutdown, "server stopping"}));
    CHECK(c.last_end() == ReadEnd::closed);
  }
}

TEST_CASE(
    "a client that connects after stop() while the listener is still open is answered ERROR shutdown and not reset",
    "[ex7.3]") {
  HS_SKIP_WITHOUT_IO_URING();
  OwnThread t;
  auto& [runtime, ring, stats, port, listener, server, listened] = t;
  t.listen_and_submit();
  server.stop();
  t.reap(1);  // the accept's last completion (-ECANCELED): the listener has not run since
  // The listener is still open: the kernel queues this client, which no accept takes any more.
  auto after = RawSocket::connect("127.0.0.1", port);
  t.run_to_the_end();
  behaviour::check_answered_shutdown(after);
  CHECK(stats.accept.accepted == 0);
}
