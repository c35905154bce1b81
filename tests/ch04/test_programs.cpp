// The program a learner runs by hand: hs-ch04-server, as a child process, the way the README
// shows it: options, the metrics line, SIGTERM's drain, and --workers.
#include <signal.h>

#include "../support/program_behaviour.hpp"
#include "fixtures.hpp"

using namespace hs::ch04::test;

TEST_CASE("hs-ch04-server: prints its address and serves and stops cleanly on SIGTERM and SIGINT", "[ex4.6]") {
  hs::testing::behaviour::serves_and_stops_on_signals("hs-ch04-server");
}

TEST_CASE("hs-ch04-server: a port in use and bad options are reported clearly", "[ex4.6]") {
  hs::testing::behaviour::reports_port_in_use_and_bad_options("hs-ch04-server");
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--work", "sleep"},
                                               {"--rate", "100"},
                                               {"--io-threads", "0"},
                                               {"--metrics-port", "0", "--workers", "2"},
                                               {"--burst", "5"},
                                               {"--cpu-rounds-per-ms", "many", "--work", "cpu"},
                                               {"--cpu-rounds-per-ms", "-1", "--work", "cpu"},
                                               {"--cpu-rounds-per-ms", "1000000001", "--work", "cpu"},
                                               {"--cpu-rounds-per-ms", "1000", "--work", "timer"}}) {
    hs::testing::ChildProcess bad{hs::testing::program_path("hs-ch04-server"), args};
    CHECK(bad.wait() == 2);
    CHECK_THAT(bad.stderr_text(), Catch::Contains(args.front()));
  }
}

// The figure that sizes the CPU work is on stderr before the `listening on` line is on stdout: read
// then, it is there. (The measured figure depends on the machine; only its being logged is checked.)
TEST_CASE("hs-ch04-server: the CPU work's rounds per ms are logged at start-up even --quiet and the option sets them",
          "[ex4.6]") {
  {
    ServerProgram server{{"--quiet", "--work", "cpu-offload", "--work-ms", "1", "--cpu-rounds-per-ms", "1234"}};
    CHECK_THAT(server.stderr_text(), Catch::Contains("cpu work: 1234 hash rounds per ms (from --cpu-rounds-per-ms)"));
    auto c = RawSocket::connect("127.0.0.1", server.port());
    CHECK(handshake(c, 1).empty());  // 1,234 rounds on the pool
    hs::testing::behaviour::check_stops_cleanly(server, SIGTERM);
  }
  {
    ServerProgram server{{"--quiet", "--work", "cpu"}};
    CHECK_THAT(server.stderr_text(), Catch::Contains(" hash rounds per ms (measured at start-up)"));
    hs::testing::behaviour::check_stops_cleanly(server, SIGTERM);
  }
  ServerProgram server{{"--work", "offload"}};  // no hashing: nothing to say
  CHECK_THAT(server.stderr_text(), !Catch::Contains("hash rounds"));
  hs::testing::behaviour::check_stops_cleanly(server, SIGTERM);
}

TEST_CASE("hs-ch04-server --metrics-port 0: a second line names the endpoint that counts the handshakes", "[ex4.2]") {
  ServerProgram server{{"--quiet", "--metrics-port", "0", "--io-threads", "2"}};
  const std::string line = server.read_line();
  REQUIRE(line.starts_with("metrics on 127.0.0.1:"));
  const auto metrics_port = static_cast<std::uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));
  for (int i = 0; i < 3; ++i) {
    auto c = RawSocket::connect("127.0.0.1", server.port());
    CHECK(handshake(c, i).empty());
  }
  const bool counted = [&] {
    for (int attempt = 0; attempt < 3000; ++attempt) {  // counted just after the client sees the close
      const std::string body = http_get(metrics_port);
      if (body.find("hs_handshakes_completed_total 3\n") != std::string::npos) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }();
  CHECK(counted);
  CHECK(http_get(metrics_port).find("hs_breaker_state 0\n") != std::string::npos);
  hs::testing::behaviour::check_stops_cleanly(server, SIGTERM);
}

TEST_CASE("hs-ch04-server --workers 3: three processes share the port and all stop on SIGTERM", "[ex4.6]") {
  ServerProgram server{{"--workers", "3"}};
  for (int i = 0; i < 30; ++i) {
    auto c = RawSocket::connect("127.0.0.1", server.port());
    CHECK(handshake(c, i).empty());
  }
  {  // a second group on the same port would split its clients with ours: refused
    hs::testing::ChildProcess second{hs::testing::program_path("hs-ch04-server"),
                                     {"--port", std::to_string(server.port()), "--workers", "2"}};
    CHECK(second.wait() == 1);
    CHECK_THAT(second.stderr_text(), Catch::Contains("Address already in use"));
  }
  // Exit status 0 means every worker exited 0: the parent checks each one (workers.hpp).
  hs::testing::behaviour::check_stops_cleanly(server, SIGTERM);
  CHECK_THAT(server.stderr_text(), Catch::Contains("stopping 3 worker(s)"));
}
