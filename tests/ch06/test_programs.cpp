// The program a learner runs by hand: hs-ch06-server (exercises 6.1-6.4 together), as a child
// process, the way the README shows it.
#include <signal.h>

#include "../support/program_behaviour.hpp"
#include "fixtures.hpp"

using namespace hs::ch06::test;

TEST_CASE("hs-ch06-server: prints its address and serves and stops cleanly on SIGTERM and SIGINT", "[ex6.4]") {
  hs::testing::behaviour::serves_and_stops_on_signals("hs-ch06-server");
}

TEST_CASE("hs-ch06-server: a port in use and bad options are reported clearly", "[ex6.4]") {
  hs::testing::behaviour::reports_port_in_use_and_bad_options("hs-ch06-server");
}

TEST_CASE("hs-ch06-server: on SIGTERM a handshake in progress is finished before the server exits", "[ex6.4]") {
  hs::testing::behaviour::finishes_the_handshake_in_progress_on_sigterm("hs-ch06-server");
}
