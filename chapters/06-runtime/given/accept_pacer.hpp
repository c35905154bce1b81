/// @file
/// The pace of a listener (given: no exercise): how many clients it takes in a row before the
/// other tasks run, and the pause after accept fails for lack of descriptors or memory. The same
/// for chapter 06's Server, which waits for readiness and then calls accept4(), and for chapter
/// 07's, which waits for the completions of one multishot accept: each listen() shows only that
/// difference, and leaves the pace to this.
#pragma once

#include <chrono>

#include "ch01/accept_loop.hpp"
#include "ch06/runtime.hpp"
#include "hs/log.hpp"

namespace hs::ch06 {

/// How a server runs: chapter 01's options (`serve`: the sessions' timeouts and work;
/// `accept_backoff`: the pause after accept fails for lack of resources).
using ServerOptions = ch01::ServerOptions;

/// What a server has done so far (accepts, outcomes, sessions open): chapter 01's ServerStats.
/// The server touches it from its one thread; a test may read it from another.
using ServerStats = ch01::ServerStats;

/// A listener's pace, kept between its accepts. Its owner (the Server) calls it on the runtime's
/// thread: turn_due() before each accept, accepted() or failed() after, waited() after a wait for
/// readiness, cancel() from stop().
class AcceptPacer {
 public:
  /// How many connections a listener takes in a row before the other tasks get a turn
  /// (Runtime::next_turn()): a flood of new clients must not starve the clients already served.
  static constexpr int batch = 32;

  /// The pace of a listener on `runtime`: pauses of options.accept_backoff, warnings to `log`,
  /// counts in `stats`. All three must outlive it.
  AcceptPacer(Runtime& runtime, const ServerOptions& options, const Logger& log, ServerStats& stats) noexcept
      : runtime_{runtime}, backoff_{runtime}, pause_{options.accept_backoff}, log_{log}, stats_{stats} {}

  /// True once `batch` connections have been taken in a row: the listener then lets the other
  /// tasks run (`co_await runtime.next_turn()`), and the next batch starts.
  bool turn_due() noexcept;
  /// The listener waited for readiness (chapter 06): the other tasks have run, a new batch starts.
  void waited() noexcept { in_a_row_ = 0; }

  /// A connection was accepted: counts it (accepted, open, the peak of open ones), one more in
  /// the batch; a burst of failures, if there was one, is over.
  void accepted() noexcept;
  /// Accepting failed with `error` (an errno value): counted, and handled as
  /// hs::classify_accept_failure() says. Returns true after EMFILE & co. (the first of a burst
  /// logged as `accept failed: ...`): the listener must then `co_await pause()` instead of
  /// retrying at once. Returns false for an error about one connection (take the next); throws
  /// std::system_error for any other.
  bool failed(int error);
  /// Awaitable: the pause after failed() returned true, options.accept_backoff on a Timer.
  /// Wake::cancelled after cancel().
  Timer::Wait pause() noexcept { return backoff_.wait_until(runtime_.now() + pause_); }
  /// Ends a pause, if one is on (the server's stop()).
  void cancel() { backoff_.cancel(); }

 private:
  Runtime& runtime_;                 ///< whose clock and timers the pause uses
  Timer backoff_;                    ///< the pause after EMFILE & co.; cancel() ends it
  std::chrono::milliseconds pause_;  ///< how long it lasts (`--accept-backoff`)
  const Logger& log_;                ///< where the first failure of a burst is reported
  ServerStats& stats_;               ///< accepts, accept errors, pauses
  int in_a_row_ = 0;                 ///< taken since the other tasks last had a turn
  bool in_backoff_ = false;          ///< in a burst of failures: log only its first
};

}  // namespace hs::ch06
