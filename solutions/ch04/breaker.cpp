// Exercise 4.5 (reference): a circuit breaker, with a single half-open probe.
// Every member takes the one mutex, reads or changes the fields together, and lets go: the
// critical sections are a few comparisons long, so threads of the io_context barely wait.
#include "ch04/breaker.hpp"

#include <stdexcept>

namespace hs::ch04 {

namespace {

CircuitBreaker::Options validated(CircuitBreaker::Options options) {
  if (options.failures_to_open < 1) throw std::invalid_argument("a circuit breaker needs failures_to_open >= 1");
  if (options.cool_down.count() < 0) throw std::invalid_argument("a circuit breaker needs a cool_down >= 0");
  return options;
}

}  // namespace

CircuitBreaker::CircuitBreaker(Options options) : options_{validated(options)} {}

bool CircuitBreaker::allow(Clock::time_point now) {
  const std::lock_guard lock{mutex_};
  if (!open_) return true;
  if (now < opened_at_ + options_.cool_down) return false;  // open: fail fast
  // Half-open: the first caller to get here is the probe; the flag is set under the same lock it
  // is read under, so two threads cannot both see "no probe yet".
  if (probing_) return false;
  probing_ = true;
  return true;
}

void CircuitBreaker::on_success() {
  const std::lock_guard lock{mutex_};
  if (!open_) {
    failures_ = 0;  // the failures must be consecutive
  } else if (probing_) {
    open_ = false;  // the probe got through: the downstream is back
    probing_ = false;
    failures_ = 0;
  }
  // Open with no probe out: a late report from a call let through before the breaker opened. It
  // says nothing about the downstream now, so it changes nothing. (Reports are not matched to
  // calls: such a late report that arrives while a probe is out is taken as the probe's.)
}

void CircuitBreaker::on_failure(Clock::time_point now) {
  const std::lock_guard lock{mutex_};
  if (!open_) {
    if (++failures_ >= options_.failures_to_open) open(now);
  } else if (probing_) {
    open(now);  // the probe failed: a fresh cool-down from now
  }
}

CircuitBreaker::State CircuitBreaker::state(Clock::time_point now) const {
  const std::lock_guard lock{mutex_};
  if (!open_) return State::closed;
  return now < opened_at_ + options_.cool_down ? State::open : State::half_open;
}

std::uint64_t CircuitBreaker::times_opened() const {
  const std::lock_guard lock{mutex_};
  return times_opened_;
}

void CircuitBreaker::open(Clock::time_point now) {
  open_ = true;
  opened_at_ = now;
  probing_ = false;
  failures_ = 0;
  ++times_opened_;
}

std::string_view state_name(CircuitBreaker::State state) noexcept {
  switch (state) {
    case CircuitBreaker::State::closed: return "closed";
    case CircuitBreaker::State::open: return "open";
    case CircuitBreaker::State::half_open: return "half-open";
  }
  return "unknown";
}

}  // namespace hs::ch04
