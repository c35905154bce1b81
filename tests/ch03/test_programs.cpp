// The program a learner runs by hand: hs-ch03-server (exercises 3.1-3.4 together), as a child
// process, the way the README shows it.
#include <signal.h>

#include "../support/program_behaviour.hpp"
#include "fixtures.hpp"

using namespace hs::ch03::test;

TEST_CASE("hs-ch03-server: prints its address, serves, and stops cleanly on SIGTERM and SIGINT", "[ex3.3]") {
  hs::testing::behaviour::serves_and_stops_on_signals("hs-ch03-server");
}

TEST_CASE("hs-ch03-server: a port in use and bad options are reported clearly", "[ex3.3]") {
  hs::testing::behaviour::reports_port_in_use_and_bad_options("hs-ch03-server");
}

TEST_CASE("hs-ch03-server: on SIGTERM, a handshake in progress is finished before the server exits", "[ex3.4]") {
  ServerProgram server;  // not --quiet: the test waits for its "stopping" line
  auto c = RawSocket::connect("127.0.0.1", server.port());
  c.send("HELLO 41\n");
  CHECK(c.read_line() == "HELLO 42\n");
  server.signal(SIGTERM);
  CHECK(server.stderr_eventually_contains("waiting for 1 handshake"));
  c.send("HELLO 43\n");  // after the stop: still served to the end
  CHECK(c.read_all().empty());
  CHECK(c.last_end() == ReadEnd::closed);
  CHECK(server.wait() == 0);
  CHECK_THAT(server.stderr_text(), Catch::Contains("1 done, 0 failed"));
}
