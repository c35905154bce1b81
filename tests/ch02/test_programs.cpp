// hs-ch02-server as a learner runs it: both models, serving and stopping cleanly on SIGTERM.
#include <signal.h>

#include "../support/program_behaviour.hpp"
#include "fixtures.hpp"
#include "hs/testing/child_process.hpp"

using namespace hs::ch02::test;
using hs::testing::ChildProcess;
using hs::testing::program_path;

namespace {

void serve_and_stop(hs::testing::ServerProgram& server) {
  CHECK(server.first_line() == fmt::format("listening on 127.0.0.1:{}", server.port()));
  std::vector<RawSocket> stalled;
  for (int i = 0; i < 3; ++i) {
    stalled.push_back(RawSocket::connect("127.0.0.1", server.port()));
    CHECK(hello(stalled.back(), i) == fmt::format("HELLO {}\n", i + 1));  // three at once
  }
  for (int i = 0; i < 3; ++i) CHECK(finish(stalled[static_cast<std::size_t>(i)], i).empty());
  CHECK(server.stop(SIGTERM) == 0);
}

}  // namespace

TEST_CASE("hs-ch02-server --model thread-per-conn serves clients at once and stops on SIGTERM", "[ex2.1]") {
  hs::testing::ServerProgram server{"hs-ch02-server", {"--model", "thread-per-conn", "--quiet"}};
  serve_and_stop(server);
}

TEST_CASE("hs-ch02-server --model pool serves clients at once and stops on SIGTERM", "[ex2.3]") {
  hs::testing::ServerProgram server{"hs-ch02-server", {"--model", "pool", "--threads", "4", "--quiet"}};
  serve_and_stop(server);
  ChildProcess bad{program_path("hs-ch02-server"), {"--model", "fibers"}};
  CHECK(bad.wait() == 2);
  CHECK_THAT(bad.stderr_text(), Catch::Contains("--model must be thread-per-conn or pool"));
}

TEST_CASE("hs-ch02-server: prints its address and serves and stops cleanly on SIGTERM and SIGINT", "[ex2.3]") {
  hs::testing::behaviour::serves_and_stops_on_signals("hs-ch02-server");
}

TEST_CASE("hs-ch02-server: a port in use and bad options are reported clearly", "[ex2.3]") {
  hs::testing::behaviour::reports_port_in_use_and_bad_options("hs-ch02-server");
}
