// Fixtures for the chapter 01 tests. The servers and clients under test run on one side of a real
// loopback TCP connection; the other side is test support's scripted RawSocket, which is
// independent of the code under test.
//
// An exception thrown by the code under test in a background thread (an untouched stub, say) is
// never lost: the fixture closes the sockets so the test's reads end at once, and reports the
// exception when the test ends. So tests use CHECK (not REQUIRE) for what they read, and end by
// collecting the result.
#pragma once

#include <future>

#include <catch2/catch.hpp>

#include "../support/fixtures.hpp"
#include "ch01/accept_loop.hpp"
#include "ch01/blocking_io.hpp"
#include "ch01/serve_connection.hpp"
#include "hs/net.hpp"

namespace hs::ch01::test {

using namespace hs::testing::prelude;

/// serve_connection() on the server's end of a connection, in a background thread.
class ServeConnection {
 public:
  using Options = ServeOptions;
  ServeConnection(Fd fd, ServeOptions options)
      : result_{std::async(std::launch::async, [fd = std::move(fd), options]() mutable {
          const Fd owned = std::move(fd);  // closed here even if serve_connection throws
          return serve_connection(owned.get(), options);
        })} {}
  ServeResult result() { return result_.get(); }

 private:
  std::future<ServeResult> result_;
};
/// The fixture tests/support/session_behaviour.hpp expects.
using Session = testing::Session<ServeConnection>;

/// accept_loop(), for the fixture tests/support/server_behaviour.hpp expects.
struct RunAcceptLoop {
  using Options = ServerOptions;
  using Stats = AcceptStats;
  static void run(const ServerOptions& options, int listen_fd, int stop_fd, const Logger& log, AcceptStats& stats) {
    accept_loop(listen_fd, stop_fd, options, log, stats);
  }
};
using InProcessServer = testing::Server<RunAcceptLoop>;

/// The hs-ch01-server program (or its -ref twin, in the reference tests) on port 0.
inline constexpr char server_program[] = "hs-ch01-server";
using ServerProgram = testing::Program<server_program>;

}  // namespace hs::ch01::test
