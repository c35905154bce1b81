/// @file
/// Exercise 6.3: the timer wheel. Every deadline of every connection goes into one hashed wheel:
/// an array of slots, one per tick of time (default_tick, 10 ms), each a list of the timers that fall
/// due in it. Arming a timer links its entry into the slot of its tick and cancelling unlinks it:
/// O(1) each, whatever the number of timers, where a heap pays O(log n). Time passing visits the
/// slots it crosses, each visit costing the entries in that slot (README, "A wheel, not a heap").
/// The price is precision: a timer fires on the first tick at or after its deadline, never before
/// it and at most one tick late.
///
/// The wheel allocates nothing per timer: the Entry lives in whatever waits for it (an awaitable
/// in a task's frame), and the wheel only links it. A timer further ahead than one turn of the
/// wheel (slots * tick) stays in its slot for as many turns as it needs.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "ch06/waiter.hpp"
#include "given/ch06/clock.hpp"

namespace hs::ch06 {

/// The tick of every wheel unless told otherwise (the Runtime's, the Simulation's, chapter 07's
/// deadlines): a timer fires at most this late, and an idle server wakes at most this often.
inline constexpr Duration default_tick = std::chrono::milliseconds{10};

/// A wheel of timers, driven by the time given to expire() (the Runtime's clock).
class TimerWheel {
 public:
  /// One armed timer: a node of its slot's list, and the task it wakes. Owned by the caller, who
  /// must cancel it (or let it fire) before destroying it (asserted in a debug build).
  struct Entry {
    Entry* prev = nullptr;       ///< the slot's list (doubly linked: O(1) cancel)
    Entry* next = nullptr;       ///< the slot's list
    std::uint64_t due_tick = 0;  ///< the tick whose visit fires it
    Waiter* waiter = nullptr;    ///< woken with Wake::timeout when it fires
    bool armed = false;          ///< linked into the wheel now

    Entry() = default;
    Entry(const Entry&) = delete;  // the wheel points at it: it must not move while armed
    Entry& operator=(const Entry&) = delete;
    ~Entry() { assert(!armed && "a timer wheel entry destroyed while armed: cancel it first"); }
  };

  /// A wheel whose time starts at `start`, `slots` slots of `tick` each.
  explicit TimerWheel(TimePoint start, Duration tick = default_tick, std::size_t slots = 1024);

  /// Links `entry` to fire at the first tick at or after `deadline` (the next tick if that is
  /// already past: a timer never fires during the call that arms it). Arming an armed entry moves it.
  void arm(Entry& entry, TimePoint deadline);
  /// Unlinks `entry` if it is armed; does nothing otherwise.
  void cancel(Entry& entry);
  /// Moves the wheel's time to `now`, visiting every slot it passes, and returns the entries that
  /// fell due (their tick is at or before `now`'s), unlinked and no longer armed, as a list chained
  /// through `next` (null if none), earlier ticks first (for a move of up to one turn of the wheel;
  /// after a longer jump, in the order of the slots). The caller wakes their waiters.
  Entry* expire(TimePoint now);
  /// When the next slot holding an entry comes round (a time to sleep until), or nothing if none
  /// is armed. (That slot's entries may be due only on a later turn: waking then finds nothing.)
  std::optional<TimePoint> next_visit() const;

  /// How many entries are armed.
  std::size_t size() const noexcept { return size_; }
  /// True when none is.
  bool empty() const noexcept { return size_ == 0; }
  /// The length of a tick.
  Duration tick() const noexcept { return tick_; }

 private:
  /// The tick `t` falls in, counted from start_ (rounded down).
  std::uint64_t tick_of(TimePoint t) const noexcept;
  /// Unlinks the entries of slot `tick % slots` due at `tick` or before, and puts them on `due`.
  void take_due(std::uint64_t tick, Entry*& due) noexcept;

  TimePoint start_;                 ///< time of tick 0
  Duration tick_;                   ///< the length of a tick
  std::size_t slots_;               ///< how many slots
  std::unique_ptr<Entry*[]> slot_;  ///< each slot's first entry (or null)
  std::uint64_t now_tick_ = 0;      ///< every tick up to this one has been visited
  std::size_t size_ = 0;            ///< armed entries
};

}  // namespace hs::ch06
