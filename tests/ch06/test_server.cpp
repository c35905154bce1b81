// Exercise 6.4: the listener and the graceful stop, on your runtime. The same behaviour as every
// server of the course (tests/support/server_behaviour.hpp) and as chapter 03's one thread
// (tests/support/event_loop_behaviour.hpp); then the stop, step by step.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <string>
#include <vector>

#include "fixtures.hpp"
#include "hs/testing/log_recorder.hpp"

using namespace hs::ch06;
using namespace hs::ch06::test;

HS_SERVER_BEHAVIOUR_TEST_CASES(InProcessServer, "", "[ex6.4]", "[ex6.4]")
HS_EVENT_LOOP_SERVER_TEST_CASES(InProcessServer, "[ex6.4]")

namespace {

/// A Unix-domain address of this test's own, in the abstract namespace (nothing on disk).
sockaddr_un local_address() {
  static int made = 0;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string name = fmt::format("hs-ch06-test-{}-{}", ::getpid(), ++made);
  std::copy(name.begin(), name.end(), address.sun_path + 1);  // sun_path[0] is '\0': abstract
  return address;
}

/// A Unix-domain listener on `address`. Its clients are in the queue as soon as their connect()
/// returns, and what they send is there as soon as send() returns: a test that plays client and
/// drives the runtime on one thread sees the same run every time (as with LocalPair).
hs::Fd local_listener(const sockaddr_un& address) {
  hs::Fd listener{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  REQUIRE(listener);
  REQUIRE(::bind(listener.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(listener.get(), 16) == 0);
  return listener;
}

/// A client of local_listener(address).
RawSocket local_client(const sockaddr_un& address) {
  hs::Fd client{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  REQUIRE(client);
  REQUIRE(::connect(client.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
  return RawSocket{client.release()};
}

/// While it lives, descriptor 0 is a copy of `fd`: where a program started with its standard input
/// closed gets its first socket. Then stdin is put back.
class OnDescriptorZero {
 public:
  explicit OnDescriptorZero(const hs::Fd& fd) : stdin_{::fcntl(0, F_DUPFD_CLOEXEC, 3)} {
    REQUIRE(::dup2(fd.get(), 0) == 0);
  }
  OnDescriptorZero(const OnDescriptorZero&) = delete;
  OnDescriptorZero& operator=(const OnDescriptorZero&) = delete;
  ~OnDescriptorZero() {
    if (stdin_ >= 0) {
      ::dup2(stdin_, 0);
      ::close(stdin_);
    }
  }

 private:
  int stdin_;  ///< stdin as it was (-1: it was closed)
};

}  // namespace

TEST_CASE("stop: the connections still queued are answered ERROR shutdown and not reset", "[ex6.4]") {
  Runtime runtime;
  hs::Logger log{true};
  ServerStats stats;
  std::uint16_t port = 0;
  Server server{runtime, loopback_listener(port), {}, log, stats};
  // Three clients connect before the server accepts anything: they wait in the kernel's queue.
  std::vector<RawSocket> queued;
  for (int i = 0; i < 3; ++i) queued.push_back(RawSocket::connect("127.0.0.1", port));
  server.stop();  // on this thread, which is the runtime's: it is not running yet
  Outcome<std::monostate> listened;
  spawn_into(server.listen(), listened);
  runtime.run();
  CHECK(runtime.finished());  // run() returned: nothing left behind
  REQUIRE(listened.done);     // listen() returned
  CHECK_FALSE(listened.thrown);
  for (auto& c : queued) behaviour::check_answered_shutdown(c);
  CHECK(stats.accept.accepted == 0);
}

TEST_CASE("stop: listen() returns at once and the handshakes in progress finish before run() returns", "[ex6.4]") {
  stop_lets_the_handshakes_in_progress_finish<RuntimeLoop>();
}

TEST_CASE("a flood of new clients: the listener accepts a batch then lets the other tasks run", "[ex6.4]") {
  Runtime runtime;
  hs::Logger log{true};
  ServerStats stats;
  std::uint16_t port = 0;
  Server server{runtime, loopback_listener(port), {}, log, stats};
  constexpr int queued = 2 * AcceptPacer::batch + 5;
  std::vector<RawSocket> clients;
  for (int i = 0; i < queued; ++i) clients.push_back(RawSocket::connect("127.0.0.1", port));
  Outcome<std::monostate> listened;
  spawn_into(server.listen(), listened);  // runs at once, until its first suspension
  CHECK(stats.accept.accepted == AcceptPacer::batch);
  runtime.turn(MayBlock::no);  // the listener's next batch, after the tasks ready before it
  CHECK(stats.accept.accepted == 2 * AcceptPacer::batch);
  runtime.poll();
  CHECK(stats.accept.accepted == queued);
  server.stop();
  clients.clear();  // their sessions end (end of stream), and run() returns
  runtime.run();
  CHECK(listened.done);
}

TEST_CASE("the log names each client by the address accept() gave even one that reset at once", "[ex6.4]") {
  InProcessServer server;
  const auto client_port = behaviour::client_reset_at_once(server);
  const std::string line = fmt::format("127.0.0.1:{} failed", client_port);
  CHECK(server.eventually([&] { return server.log().count(line) == 1; }));
  INFO("the server logged:\n" << server.log().text());
  CHECK(server.log().count(":0 ") == 0);
}

TEST_CASE("stop: with no handshake in progress it does not say it waits for any", "[ex6.4]") {
  Runtime runtime;
  hs::testing::LogRecorder recorded;
  const hs::Logger log = recorded.logger();
  ServerStats stats;
  std::uint16_t port = 0;
  Server server{runtime, loopback_listener(port), {}, log, stats};
  Outcome<std::monostate> listened;
  spawn_into(server.listen(), listened);
  server.stop();
  runtime.run();
  CHECK(listened.done);
  INFO("the server logged:\n" << recorded.text());
  CHECK(recorded.count("waiting for") == 0);
}

TEST_CASE("a listener on descriptor 0 (a program started with stdin closed) serves and stops like any other",
          "[ex6.4]") {
  const sockaddr_un address = local_address();
  const OnDescriptorZero stdin_is_the_listener{local_listener(address)};
  Runtime runtime;
  const hs::Logger log{true};
  ServerStats stats;
  Server server{runtime, hs::Fd{0}, {}, log, stats};
  Outcome<std::monostate> listened;
  spawn_into(server.listen(), listened);
  rethrow(listened.thrown);
  RawSocket client = local_client(address);
  client.send("HELLO 1\nHELLO 3\n");
  runtime.poll();  // on this thread: the accept, the whole handshake, the close
  CHECK(client.read_all(0ms) == "HELLO 2\n");
  CHECK(client.last_end() == ReadEnd::closed);
  CHECK(stats.accept.completed == 1);
  server.stop();
  runtime.poll();
  CHECK(listened.done);
  CHECK(runtime.finished());
}
