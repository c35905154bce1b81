/// @file
/// The clock a Runtime reads (given: no exercise). The runtime never asks the system for the time:
/// it asks the Clock it was given. In a server that is SteadyClock; in a test it is a VirtualClock,
/// which stands still until the test moves it, so a 5-second deadline can be tested in
/// microseconds, the same way every run (exercise 6.5, README "Testing async code").
#pragma once

#include <chrono>

namespace hs::ch06 {

/// Every time in this chapter: a steady (monotonic) time point, from either clock.
using TimePoint = std::chrono::steady_clock::time_point;
/// Every duration in this chapter.
using Duration = std::chrono::steady_clock::duration;

/// Where a Runtime gets the time from.
class Clock {
 public:
  virtual ~Clock() = default;
  /// The time now, as this clock sees it. Never goes backwards.
  virtual TimePoint now() const = 0;
};

/// The system's monotonic clock: what servers run on.
class SteadyClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
};

/// A clock that moves only when told to: what deterministic tests run on. It starts at an
/// arbitrary time, far from the epoch (a deadline computed as `now() - 1s` is still a valid time).
class VirtualClock final : public Clock {
 public:
  TimePoint now() const override { return now_; }
  /// Moves the clock to `later` (ignored if it is earlier than now: time never goes backwards).
  void set(TimePoint later) {
    if (later > now_) now_ = later;
  }

 private:
  TimePoint now_ = TimePoint{} + std::chrono::hours{24};  ///< "now", as far as the runtime knows
};

}  // namespace hs::ch06
