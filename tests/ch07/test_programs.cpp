// The program a learner runs by hand: hs-ch07-server (exercises 7.1-7.3 together) on io_uring, and
// on chapter 06's epoll runtime with --backend epoll, as a child process, the way the README shows it.
#include <signal.h>

#include <string_view>

#include "../support/program_behaviour.hpp"
#include "fixtures.hpp"

HS_IO_URING_PROGRAM_BEHAVIOUR_TEST_CASES("hs-ch07-server", "[ex7.3]", "[ex7.3]")

// The epoll backend is chapter 06's reference, so it works before exercise 7.3 does: the test
// goes on to the io_uring backend, which must do the same (and fails on the stubs).
TEST_CASE("hs-ch07-server --backend epoll: chapter 06's server in the same program behaves as io_uring does",
          "[ex7.3]") {
  for (const char* backend : {"epoll", "io_uring"}) {
    if (backend == std::string_view{"io_uring"}) HS_SKIP_WITHOUT_IO_URING();
    INFO("--backend " << backend);
    hs::testing::ServerProgram server{"hs-ch07-server", {"--quiet", "--backend", backend}};
    auto c = hs::testing::RawSocket::connect("127.0.0.1", server.port());
    c.send("HELLO 1\nHELLO 3\n");
    CHECK(c.read_all() == "HELLO 2\n");
    hs::testing::behaviour::check_stops_cleanly(server, SIGTERM);
  }
  // A backend it does not have is a usage error.
  hs::testing::ChildProcess wrong{hs::testing::program_path("hs-ch07-server"), {"--backend", "kqueue"}};
  CHECK(wrong.wait() == 2);
  CHECK_THAT(wrong.stderr_text(), Catch::Contains("--backend must be io_uring or epoll"));
}
