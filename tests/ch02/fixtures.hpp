// Fixtures for the chapter 02 tests: the two server loops in a background thread of the test, and
// small helpers for clients that stall mid-handshake (they said HELLO X, got Y, and wait).
#pragma once

#include <chrono>
#include <string>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "../support/fixtures.hpp"
#include "ch02/pool_server.hpp"
#include "ch02/thread_per_connection.hpp"

namespace hs::ch02::test {

using namespace hs::testing::prelude;
using Server = hs::testing::InProcessServer<ServerStats>;

/// thread_per_connection_loop() under test.
inline Server::Loop thread_per_connection(ch01::ServerOptions options = {}) {
  return [options](int listen_fd, int stop_fd, const Logger& log, ServerStats& stats) {
    thread_per_connection_loop(listen_fd, stop_fd, options, log, stats);
  };
}

/// pool_loop() under test.
inline Server::Loop pool(PoolOptions pool_options, ch01::ServerOptions options = {}) {
  return [pool_options, options](int listen_fd, int stop_fd, const Logger& log, ServerStats& stats) {
    pool_loop(listen_fd, stop_fd, options, pool_options, log, stats);
  };
}

/// Each server as the server-behaviour suite (tests/support/server_behaviour.hpp) wants it: built
/// from the pause after EMFILE & co., and with the counts it checks.
template <Server::Loop (*make)(ch01::ServerOptions)>
class BehaviourServer : public Server {
 public:
  explicit BehaviourServer(std::chrono::milliseconds accept_backoff) : Server{make({{}, accept_backoff})} {}
  behaviour::Counts counts() { return behaviour::counts_of(stats().accept); }
};
inline Server::Loop default_pool(ch01::ServerOptions options) { return pool({4, 8, Overload::wait}, options); }
using ThreadPerConnectionServer = BehaviourServer<thread_per_connection>;  ///< exercise 2.1
using PoolServer = BehaviourServer<default_pool>;                          ///< exercise 2.3

/// Says HELLO x and returns the reply line (a stalled client: it does not send Z yet).
inline std::string hello(RawSocket& c, int x) {
  c.send(fmt::format("HELLO {}\n", x));
  return c.read_line();
}

/// Sends Z for `x` and returns what comes back before the close ("" when all went well).
inline std::string finish(RawSocket& c, int x) {
  c.send(fmt::format("HELLO {}\n", x + 2));
  return c.read_all();
}

}  // namespace hs::ch02::test
