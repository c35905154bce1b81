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

#include <chrono>
#include <exception>
#include <atomic>
#include <functional>
#include <future>
#include <thread>

#include <catch2/catch.hpp>

#include "ch00/server_handshake.hpp"
#include "ch01/accept_loop.hpp"
#include "ch01/blocking_io.hpp"
#include "ch01/serve_connection.hpp"
#include "hs/net.hpp"
#include "hs/testing/child_process.hpp"
#include "hs/testing/raw_socket.hpp"
#include "hs/testing/in_process_server.hpp"
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

/// What the chapter 00 reference machine answers to `input`: the exact bytes a server built on it
/// must send. (The ch01 code drives the ch00 *reference* machine, so its ERROR lines are these.)
inline std::string machine_reply(std::string_view input) { return ch00::ServerHandshake{}.on_bytes(input).out; }
inline std::string machine_timeout(Timeout which, std::string_view input = {}) {
  ch00::ServerHandshake machine;
  machine.on_bytes(input);
  return machine.on_timeout(which).out;
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

/// accept_loop() in a background thread of the test; see hs/testing/in_process_server.hpp.
class InProcessServer : public testing::InProcessServer<AcceptStats> {
 public:
  explicit InProcessServer(ServerOptions options = {})
      : testing::InProcessServer<AcceptStats>{[options](int listen_fd, int stop_fd, const Logger& log,
                                                        AcceptStats& stats) {
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
