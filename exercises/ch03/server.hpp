/// @file
/// Exercises 3.3 and 3.4: the listener and the graceful stop. One thread, one io_context: the
/// listener coroutine accepts and starts a session coroutine per connection, and carries on at
/// once; the sessions take turns on the thread, each running until its next co_await.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "ch01/accept_loop.hpp"
#include "ch03/session.hpp"
#include "ch03/timeout.hpp"
#include "hs/log.hpp"

namespace hs::ch03 {

/// How the server runs.
struct ServerOptions {
  SessionOptions session;                         ///< per-connection timeouts and work
  std::chrono::milliseconds accept_backoff{100};  ///< pause after accept fails for lack of resources
};

/// What the server has done so far (accepts, outcomes, sessions open): chapter 01's ServerStats.
/// The server touches it from its one thread; a test may read it from another.
using ServerStats = ch01::ServerStats;

/// A HELLO server on one io_context. The caller owns everything: it binds the acceptor (so tests
/// can use port 0), keeps `log`, `stats` and the Server alive until the io_context's run() has
/// returned, and decides when to call stop() (main() on SIGINT/SIGTERM, a test when it likes).
class Server {
 public:
  /// Serves connections arriving on `acceptor`, which must be open and listening.
  Server(Acceptor acceptor, ServerOptions options, const Logger& log, ServerStats& stats);

  /// Exercise 3.3: the listener. Accepts connections until stop() and starts session() for each,
  /// without waiting for it. Counts and logs each session's outcome with its peer when it ends. An
  /// exception that escapes a session is never dropped: it is logged with the peer, or rethrown from
  /// the io_context's run() if it is an ExerciseNotDone. Running out of file descriptors or memory makes it pause
  /// options.accept_backoff instead of spinning. Returns once stop() has been called; sessions
  /// still running carry on to their end.
  Awaitable<void> listen();

  /// Exercise 3.4: the graceful stop. Stops accepting at once: answers the connections still
  /// waiting in the kernel's queue with `ERROR shutdown`, closes the acceptor and ends any back-off
  /// pause, so that listen() returns. In-flight sessions are left to finish (each within its
  /// handshake deadline); the io_context's run() returns when the last one has. When there are
  /// some, it logs a line containing `waiting for N handshake(s)`. Call it on the
  /// io_context's thread (asio::post() to it from elsewhere). Calling it again does nothing.
  void stop();

 private:
  Acceptor acceptor_;      ///< closed by stop(): that is what ends listen()
  Timer backoff_;          ///< the pause after EMFILE & co.; stop() cancels it
  ServerOptions options_;  ///< timeouts for every session, and the back-off
  const Logger& log_;      ///< one line per session outcome (unless --quiet)
  ServerStats& stats_;     ///< owned by the caller, who may read it from another thread
};

}  // namespace hs::ch03
