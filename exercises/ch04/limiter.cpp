// Exercise 4.4: the connection limiter.
// Read chapters/04-production/README.md#exercise-44, then replace the stubs below.
#include "ch04/limiter.hpp"

#include <utility>

#include "hs/exercise.hpp"

namespace hs::ch04 {

std::optional<ConnectionLimiter::Permit> ConnectionLimiter::try_acquire() {
  // TODO(ex 4.4): take a slot with a compare-exchange loop on in_use_: read the count; if it is
  // max_ or more, refuse; else swap in count + 1, and if another thread changed the count meanwhile,
  // look again. (Why not fetch_add, then fetch_sub if that went over? See the README.)
  exercise_not_done("4.4", "04-production");
}

std::size_t ConnectionLimiter::in_use() const { exercise_not_done("4.4", "04-production"); }

// Given: the slot moves to the new permit; the old one holds nothing.
ConnectionLimiter::Permit::Permit(Permit&& other) noexcept : owner_{std::exchange(other.owner_, nullptr)} {}

ConnectionLimiter::Permit& ConnectionLimiter::Permit::operator=([[maybe_unused]] Permit&& other) noexcept {
  // TODO(ex 4.4): give back the slot this permit holds (if any), then take other's, leaving other
  // empty. Careful with `p = std::move(p)`. (This stub cannot throw: the operator is noexcept.)
  return *this;
}

// Given.
ConnectionLimiter::Permit::~Permit() { release(); }

void ConnectionLimiter::Permit::release() noexcept {
  // TODO(ex 4.4): if this permit holds a slot, give it back to its limiter (in_use_ is reachable
  // from here: a nested class may use its enclosing class's private members) and hold nothing,
  // so that a second call does nothing. (No exception here: a destructor calls this.)
}

}  // namespace hs::ch04
