// Exercise 4.5: the circuit breaker.
// Read chapters/04-production/README.md#exercise-45, then replace the stubs below.
#include "ch04/breaker.hpp"

#include <stdexcept>

#include "hs/exercise.hpp"

namespace hs::ch04 {

namespace {

// Given: the constructor's checks.
CircuitBreaker::Options validated(CircuitBreaker::Options options) {
  if (options.failures_to_open < 1) throw std::invalid_argument("a circuit breaker needs failures_to_open >= 1");
  if (options.cool_down.count() < 0) throw std::invalid_argument("a circuit breaker needs a cool_down >= 0");
  return options;
}

}  // namespace

// Given.
CircuitBreaker::CircuitBreaker(Options options) : options_{validated(options)} {}

bool CircuitBreaker::allow([[maybe_unused]] Clock::time_point now) {
  // TODO(ex 4.5): under the lock. Closed: true. Open and the cool-down (since opened_at_) not yet
  // over: false. Over: half-open, so true for the first caller only (it becomes the probe), false
  // for everyone after it until the probe's outcome is reported.
  exercise_not_done("4.5", "04-production");
}

void CircuitBreaker::on_success() {
  // TODO(ex 4.5): closed: reset the consecutive-failure count. The probe succeeded: close.
  exercise_not_done("4.5", "04-production");
}

void CircuitBreaker::on_failure([[maybe_unused]] Clock::time_point now) {
  // TODO(ex 4.5): closed: count it, and open at failures_to_open in a row. The probe failed: open
  // again, with a fresh cool-down from `now`. Each opening counts in times_opened().
  exercise_not_done("4.5", "04-production");
}

CircuitBreaker::State CircuitBreaker::state([[maybe_unused]] Clock::time_point now) const {
  // TODO(ex 4.5): closed, open, or half-open (open, and the cool-down has passed by `now`).
  exercise_not_done("4.5", "04-production");
}

std::uint64_t CircuitBreaker::times_opened() const { exercise_not_done("4.5", "04-production"); }

// Given.
std::string_view state_name(CircuitBreaker::State state) noexcept {
  switch (state) {
    case CircuitBreaker::State::closed: return "closed";
    case CircuitBreaker::State::open: return "open";
    case CircuitBreaker::State::half_open: return "half-open";
  }
  return "unknown";
}

}  // namespace hs::ch04
