// Exercise 6.5 (reference): a runtime on virtual time, advanced by the test.
#include "ch06/simulation.hpp"

namespace hs::ch06 {

void Simulation::run_until_stalled() { runtime_.poll(); }

void Simulation::advance(Duration by) {
  const TimePoint end = clock_.now() + by;
  run_until_stalled();  // what is ready now runs before time moves
  // Step from visit to visit: each step may arm timers that fall before `end`; next_visit() sees them.
  for (auto visit = runtime_.timers().next_visit(); visit && *visit <= end; visit = runtime_.timers().next_visit()) {
    clock_.set(*visit);
    run_until_stalled();
  }
  clock_.set(end);
  run_until_stalled();
}

}  // namespace hs::ch06
