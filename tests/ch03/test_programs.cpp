// The program a learner runs by hand: hs-ch03-server (exercises 3.1-3.4 together), as a child
// process, the way the README shows it; and the same program on Asio's io_uring backend,
// hs-ch03-server-uring, which must behave the same, or where the kernel refuses io_uring, say so.
#include <signal.h>

#include "../support/io_uring.hpp"
#include "../support/program_behaviour.hpp"
#include "fixtures.hpp"

using namespace hs::ch03::test;

TEST_CASE("hs-ch03-server: prints its address and serves and stops cleanly on SIGTERM and SIGINT", "[ex3.3]") {
  hs::testing::behaviour::serves_and_stops_on_signals("hs-ch03-server");
}

TEST_CASE("hs-ch03-server: a port in use and bad options are reported clearly", "[ex3.3]") {
  hs::testing::behaviour::reports_port_in_use_and_bad_options("hs-ch03-server");
}

TEST_CASE("hs-ch03-server: on SIGTERM a handshake in progress is finished before the server exits", "[ex3.4]") {
  hs::testing::behaviour::finishes_the_handshake_in_progress_on_sigterm("hs-ch03-server");
}

TEST_CASE("hs-ch03-server-uring: prints its address and serves and stops cleanly on SIGTERM and SIGINT", "[ex3.3]") {
  HS_SKIP_WITHOUT_IO_URING();
  hs::testing::behaviour::serves_and_stops_on_signals("hs-ch03-server-uring");
}

// The refusal shares a test case with the port in use: alone, it would check main() only, and so
// pass on the untouched stubs (the stub check wants every learner test to fail there); where
// io_uring is refused, it is all this test case can check.
TEST_CASE("hs-ch03-server-uring: io_uring refused or a port in use or bad options are reported clearly", "[ex3.3]") {
  hs::testing::behaviour::reports_io_uring_refused("hs-ch03-server-uring");  // REQUIREs: checked before a skip
  HS_SKIP_WITHOUT_IO_URING();
  hs::testing::behaviour::reports_port_in_use_and_bad_options("hs-ch03-server-uring");
}

TEST_CASE("hs-ch03-server-uring: on SIGTERM a handshake in progress is finished before the server exits", "[ex3.4]") {
  HS_SKIP_WITHOUT_IO_URING();
  hs::testing::behaviour::finishes_the_handshake_in_progress_on_sigterm("hs-ch03-server-uring");
}
