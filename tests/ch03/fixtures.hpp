// Fixtures for the chapter 03 tests. The code under test runs on an io_context in a background
// thread of the test, on one side of a real loopback TCP connection; the other side is test
// support's scripted RawSocket (plain POSIX, independent of Asio and of the code under test).
//
// An exception the code under test throws (an untouched stub, say) is never lost: the session
// fixture rethrows it from result(), and the server fixture reports it when the test ends.
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/use_future.hpp>
#include <catch2/catch.hpp>

#include "../support/session_behaviour.hpp"
#include "ch03/server.hpp"
#include "ch03/session.hpp"
#include "ch03/timeout.hpp"
#include "hs/exercise.hpp"
#include "hs/net.hpp"
#include "hs/testing/in_process_server.hpp"
#include "hs/testing/raw_socket.hpp"
#include "hs/testing/server_program.hpp"

namespace hs::ch03::test {

using namespace std::chrono_literals;
using hs::testing::handshake;
using hs::testing::RawSocket;
using hs::testing::ReadEnd;

using hs::testing::behaviour::machine_timeout;

/// A coroutine run to the end on a fresh io_context in a background thread. `make(io)` returns
/// the awaitable to run. The io_context runs until it has nothing left to do, or a generous
/// deadline passes: drained() tells which, so a test sees a timer or a read left behind.
template <typename T>
class Running {
 public:
  template <typename Make>
  explicit Running(Make make)
      : result_{asio::co_spawn(io_, make(io_), asio::use_future)}, thread_{[this] {
          io_.run_for(hs::testing::generous);
        }} {}
  Running(const Running&) = delete;
  Running& operator=(const Running&) = delete;
  ~Running() {
    if (thread_.joinable()) thread_.join();
  }

  /// Waits for the coroutine's value; rethrows what it threw. Fails the test if the io_context
  /// gave up on it (a watchdog that was never woken, a read that nothing cancelled).
  T result() {
    if (result_.wait_for(hs::testing::generous + std::chrono::seconds{5}) != std::future_status::ready) {
      FAIL("the coroutine under test was still waiting after " << hs::testing::generous.count()
                                                               << " ms: a timer or a read that nothing ended?");
    }
    return result_.get();
  }
  /// Waits for the io_context to stop; true if it ran out of work (rather than out of time).
  bool drained() {
    if (thread_.joinable()) thread_.join();
    return io_.stopped();
  }

 private:
  asio::io_context io_{1};
  std::future<T> result_;
  std::thread thread_;  // last: starts once the coroutine is spawned
};

/// session() on the server side of a loopback connection; `client` is the scripted peer.
class Session {
 public:
  using Options = SessionOptions;
  explicit Session(SessionOptions options = {}) : Session{connected_pair(), options} {}

  /// How the session ended; rethrows what it threw.
  SessionResult result() { return running_.result(); }

  RawSocket client;  ///< the test's side of the connection

 private:
  struct Pair {
    Fd server;
    RawSocket client;
  };
  static Pair connected_pair() {
    const Fd listener = listen_tcp("127.0.0.1", 0);
    RawSocket client = RawSocket::connect("127.0.0.1", local_endpoint(listener.get()).port);
    Fd server{::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC)};
    REQUIRE(server);
    return {std::move(server), std::move(client)};
  }
  Session(Pair pair, SessionOptions options)
      : client{std::move(pair.client)}, running_{[fd = pair.server.release(), options](asio::io_context& io) {
          return session(Socket{io, asio::ip::tcp::v4(), fd}, options);
        }} {}

  Running<SessionResult> running_;
};

/// The Server of exercises 3.3 and 3.4 on an io_context in a background thread, listening on a
/// loopback port picked by the OS; see hs/testing/in_process_server.hpp. The test's stop request
/// reaches it the way SIGTERM reaches hs-ch03-server: Server::stop() on the io_context's thread.
class InProcessServer : public testing::InProcessServer<ServerStats> {
 public:
  explicit InProcessServer(ServerOptions options = {})
      : testing::InProcessServer<ServerStats>{
            [options](int listen_fd, int stop_fd, const Logger& log, ServerStats& stats) {
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
            }} {}
};

/// The hs-ch03-server program (or its -ref twin, in the reference tests) on port 0.
class ServerProgram : public testing::ServerProgram {
 public:
  explicit ServerProgram(std::vector<std::string> args = {})
      : testing::ServerProgram{"hs-ch03-server", std::move(args)} {}
};

}  // namespace hs::ch03::test
