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
  hs::testing::behaviour::finishes_the_handshake_in_progress_on_sigterm("hs-ch03-server");
}
