// Exercise 1.3: the accept loop. One client at a time: each is served to the end, failures do not
// stop the server, a stop request is seen between clients, and running out of file descriptors
// makes the loop pause instead of spin.
#include "ch01/accept_loop.hpp"

#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/resource.h>

#include <fstream>
#include <thread>
#include <vector>

#include "../support/descriptors.hpp"
#include "fixtures.hpp"
#include "hs/testing/log_recorder.hpp"

using namespace hs::ch01;
using namespace hs::ch01::test;

// Served one after another, failures harmless, EMFILE, the stop: what every chapter's server does
// (tests/support/server_behaviour.hpp). The rest of this file is what only the blocking loop does.
HS_SERVER_BEHAVIOUR_TEST_CASES(InProcessServer, "", "[ex1.3]", "[ex1.3]")

TEST_CASE("head-of-line blocking: while one client stalls the next one waits", "[ex1.3]") {
  InProcessServer server;
  auto first = server.connect();
  first.send("HELLO 1\n");
  CHECK(first.read_line() == "HELLO 2\n");
  // The server is now blocked reading the first client's Z. The second client connects (the
  // kernel completes the TCP handshake and queues it) and says HELLO...
  auto second = server.connect();
  second.send("HELLO 10\n");
  // ...but nobody reads it: the only thread is busy with the first client.
  CHECK(second.read_line(300ms).empty());
  CHECK(second.last_end() == ReadEnd::timeout);
  CHECK(server.stats().accepted == 1);
  // The first client finishes; only now is the second one served.
  first.send("HELLO 3\n");
  CHECK(first.read_all().empty());
  CHECK(second.read_line() == "HELLO 11\n");
  second.send("HELLO 12\n");
  CHECK(second.read_all().empty());
  CHECK(server.eventually([&] { return server.stats().completed == 2; }));
}

TEST_CASE("a stop request is seen between clients", "[ex1.3]") {
  SECTION("while idle") {
    InProcessServer server;
    auto c = server.connect();
    CHECK(handshake(c, 1).empty());
    server.stop();  // returns once accept_loop() has returned
    CHECK(server.stats().completed == 1);
  }
  SECTION("during a handshake: that client is finished first, queued ones hear why not") {
    InProcessServer server;
    auto c = server.connect();
    c.send("HELLO 1\n");
    CHECK(c.read_line() == "HELLO 2\n");
    auto queued = server.connect();  // waits in the backlog behind c
    queued.send("HELLO 10\n");
    server.request_stop();  // while the loop is busy with c: it will see this right after c
    c.send("HELLO 3\n");
    CHECK(c.read_all().empty());
    CHECK(c.last_end() == ReadEnd::closed);
    server.stop();
    CHECK(server.stats().completed == 1);
    const auto refusal = queued.read_all();
    INFO("queued client got \"" << hs::printable(refusal) << "\"");
    CHECK(refusal.starts_with("ERROR shutdown"));
    CHECK(queued.last_end() == ReadEnd::closed);
  }
}

namespace {

/// Connections waiting in `listener`'s accept queue (for a listening socket, TCP_INFO's
/// tcpi_unacked is that count: what `ss -l` shows as Recv-Q).
unsigned queued_on(int listener) {
  tcp_info info{};
  socklen_t size = sizeof info;
  REQUIRE(::getsockopt(listener, IPPROTO_TCP, TCP_INFO, &info, &size) == 0);
  return info.tcpi_unacked;
}

/// A listener on a free loopback port, non-blocking as accept_next() leaves it.
hs::Fd listener_on_loopback(int backlog = 4096) {
  hs::Fd listener = hs::listen_tcp("127.0.0.1", 0, backlog);
  ::fcntl(listener.get(), F_SETFL, ::fcntl(listener.get(), F_GETFL) | O_NONBLOCK);
  return listener;
}

/// `n` clients connected to `listener` and waiting in its queue.
std::vector<RawSocket> queue_clients(int listener, unsigned n) {
  const auto port = hs::local_endpoint(listener).port;
  std::vector<RawSocket> clients;
  for (unsigned i = 0; i < n; ++i) clients.push_back(RawSocket::connect("127.0.0.1", port));
  // connect() returns once the client's side is established; the server's side joins the queue
  // when the kernel has processed the last ACK, which may be a moment later.
  for (int spins = 0; queued_on(listener) < n && spins < 100'000; ++spins) std::this_thread::yield();
  REQUIRE(queued_on(listener) == n);
  return clients;
}

}  // namespace

TEST_CASE("refuse_queued() answers each waiting client with ERROR shutdown and logs how many", "[ex1.3]") {
  const hs::Fd listener = listener_on_loopback();
  hs::testing::LogRecorder log;
  SECTION("three waiting") {
    auto clients = queue_clients(listener.get(), 3);
    refuse_queued(listener.get(), log.logger());
    for (auto& client : clients) {
      CHECK(client.read_all() == "ERROR shutdown server stopping\n");
      CHECK(client.last_end() == ReadEnd::closed);
    }
    INFO("logged:\n" << log.text());
    CHECK(log.count("refused 3 waiting connection(s)") == 1);
  }
  SECTION("none waiting: nothing to say") {
    refuse_queued(listener.get(), log.logger());
    INFO("logged:\n" << log.text());
    CHECK(log.lines().empty());
  }
}

TEST_CASE("refuse_queued() out of descriptors says that the waiting clients go unanswered", "[ex1.3]") {
  const hs::Fd listener = listener_on_loopback();
  auto clients = queue_clients(listener.get(), 1);
  hs::testing::LogRecorder log;
  {
    const hs::testing::DescriptorsExhausted exhausted{0};
    refuse_queued(listener.get(), log.logger());  // accept() fails with EMFILE
  }
  INFO("logged:\n" << log.text());
  CHECK(log.count("could not be answered") == 1);
  CHECK(log.count("refused") == 0);
}

TEST_CASE("refuse_queued() answers at most 4096 clients so that a flood cannot hold up the stop", "[ex1.3]") {
  // 4097 waiting (a listen backlog of 4096 holds one more): more than anyone should answer.
  rlimit limit{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
  int somaxconn = 0;
  std::ifstream{"/proc/sys/net/core/somaxconn"} >> somaxconn;
  if (limit.rlim_max < 8300 || somaxconn < 4096) {
    WARN("skipped: needs 8300 file descriptors (ulimit -Hn: " << limit.rlim_max << ") and net.core.somaxconn >= 4096 ("
                                                              << somaxconn << ")");
    return;
  }
  const rlimit saved = limit;
  limit.rlim_cur = limit.rlim_max;
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &limit) == 0);
  {
    const hs::Fd listener = listener_on_loopback(4096);
    auto clients = queue_clients(listener.get(), 4097);
    hs::testing::LogRecorder log;
    refuse_queued(listener.get(), log.logger());
    CHECK(queued_on(listener.get()) >= 1);
    INFO("logged:\n" << log.text());
    CHECK(log.count("refused 4096 waiting connection(s)") == 1);
  }
  ::setrlimit(RLIMIT_NOFILE, &saved);
}
