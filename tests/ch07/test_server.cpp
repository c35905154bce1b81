// Exercise 7.3: the listener on a multishot accept, and the graceful stop. The same behaviour as
// every server of the course (tests/support/server_behaviour.hpp) and as chapters 03 and 06's one
// thread (tests/support/event_loop_behaviour.hpp); then what the ring changes.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <exception>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "fixtures.hpp"
#include "hs/testing/log_recorder.hpp"

using namespace hs::ch07;
using namespace hs::ch07::test;

HS_SERVER_BEHAVIOUR_TEST_CASES(InProcessServer, "", "[ex7.3]", "[ex7.3]")
HS_EVENT_LOOP_SERVER_TEST_CASES(InProcessServer, "[ex7.3]")

namespace {

/// A listening socket on 127.0.0.1, port chosen by the OS (written to `port`).
hs::Fd loopback_listener(std::uint16_t& port) {
  hs::Fd listener = hs::listen_tcp("127.0.0.1", 0);
  port = hs::local_endpoint(listener.get()).port;
  return listener;
}

/// A Server on a Ring on the test's own thread, listening on a loopback port the OS picked: what
/// the tests below drive by hand, turn by turn. Quiet unless given a logger.
struct OwnThread {
  explicit OwnThread(ServerOptions options = {}, const hs::Logger& logger = quiet())
      : listener{loopback_listener(port)}, server{ring, std::move(listener), options, logger, stats} {}

  static const hs::Logger& quiet() {
    static const hs::Logger logger{true};
    return logger;
  }

  Runtime runtime;
  Ring ring{runtime};
  ServerStats stats;
  std::uint16_t port = 0;
  hs::Fd listener;  ///< handed to the server at once
  Server server;
};

}  // namespace

TEST_CASE("one accept submitted for many clients: each connection is a completion of the same submission", "[ex7.3]") {
  HS_SKIP_WITHOUT_IO_URING();
  OwnThread t;
  auto& [runtime, ring, stats, port, listener, server] = t;
  Outcome<std::monostate> listened;
  spawn_into(server.listen(), listened);
  ring.turn(MayBlock::no);  // the accept reaches the kernel
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
  ring.run();
  CHECK(listened.done);
  if (listened.thrown) std::rethrow_exception(listened.thrown);
  CHECK(ring.finished());
}

TEST_CASE("stop: the connections still queued are answered ERROR shutdown and not reset", "[ex7.3]") {
  HS_SKIP_WITHOUT_IO_URING();
  OwnThread t;
  auto& [runtime, ring, stats, port, listener, server] = t;
  std::vector<RawSocket> queued;
  for (int i = 0; i < 3; ++i) queued.push_back(RawSocket::connect("127.0.0.1", port));
  Outcome<std::monostate> listened;
  spawn_into(server.listen(), listened);  // the accept is queued for the kernel, not yet submitted
  server.stop();
  ring.run();
  CHECK(ring.finished());
  REQUIRE(listened.done);
  if (listened.thrown) std::rethrow_exception(listened.thrown);
  for (auto& c : queued) {
    CHECK(c.read_all() == hs::error_line({hs::ErrorReason::shutdown, "server stopping"}));
    CHECK(c.last_end() == ReadEnd::closed);
  }
  CHECK(stats.accept.accepted == 0);
}

TEST_CASE("stop: the accept is cancelled and the handshakes in progress finish before run() returns", "[ex7.3]") {
  HS_SKIP_WITHOUT_IO_URING();
  Runtime runtime;
  Ring ring{runtime};
  hs::testing::LogRecorder recorded;
  const hs::Logger log = recorded.logger();
  ServerStats stats;
  std::uint16_t port = 0;
  const auto times = hs::testing::behaviour::generous_times();
  Server server{ring, loopback_listener(port), ServerOptions{{times.read_timeout, times.handshake_timeout}}, log,
                stats};
  hs::EventFd stop_request;
  std::promise<void> listened;
  spawn(server.listen(), [&](std::exception_ptr thrown) {
    if (thrown) std::rethrow_exception(thrown);
    listened.set_value();
  });
  Operation poll;
  spawn(
      [](Ring& r, Operation& op, int fd, Server& to_stop) -> Task<void> {
        r.readable(op, fd);
        const Completion done = co_await r.completion(op);
        if (done.why != Wake::ready) co_return;
        to_stop.stop();
        to_stop.stop();  // a second SIGTERM: does nothing
      }(ring, poll, stop_request.fd(), server),
      [](std::exception_ptr thrown) {
        if (thrown) std::rethrow_exception(thrown);
      });
  std::atomic<bool> ran{false};
  std::thread running{[&] {
    ring.run();
    ran = true;
  }};

  std::vector<RawSocket> in_progress;
  for (int i = 0; i < 10; ++i) {
    in_progress.push_back(RawSocket::connect("127.0.0.1", port));
    in_progress.back().send(fmt::format("HELLO {}\n", i));
    CHECK(in_progress.back().read_line() == fmt::format("HELLO {}\n", i + 1));
  }
  stop_request.notify();
  CHECK(listened.get_future().wait_for(hs::testing::generous) == std::future_status::ready);
  CHECK(stats.open == 10);
  INFO("the server logged:\n" << recorded.text());
  CHECK(recorded.count("waiting for 10 handshake(s)") == 1);
  CHECK_FALSE(ran);
  int completed = 0;
  for (int i = 0; i < 10; ++i) {
    in_progress[i].send(fmt::format("HELLO {}\n", i + 2));
    completed += in_progress[i].read_all().empty() && in_progress[i].last_end() == ReadEnd::closed;
  }
  running.join();
  CHECK(completed == 10);
  CHECK(ran);
  CHECK(stats.accept.completed == 10);
}

TEST_CASE("a flood of new clients: the listener takes a batch then lets the other tasks run", "[ex7.3]") {
  HS_SKIP_WITHOUT_IO_URING();
  OwnThread t;
  auto& [runtime, ring, stats, port, listener, server] = t;
  constexpr int queued = 2 * Server::accept_batch + 5;
  std::vector<RawSocket> clients;
  for (int i = 0; i < queued; ++i) clients.push_back(RawSocket::connect("127.0.0.1", port));
  Outcome<std::monostate> listened;
  spawn_into(server.listen(), listened);
  ring.turn(MayBlock::no);  // the accept completes at once, once per client queued
  runtime.turn(MayBlock::no);
  CHECK(stats.accept.accepted == Server::accept_batch);
  runtime.turn(MayBlock::no);
  CHECK(stats.accept.accepted == 2 * Server::accept_batch);
  runtime.turn(MayBlock::no);
  CHECK(stats.accept.accepted == queued);
  server.stop();
  clients.clear();
  ring.run();
  CHECK(listened.done);
}

TEST_CASE("the log names each client by its address or says it is unknown for one that reset at once", "[ex7.3]") {
  // A multishot accept gives only descriptors: the address comes from getpeername(), which a
  // client that has reset already cannot answer.
  InProcessServer server;
  std::uint16_t client_port = 0;
  {
    auto c = server.connect();
    client_port = c.local_port();
    c.close(true);  // a reset, before the server may even have accepted it
  }
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
  auto& [runtime, ring, stats, port, listener, server] = t;
  auto queued = RawSocket::connect("127.0.0.1", port);
  server.stop();
  Outcome<std::monostate> listened;
  spawn_into(server.listen(), listened);
  ring.run();
  REQUIRE(listened.done);
  if (listened.thrown) std::rethrow_exception(listened.thrown);
  CHECK(ring.finished());
  CHECK(queued.read_all() == hs::error_line({hs::ErrorReason::shutdown, "server stopping"}));
  CHECK(stats.accept.accepted == 0);
}

TEST_CASE("a connection the accept completed with just before stop() is answered ERROR shutdown and not served",
          "[ex7.3]") {
  HS_SKIP_WITHOUT_IO_URING();
  OwnThread t;
  auto& [runtime, ring, stats, port, listener, server] = t;
  Outcome<std::monostate> listened;
  spawn_into(server.listen(), listened);
  ring.turn(MayBlock::no);  // the multishot accept is submitted
  auto late = RawSocket::connect("127.0.0.1", port);
  // Its completion is reaped, and the listener woken, but the listener has not run yet...
  const auto before = ring.stats().completions;
  for (int turns = 0; ring.stats().completions == before && turns < 100'000; ++turns) ring.turn(MayBlock::no);
  REQUIRE(ring.stats().completions == before + 1);
  server.stop();  // ...when the stop comes: its descriptor is the listener's to refuse
  ring.run();
  REQUIRE(listened.done);
  if (listened.thrown) std::rethrow_exception(listened.thrown);
  CHECK(late.read_all() == hs::error_line({hs::ErrorReason::shutdown, "server stopping"}));
  CHECK(stats.accept.accepted == 0);
}

TEST_CASE("a client accepted on descriptor 0 (a program started with stdin closed) is served like any other",
          "[ex7.3]") {
  HS_SKIP_WITHOUT_IO_URING();
  OwnThread t;
  auto& [runtime, ring, stats, port, listener, server] = t;
  Outcome<std::monostate> listened;
  spawn_into(server.listen(), listened);
  auto client = RawSocket::connect("127.0.0.1", port);
  const int stdin_copy = ::fcntl(0, F_DUPFD_CLOEXEC, 3);
  ::close(0);  // the lowest free descriptor is now 0: the accept gives it to the client
  for (int turns = 0; stats.accept.accepted == 0 && turns < 100'000; ++turns) ring.poll(), ring.turn(MayBlock::no);
  client.send("HELLO 1\nHELLO 3\n");
  server.stop();
  ring.run();
  ::dup2(stdin_copy, 0);  // stdin back (the session's close has freed 0 by now)
  ::close(stdin_copy);
  REQUIRE(listened.done);
  if (listened.thrown) std::rethrow_exception(listened.thrown);
  CHECK(client.read_all() == "HELLO 2\n");
  CHECK(stats.accept.completed == 1);
}
