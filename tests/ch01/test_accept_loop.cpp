// Exercise 1.3: the accept loop. One client at a time: each is served to the end, failures do not
// stop the server, a stop request is seen between clients, and running out of file descriptors
// makes the loop pause instead of spin.
#include <netinet/in.h>
#include <sys/resource.h>
#include <unistd.h>

#include <vector>

#include "ch01/accept_loop.hpp"
#include "fixtures.hpp"

using namespace hs::ch01;
using namespace hs::ch01::test;

using hs::testing::handshake;

TEST_CASE("clients are served one after another, and a failure never stops the server", "[ex1.3]") {
  InProcessServer server;
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
  CHECK(server.eventually([&] { return server.stats().completed + server.stats().failed == 5; }));
  CHECK(server.stats().accepted == 5);
  CHECK(server.stats().completed == 2);
  CHECK(server.stats().failed == 3);
}

TEST_CASE("head-of-line blocking: while one client stalls, the next one waits", "[ex1.3]") {
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

TEST_CASE("out of file descriptors, the loop backs off instead of spinning, then recovers", "[ex1.3]") {
  ServerOptions options;
  options.accept_backoff = 20ms;
  InProcessServer server{options};

  // Lower this process's descriptor limit and fill the table, keeping one free for the client.
  rlimit saved{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved) == 0);
  const int highest = ::dup(0);
  REQUIRE(highest >= 0);
  ::close(highest);
  rlimit low = saved;
  low.rlim_cur = static_cast<rlim_t>(highest + 32);
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
  std::vector<int> filler;
  for (int fd = ::dup(0); fd >= 0; fd = ::dup(0)) filler.push_back(fd);
  ::close(filler.back());
  filler.pop_back();

  // The client takes the last descriptor (plain POSIX: nothing else may open a file now).
  const hs::Fd client{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(server.port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool connected = ::connect(client.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;

  // accept() now fails with EMFILE: the loop must pause between attempts, several times.
  const bool backed_off = server.eventually([&] { return server.stats().backoffs >= 3; });
  for (int fd : filler) ::close(fd);
  ::setrlimit(RLIMIT_NOFILE, &saved);

  REQUIRE(connected);
  CHECK(backed_off);
  CHECK(server.stats().accept_errors >= 3);
  CHECK(server.stats().backoffs == server.stats().accept_errors);  // every failure was a pause
  // Descriptors are free again: the waiting client is accepted and served.
  CHECK(server.eventually([&] { return server.stats().accepted == 1; }));
  RawSocket raw{::dup(client.get())};
  CHECK(handshake(raw, 100).empty());
}
