// Exercise 6.5: a runtime on virtual time (README, "Exercise 6.5").
#include "ch06/simulation.hpp"

#include "hs/exercise.hpp"

namespace hs::ch06 {

// TODO(ex 6.5): everything that can run without time passing.
void Simulation::run_until_stalled() { exercise_not_done("6.5", "06-runtime"); }

// TODO(ex 6.5): time moves in steps, from timer to timer.
void Simulation::advance(Duration) { exercise_not_done("6.5", "06-runtime"); }

}  // namespace hs::ch06
