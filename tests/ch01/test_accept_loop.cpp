// Exercise 1.3: the accept loop. One client at a time: each is served to the end, failures do not
// stop the server, a stop request is seen between clients, and running out of file descriptors
// makes the loop pause instead of spin.
#include "ch01/accept_loop.hpp"
#include "fixtures.hpp"

using namespace hs::ch01;
using namespace hs::ch01::test;

// Served one after another, failures harmless, EMFILE, the stop: what every chapter's server does
// (tests/support/server_behaviour.hpp). The rest of this file is what only the blocking loop does.
HS_SERVER_BEHAVIOUR_TEST_CASES(InProcessServer, "", "[ex1.3]", "[ex1.3]")

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
