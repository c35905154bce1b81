/// @file
/// Exercise 3.1: the timeout helper. A coroutine cannot be interrupted from outside, but the
/// operation it waits for can be cancelled. So a timeout is a race: run the operation and a
/// watchdog timer side by side (`||` from Asio's awaitable operators); whichever finishes first
/// wins, and the other is cancelled and waited for.
#pragma once

#include <algorithm>
#include <chrono>
#include <optional>

#include "given/ch03/asio_types.hpp"
#include "hs/protocol.hpp"

namespace hs::ch03 {

/// The clock every deadline of this chapter is measured on (the one Timer uses).
using Clock = std::chrono::steady_clock;

/// The two clocks of a handshake (docs/protocol.md, "Timeouts"): one for the message being waited
/// for, one for the whole handshake. The session moves `message` as messages arrive, while the
/// watchdog of with_deadlines() waits: the watchdog reads the deadlines again each time it wakes.
/// A deadline moved later needs nothing more. A deadline moved *earlier* needs wake(): the watchdog
/// sleeps until the earliest deadline it last read, and would notice the change only then.
struct Deadlines {
  Clock::time_point message;    ///< the current message must have arrived by then
  Clock::time_point handshake;  ///< the whole handshake must be over by then
  Timer* watchdog = nullptr;    ///< the watchdog's timer while it waits (the watchdog sets it, and clears it)
  bool woken = false;           ///< set by wake(): the watchdog's wait was cut short to read again, not cancelled

  /// The deadline that comes first.
  Clock::time_point earliest() const noexcept { return std::min(message, handshake); }
  /// Which clock runs out first; the handshake's when they are equal (it is the one that cannot move).
  Timeout which() const noexcept { return handshake <= message ? Timeout::handshake : Timeout::read; }
  /// Makes a waiting watchdog read the deadlines again now. Call it after moving one earlier, on
  /// the executor the race runs on (the watchdog's timer is touched only there).
  void wake() {
    if (watchdog == nullptr) return;  // not waiting: it reads them before it waits again
    woken = true;
    watchdog->cancel();
  }
};

/// Runs `operation` against `deadlines`. Returns nothing when the operation finished first; or which
/// clock ran out first, once the operation has been cancelled and has finished. Either way the
/// operation is over when this returns, so it may safely refer to the caller's variables.
///
/// The watchdog reads `deadlines` again whenever it wakes, so the operation may move them (the next
/// message gets a fresh read timeout), and calls wake() after moving one earlier. While it waits,
/// the watchdog keeps its timer in `deadlines.watchdog`, and null again once it has returned (a
/// wake() then does nothing). It clears `deadlines.woken` before each wait: a wait that ends
/// cancelled with the flag set is a wake-up (read the deadlines, wait again); any other
/// cancellation ends it.
/// The operation must report errors as values, not exceptions: `||` waits for the first
/// *successful* finisher, and an operation that throws does not end the race.
Awaitable<std::optional<Timeout>> with_deadlines(Awaitable<void> operation, Deadlines& deadlines);

}  // namespace hs::ch03
