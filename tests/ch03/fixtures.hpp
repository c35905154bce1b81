// Fixtures for the chapter 03 tests. The code under test runs on an io_context in a background
// thread of the test, on one side of a real loopback TCP connection; the other side is test
// support's scripted RawSocket (plain POSIX, independent of Asio and of the code under test).
//
// An exception the code under test throws (an untouched stub, say) is never lost: the session
// fixture rethrows it from result(), and the server fixture reports it when the test ends.
#pragma once

#include <unistd.h>

#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/use_future.hpp>
#include <catch2/catch.hpp>

#include "../support/event_loop_behaviour.hpp"
#include "../support/fixtures.hpp"
#include "../support/running.hpp"
#include "ch03/server.hpp"
#include "ch03/session.hpp"
#include "ch03/timeout.hpp"
#include "hs/exercise.hpp"
#include "hs/net.hpp"

namespace hs::ch03::test {

using namespace hs::testing::prelude;
using behaviour::machine_timeout;
using hs::testing::Running;

/// session() on the server's end of a connection, on an io_context in a background thread.
class RunSession {
 public:
  using Options = SessionOptions;
  RunSession(Fd fd, SessionOptions options)
      : running_{[fd = fd.release(), options](asio::io_context& io) {
          return session(Socket{io, asio::ip::tcp::v4(), fd}, options);
        }} {}
  SessionResult result() { return running_.result(); }

 private:
  Running<SessionResult> running_;
};
/// The fixture tests/support/session_behaviour.hpp expects.
using Session = testing::Session<RunSession>;

/// The Server of exercises 3.3 and 3.4 on an io_context, for the fixture
/// tests/support/server_behaviour.hpp expects. The test's stop request reaches it the way SIGTERM
/// reaches hs-ch03-server: Server::stop() on the io_context's thread.
struct RunServer {
  using Options = ServerOptions;
  using Stats = ServerStats;
  static void run(const ServerOptions& options, int listen_fd, int stop_fd, const Logger& log, ServerStats& stats) {
    asio::io_context io{1};
    Server server{Acceptor{io, asio::ip::tcp::v4(), ::dup(listen_fd)}, options, log, stats};
    asio::posix::stream_descriptor stop{io, ::dup(stop_fd)};
    stop.async_wait(asio::posix::stream_descriptor::wait_read, [&](std::error_code error) {
      if (error) return;
      try {
        server.stop();
      } catch (const ExerciseNotDone&) {
        io.stop();  // exercise 3.4 is not done yet: its own tests say so; end this test's server anyway
      }
    });
    asio::co_spawn(io, server.listen(), [&](std::exception_ptr thrown) {
      stop.cancel();  // listen() is over: nothing left to stop
      if (thrown) std::rethrow_exception(thrown);
    });
    io.run();
  }
};
using InProcessServer = testing::Server<RunServer>;

/// The hs-ch03-server program (or its -ref twin, in the reference tests) on port 0.
inline constexpr char server_program[] = "hs-ch03-server";
using ServerProgram = testing::Program<server_program>;

}  // namespace hs::ch03::test
