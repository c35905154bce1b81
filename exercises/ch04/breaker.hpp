/// @file
/// Exercise 4.5: the circuit breaker. When a downstream service keeps failing, calling it anyway
/// only adds load to something already down and makes every client wait for the failure. After K
/// failures in a row the breaker opens and callers fail fast; after a cool-down, one probe call
/// finds out whether the downstream is back.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string_view>

#include "given/ch04/clock.hpp"

namespace hs::ch04 {

/// closed --(failures_to_open failures in a row)--> open --(cool_down passes)--> half-open;
/// half-open lets ONE probe through: its success closes the breaker, its failure opens it again.
///
/// The caller's duty: after each allow() that returned true, report the outcome of that call once,
/// with on_success() or on_failure() (a cancelled call counts as a failure). A probe that is never
/// reported keeps the breaker half-open, refusing everyone. A report that comes while the breaker
/// is open with no probe out (from a call let through before it opened) changes nothing: it
/// neither closes the breaker nor extends its cool-down.
///
/// Thread safety: every member may be called from any number of threads at once.
class CircuitBreaker {
 public:
  /// When to open, and for how long.
  struct Options {
    int failures_to_open = 5;                   ///< consecutive failures that open a closed breaker (>= 1)
    std::chrono::milliseconds cool_down{1000};  ///< how long it stays open before a probe (>= 0)
  };

  /// The three states. Half-open is open whose cool-down has passed, from the instant
  /// `opened + cool_down` on (that instant included): a probe may go (or has gone).
  enum class State {
    closed,    ///< calls go through; consecutive failures are counted
    open,      ///< calls are refused until the cool-down has passed
    half_open  ///< the cool-down has passed: one probe goes through
  };

  /// Throws std::invalid_argument if failures_to_open < 1 or cool_down < 0.
  explicit CircuitBreaker(Options options);

  /// Whether a call may go to the downstream at `now`. Closed: yes. Open: no. Half-open: yes for
  /// the first caller (the probe), then no until the probe's outcome is reported.
  bool allow(Clock::time_point now);
  /// A call let through by allow() succeeded: resets the failure count; a probe's success closes.
  void on_success();
  /// A call let through by allow() failed at `now`: counts towards opening; a probe's failure
  /// opens the breaker again, for a fresh cool-down from `now`.
  void on_failure(Clock::time_point now);

  /// The state at `now`.
  State state(Clock::time_point now) const;
  /// How many times the breaker has opened (re-opening after a failed probe counts too).
  std::uint64_t times_opened() const;

 private:
  void open(Clock::time_point now);  ///< closed or half-open -> open; the caller holds mutex_

  const Options options_;
  // A mutex, not atomics: opening changes several fields together (the state, when it opened, the
  // failure count, the probe flag), and another thread must never see half of that change.
  mutable std::mutex mutex_;
  bool open_ = false;              ///< open or half-open (which one depends on the time)
  int failures_ = 0;               ///< consecutive failures while closed
  Clock::time_point opened_at_{};  ///< when it last opened
  bool probing_ = false;           ///< half-open, and the probe has gone out
  std::uint64_t times_opened_ = 0;
};

/// "closed", "open" or "half-open" (for logs and the metrics endpoint).
std::string_view state_name(CircuitBreaker::State state) noexcept;

}  // namespace hs::ch04
