// The programs a learner runs by hand: hs-ch01-server (exercises 1.1-1.3 together) and hs-client
// (exercise 1.4), as child processes, the way the README shows them.
#include <signal.h>

#include "../support/program_behaviour.hpp"
#include "fixtures.hpp"

using namespace hs::ch01::test;
using hs::testing::ChildProcess;
using hs::testing::program_path;

TEST_CASE("hs-ch01-server: prints its address and serves and stops cleanly on SIGTERM and SIGINT", "[ex1.3]") {
  hs::testing::behaviour::serves_and_stops_on_signals("hs-ch01-server");
}

TEST_CASE("hs-ch01-server: a port in use and bad options are reported clearly", "[ex1.3]") {
  hs::testing::behaviour::reports_port_in_use_and_bad_options("hs-ch01-server");
}

TEST_CASE("hs-client: prints the exchange and exits 0 (or 1 on a wrong reply or an ERROR line)", "[ex1.4]") {
  struct Row {
    const char* reply;
    int status;
    const char* expected_stdout;
    const char* expected_stderr;
  };
  const auto row = GENERATE(values<Row>({
      {"HELLO 42\n", 0, "-> HELLO 41\n<- HELLO 42\n-> HELLO 43\ndone", ""},
      {"HELLO 50\n", 1, "<- HELLO 50\n", "ERROR sequence expected 42 got 50\n(detected by this client)"},
      {"ERROR busy server at capacity\n", 1, "<- ERROR busy server at capacity\n",
       "ERROR busy server at capacity\n(sent by the server)"},
  }));
  RawListener listener;
  auto server = std::async(std::launch::async, [&listener, &row] {
    auto s = listener.accept();
    s.read_line();
    s.send(row.reply);
    s.read_line();  // Z, if it comes
  });
  ChildProcess client{program_path("hs-client"), {"--port", std::to_string(listener.port()), "--seq", "41"}};
  const auto status = client.wait();
  const auto out = client.rest_of_stdout();
  const auto err = client.stderr_text();
  INFO("stdout:\n" << out << "stderr:\n" << err);
  CHECK(status == row.status);
  CHECK_THAT(out, Catch::Contains(row.expected_stdout));
  CHECK_THAT(err, Catch::Contains(row.expected_stderr));
  server.get();
}

TEST_CASE("hs-client: no server is a clear error with exit status 1", "[ex1.4]") {
  std::uint16_t port = 0;
  {
    RawListener closed_soon;
    port = closed_soon.port();
  }
  ChildProcess client{program_path("hs-client"), {"--port", std::to_string(port)}};
  CHECK(client.wait() == 1);
  CHECK_THAT(client.stderr_text(), Catch::Contains("Connection refused"));
  // And with a server there, it works (this is what makes the test fail on an untouched stub).
  RawListener listener;
  auto server = std::async(std::launch::async, [&listener] {
    auto s = listener.accept();
    s.read_line();
    s.send("HELLO 2\n");
    s.read_line();
  });
  ChildProcess ok{program_path("hs-client"), {"--port", std::to_string(listener.port()), "--seq", "1"}};
  const auto status = ok.wait();
  INFO("stderr:\n" << ok.stderr_text());
  CHECK(status == 0);
  server.get();
}
