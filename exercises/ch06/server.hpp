/// @file
/// Exercise 6.4 (2 of 2): the server on your runtime. The listener is a task that accepts until the
/// stop and spawns a session task per connection; the stop answers the queued clients, closes the
/// listener and lets the sessions finish. Chapter 03's Server, with Asio taken out.
#pragma once

#include "ch01/accept_loop.hpp"
#include "ch06/runtime.hpp"
#include "ch06/session.hpp"
#include "ch06/task.hpp"
#include "given/ch06/accept_pacer.hpp"
#include "given/ch06/session_done.hpp"
#include "hs/log.hpp"
#include "hs/net.hpp"

namespace hs::ch06 {

/// A HELLO server on one Runtime. The caller owns everything: it binds the listener (so tests can
/// use port 0), keeps `runtime`, `log`, `stats` and the Server alive until the runtime's run() has
/// returned, and decides when to call stop().
class Server {
 public:
  /// Serves connections arriving on `listener`, which must be listening (it is made
  /// non-blocking); any descriptor, 0 included (where a program started with its standard input
  /// closed gets its first socket).
  Server(Runtime& runtime, Fd listener, ServerOptions options, const Logger& log, ServerStats& stats);

  /// The listener: accepts connections until stop() and spawns session() for each, without
  /// waiting for it, at the given AcceptPacer's pace: at most AcceptPacer::batch in a row before it
  /// lets the other tasks run (a new batch also starts after each wait for readiness), and a pause
  /// of options.accept_backoff on its Timer after running out of file descriptors or memory, with
  /// one warning per burst (`accept failed: ...`); an error about one connection is skipped; any
  /// other is thrown. Counts and logs each session's outcome with its peer (the address accept()
  /// gave) when it ends; an exception that escapes a session is logged with the peer, or rethrown
  /// (from the runtime's run()) if it is an ExerciseNotDone. Returns once stop() has been called;
  /// sessions still running carry on to their end.
  Task<void> listen();

  /// The graceful stop: answers the connections still waiting in the kernel's queue with
  /// `ERROR shutdown`, closes the listener and ends a back-off pause, so that listen() returns.
  /// In-flight sessions finish (each within its handshake deadline), and the runtime's run()
  /// returns when the last one has. When there are some, logs a line containing `waiting for N
  /// handshake(s)`. Call it on the runtime's thread. Calling it again does nothing.
  void stop();

 private:
  Runtime& runtime_;       ///< where the listener and the sessions run
  WatchedFd listener_;     ///< closed by stop(): that is what ends listen()
  AcceptPacer pacer_;      ///< the batch, and the pause after EMFILE & co. (stop() ends it)
  ServerOptions options_;  ///< timeouts for every session, and the back-off
  const Logger& log_;      ///< one line per session outcome (unless --quiet)
  ServerStats& stats_;     ///< owned by the caller, who may read it from another thread
};

}  // namespace hs::ch06
