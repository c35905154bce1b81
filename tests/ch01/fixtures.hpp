// Fixtures for the chapter 01 tests. The servers and clients under test run on one side of a real
// loopback TCP connection; the other side is test support's scripted RawSocket, which is
// independent of the code under test.
//
// An exception thrown by the code under test in a background thread (an untouched stub, say) is
// never lost: the fixture closes the sockets so the test's reads end at once, and reports the
// exception when the test ends. So tests use CHECK (not REQUIRE) for what they read, and end by
// collecting the result.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <future>
#include <thread>

#include <catch2/catch.hpp>

#include "ch01/accept_loop.hpp"
#include "ch01/blocking_io.hpp"
#include "ch01/serve_connection.hpp"
#include "hs/net.hpp"
#include "hs/testing/child_process.hpp"
#include "hs/testing/in_process_server.hpp"
#include "hs/testing/raw_socket.hpp"
#include "hs/testing/server_program.hpp"

namespace hs::ch01::test {

using namespace std::chrono_literals;
using hs::testing::RawListener;
using hs::testing::RawSocket;
using hs::testing::ReadEnd;

/// A connected pair: `server` is a plain blocking socket for the code under test, `client` the
/// scripted test peer.
struct TcpPair {
  Fd server;
  RawSocket client;
};

inline TcpPair tcp_pair() {
  const Fd listener = listen_tcp("127.0.0.1", 0);
  RawSocket client = RawSocket::connect("127.0.0.1", local_endpoint(listener.get()).port);
  Fd server{::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC)};
  REQUIRE(server);
  return {std::move(server), std::move(client)};
}

/// serve_connection() on the server side of a pair, in a background thread.
class Serving {
 public:
  Serving(Fd fd, ServeOptions options)
      : result_{std::async(std::launch::async, [fd = std::move(fd), options]() mutable {
          const Fd owned = std::move(fd);  // closed here even if serve_connection throws
          return serve_connection(owned.get(), options);
        })} {}
  /// Waits for serve_connection() to return; rethrows what it threw.
  ServeResult result() { return result_.get(); }

 private:
  std::future<ServeResult> result_;
};

/// serve_connection() on the server side of a fresh loopback connection; `client` is the scripted
/// peer. The fixture tests/support/session_behaviour.hpp expects.
class Session {
 public:
  using Options = ServeOptions;
  explicit Session(ServeOptions options) : Session{tcp_pair(), options} {}
  /// How serving ended; rethrows what serve_connection() threw.
  ServeResult result() { return serving_.result(); }

  RawSocket client;  ///< the test's side of the connection

 private:
  Session(TcpPair pair, ServeOptions options)
      : client{std::move(pair.client)}, serving_{std::move(pair.server), options} {}
  Serving serving_;
};

/// accept_loop() in a background thread of the test; see hs/testing/in_process_server.hpp.
class InProcessServer : public testing::InProcessServer<AcceptStats> {
 public:
  explicit InProcessServer(ServerOptions options = {})
      : testing::InProcessServer<AcceptStats>{
            [options](int listen_fd, int stop_fd, const Logger& log, AcceptStats& stats) {
              accept_loop(listen_fd, stop_fd, options, log, stats);
            }} {}
};

/// The hs-ch01-server program (or its -ref twin, in the reference tests) on port 0.
class ServerProgram : public testing::ServerProgram {
 public:
  explicit ServerProgram(std::vector<std::string> args = {})
      : testing::ServerProgram{"hs-ch01-server", std::move(args)} {}
};

}  // namespace hs::ch01::test
