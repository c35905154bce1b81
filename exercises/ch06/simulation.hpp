/// @file
/// Exercise 6.5: testing async code. A Simulation is a Runtime on a VirtualClock, driven by the
/// test: time stands still until the test advances it, and then it moves in steps, from one timer
/// to the next, running at each step whatever became ready. A test of a 5-second deadline takes
/// microseconds, and runs the same way every time (README, "Testing async code").
///
/// Only the clock is simulated: descriptors are real. For the same run every time, a test keeps
/// both ends of its connections on its own thread (socketpair(): bytes written are readable at
/// the other end as soon as write() returns) and calls run_until_stalled() after each thing it does.
#pragma once

#include <chrono>

#include "ch06/runtime.hpp"
#include "given/ch06/clock.hpp"

namespace hs::ch06 {

/// A Runtime on a VirtualClock, for tests.
class Simulation {
 public:
  /// A runtime whose wheel ticks every `tick` (of virtual time).
  explicit Simulation(Duration tick = default_tick) : runtime_{clock_, tick} {}

  /// The runtime: spawn tasks on it, watch descriptors with it.
  Runtime& runtime() noexcept { return runtime_; }
  /// The virtual time now.
  TimePoint now() const { return clock_.now(); }

  /// Runs everything that can run without time passing: ready tasks, and tasks whose descriptors
  /// are ready; returns when a turn finds nothing to do.
  void run_until_stalled();
  /// Moves time forward by `by`, not in one jump but in steps: to each time the wheel has a timer
  /// to visit before the end, running what became ready at each step (so a timer armed by a task
  /// that another timer woke fires in this same advance, at its own time); then to the end, and
  /// runs what is ready there. Time never moves while something can still run.
  void advance(Duration by);

 private:
  VirtualClock clock_;  ///< moved only by advance()
  Runtime runtime_;     ///< on clock_
};

}  // namespace hs::ch06
