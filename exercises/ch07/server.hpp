/// @file
/// Exercise 7.3: the server on completions. One multishot accept is submitted once, and each
/// client that connects is a completion carrying its descriptor: no accept4() per client, no
/// readiness to wait for. The stop cancels that accept through the ring, answers the queue and
/// lets the sessions finish. Chapter 06's Server, with the accepting turned inside out.
#pragma once

#include "ch01/accept_loop.hpp"
#include "ch06/runtime.hpp"
#include "ch06/task.hpp"
#include "ch07/ring.hpp"
#include "ch07/session.hpp"
#include "given/ch06/accept_pacer.hpp"
#include "given/ch06/session_done.hpp"
#include "hs/log.hpp"
#include "hs/net.hpp"

namespace hs::ch07 {

/// Chapter 06's (and 01's) options: `serve` for the sessions, `accept_backoff` after EMFILE & co.
using ch06::ServerOptions;
/// Chapter 01's counters: accepts, outcomes, sessions open.
using ch06::ServerStats;

/// A HELLO server on one Ring. As chapter 06's: the caller binds the listener, keeps everything
/// alive until ring.run() returns, and decides when to call stop().
class Server {
 public:
  /// Serves connections arriving on `listener`, which must be listening (it is made non-blocking,
  /// for the stop's ch01::refuse_queued()).
  Server(Ring& ring, Fd listener, ServerOptions options, const Logger& log, ServerStats& stats);

  /// The listener: submits a multishot accept, and spawns session() for each connection it
  /// completes with, at chapter 06's given AcceptPacer's pace (at most AcceptPacer::batch in a row
  /// before runtime.next_turn()), counting and logging each session as chapter 06 does (the peer
  /// from getpeername(), only when logged). The accept ends with a completion without
  /// IORING_CQE_F_MORE: after an error about one connection it is submitted again at once; after
  /// EMFILE & co. the pacer pauses options.accept_backoff (one warning per burst) and then it is
  /// submitted again; any other error is thrown. After stop(), every descriptor it takes (even one
  /// accepted before the stop) is answered `ERROR shutdown` and not counted, and an error is no
  /// failure; once the stream has nothing more (its last completion seen, every one taken), the
  /// clients queued since stop() are answered `ERROR shutdown` too, the listener is closed and
  /// listen() returns. Started after stop(), it submits nothing (the queue is
  /// answered already: an accept would wait forever) and returns.
  Task<void> listen();

  /// The graceful stop: cancels the multishot accept (IORING_OP_ASYNC_CANCEL), answers the
  /// connections still queued in the kernel with `ERROR shutdown`, ends a back-off pause, and logs
  /// `waiting for N handshake(s)` when some are in progress. In-flight sessions finish; ring.run()
  /// returns after the last. Call it on the ring's thread; again, it does nothing.
  void stop();

 private:
  Ring& ring_;               ///< where the accept and the sessions' I/O are submitted
  Fd listener_;              ///< closed by listen() once the stream has nothing more
  Stream accepts_;           ///< the multishot accept
  ch06::AcceptPacer pacer_;  ///< the batch, and the pause after EMFILE & co. (stop() ends it)
  ServerOptions options_;    ///< timeouts for every session, and the back-off
  const Logger& log_;        ///< one line per session outcome (unless --quiet)
  ServerStats& stats_;       ///< owned by the caller
  bool stopping_ = false;    ///< stop() was called
};

}  // namespace hs::ch07
