// The program a learner runs by hand: hs-ch03-server (exercises 3.1-3.4 together), as a child
// process, the way the README shows it.
#include <signal.h>

#include "fixtures.hpp"

using namespace hs::ch03::test;
using hs::testing::ChildProcess;
using hs::testing::program_path;

TEST_CASE("hs-ch03-server: prints its address, serves, and stops cleanly on SIGTERM and SIGINT", "[ex3.3]") {
  for (int signal : {SIGTERM, SIGINT}) {
    ServerProgram server{{"--quiet"}};
    CHECK(server.first_line() == fmt::format("listening on 127.0.0.1:{}", server.port()));
    {
      auto c = RawSocket::connect("127.0.0.1", server.port());
      c.send("HELLO 1\nHELLO 3\n");  // what `printf 'HELLO 1\nHELLO 3\n' | nc 127.0.0.1 PORT` sends
      CHECK(c.read_all() == "HELLO 2\n");
      CHECK(c.last_end() == ReadEnd::closed);
    }
    {
      auto c = RawSocket::connect("127.0.0.1", server.port());
      c.send(std::string(1000, '\0'));  // garbage: an ERROR line, then the server carries on
      CHECK(c.read_all().starts_with("ERROR too-long"));
    }
    CHECK(server.stop(signal) == 0);
  }
}

TEST_CASE("hs-ch03-server: a port in use and bad options are reported clearly", "[ex3.3]") {
  ServerProgram first;
  {
    ChildProcess second{program_path("hs-ch03-server"), {"--port", std::to_string(first.port())}};
    CHECK(second.wait() == 1);
    CHECK_THAT(second.stderr_text(), Catch::Contains("Address already in use") && Catch::Contains("--port 0"));
  }
  {
    ChildProcess bad{program_path("hs-ch03-server"), {"--handshake-timeout", "10"}};
    CHECK(bad.wait() == 2);
    CHECK_THAT(bad.stderr_text(), Catch::Contains("unit"));
  }
  auto c = RawSocket::connect("127.0.0.1", first.port());
  CHECK(handshake(c, 1).empty());
  CHECK(first.stop(SIGTERM) == 0);
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
