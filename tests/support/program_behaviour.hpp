// What every chapter's server program must do on the command line, whatever its concurrency
// model (docs: README.md, "The chapters"): print `listening on ADDR:PORT`, serve, stop cleanly on
// SIGTERM and SIGINT, and report a port in use and bad options clearly. Each chapter's
// test_programs.cpp names the test cases and calls these with its program's name; the servers that
// finish a handshake in progress on SIGTERM (chapters 03, 06 and 07) list them all at once:
//
//     HS_PROGRAM_BEHAVIOUR_TEST_CASES("hs-ch06-server", "[ex6.4]", "[ex6.4]")
#pragma once

#include <signal.h>

#include <algorithm>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "../support/io_uring.hpp"
#include "hs/io_uring_probe.hpp"
#include "hs/testing/child_process.hpp"
#include "hs/testing/raw_socket.hpp"
#include "hs/testing/server_program.hpp"

namespace hs::testing::behaviour {

/// Sends `signal` and checks that the server exits 0; if not, shows what it wrote to stderr (an
/// untouched stub's message, say).
inline void check_stops_cleanly(ServerProgram& server, int signal) {
  const auto status = server.stop(signal);
  INFO("its stderr:\n" << server.stderr_text());
  CHECK(status == 0);
}

/// Prints its address, serves a pipelined handshake and a garbage client, and exits 0 on SIGTERM
/// and on SIGINT.
inline void serves_and_stops_on_signals(std::string_view program) {
  for (int signal : {SIGTERM, SIGINT}) {
    ServerProgram server{program, {"--quiet"}};
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
    check_stops_cleanly(server, signal);
  }
}

/// A second server on the same port exits 1 naming the problem and the fix; a duration without a
/// unit and a --bind that is a name exit 2; the first server is unharmed.
inline void reports_port_in_use_and_bad_options(std::string_view program) {
  ServerProgram first{program, {}};
  {
    ChildProcess second{program_path(program), {"--port", std::to_string(first.port())}};
    CHECK(second.wait() == 1);
    CHECK_THAT(second.stderr_text(), Catch::Contains("Address already in use") && Catch::Contains("--port 0"));
  }
  {
    ChildProcess bad{program_path(program), {"--read-timeout", "5"}};
    CHECK(bad.wait() == 2);
    CHECK_THAT(bad.stderr_text(), Catch::Contains("unit"));
  }
  {
    ChildProcess bad{program_path(program), {"--handshake-timeout", "10"}};
    CHECK(bad.wait() == 2);
    CHECK_THAT(bad.stderr_text(), Catch::Contains("unit"));
  }
  {
    ChildProcess bad{program_path(program), {"--bind", "localhost"}};
    CHECK(bad.wait() == 2);
    CHECK_THAT(bad.stderr_text(), Catch::Contains("not a numeric IP address"));
  }
  {
    auto c = RawSocket::connect("127.0.0.1", first.port());
    c.send("HELLO 1\nHELLO 3\n");
    CHECK(c.read_all() == "HELLO 2\n");
  }
  auto c = RawSocket::connect("127.0.0.1", first.port());
  CHECK(handshake(c, 1).empty());
  check_stops_cleanly(first, SIGTERM);
}

/// On SIGTERM, a handshake in progress is finished before the server exits 0: the server says it
/// waits for it (`waiting for 1 handshake`), serves its HELLO Z after the signal, and counts it
/// done. (The servers that stop this way: chapters 03, 06 and 07.)
inline void finishes_the_handshake_in_progress_on_sigterm(std::string_view program) {
  ServerProgram server{program, {}};  // not --quiet: the test waits for its "stopping" line
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

/// Where io_uring is refused (as in a container whose seccomp profile forbids it, made so by
/// hs-without-io-uring), the program exits 2 with one line on stderr, `PROGRAM: io_uring is
/// unavailable: ...`, and announces no address. REQUIREs: a skip after it must not hide a failure.
inline void reports_io_uring_refused(std::string_view program) {
  ChildProcess refused{without_io_uring_path(), {program_path(program), "--port", "0"}};
  REQUIRE(refused.wait() == exit_unavailable);
  const auto stderr_text = refused.stderr_text();
  INFO("its stderr:\n" << stderr_text);
  REQUIRE(refused.rest_of_stdout().empty());  // it never announced an address
  REQUIRE(std::count(stderr_text.begin(), stderr_text.end(), '\n') == 1);
  REQUIRE_THAT(stderr_text,
               Catch::StartsWith(fmt::format("{}: io_uring is unavailable: ", program)) && Catch::EndsWith("\n"));
}

}  // namespace hs::testing::behaviour

/// The test cases above, for the server program `program` (a string literal, which starts each
/// name), tagged `tag`, the stop's `stop_tag` (the exercise that writes the stop, when it is
/// another).
#define HS_PROGRAM_BEHAVIOUR_TEST_CASES(program, tag, stop_tag) \
  HS_PROGRAM_BEHAVIOUR_TEST_CASES_(program, tag, stop_tag, false, "a port in use and bad options are reported clearly")

/// The same for a program that needs io_uring: where this machine refuses it, the program must say
/// so (reports_io_uring_refused(), in the second test case: alone, it would check main() only, and
/// so pass on the untouched stubs), and the rest is skipped.
#define HS_IO_URING_PROGRAM_BEHAVIOUR_TEST_CASES(program, tag, stop_tag) \
  HS_PROGRAM_BEHAVIOUR_TEST_CASES_(program, tag, stop_tag, true,         \
                                   "io_uring refused or a port in use or bad options are reported clearly")

#define HS_PROGRAM_BEHAVIOUR_TEST_CASES_(program, tag, stop_tag, needs_io_uring, options_name)              \
  TEST_CASE(program ": prints its address and serves and stops cleanly on SIGTERM and SIGINT", tag) {       \
    if constexpr (needs_io_uring) HS_SKIP_WITHOUT_IO_URING();                                               \
    hs::testing::behaviour::serves_and_stops_on_signals(program);                                           \
  }                                                                                                         \
  TEST_CASE(program ": " options_name, tag) {                                                               \
    if constexpr (needs_io_uring) {                                                                         \
      hs::testing::behaviour::reports_io_uring_refused(program); /* REQUIREs: checked before a skip */      \
      HS_SKIP_WITHOUT_IO_URING();                                                                           \
    }                                                                                                       \
    hs::testing::behaviour::reports_port_in_use_and_bad_options(program);                                   \
  }                                                                                                         \
  TEST_CASE(program ": on SIGTERM a handshake in progress is finished before the server exits", stop_tag) { \
    if constexpr (needs_io_uring) HS_SKIP_WITHOUT_IO_URING();                                               \
    hs::testing::behaviour::finishes_the_handshake_in_progress_on_sigterm(program);                         \
  }
