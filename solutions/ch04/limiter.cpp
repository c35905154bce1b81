// Exercise 4.4 (reference): a lock-free connection limiter, and its RAII permits.
// The count never goes above max, not even for an instant: a slot is taken by a compare-exchange
// that succeeds only if the count it read is still the count, and is still below max.
#include "ch04/limiter.hpp"

#include <utility>

namespace hs::ch04 {

// Relaxed is enough: the count guards no other memory (a slot is a number, not a buffer), and all
// changes to one atomic are totally ordered whatever the memory order, so none is lost.
constexpr auto relaxed = std::memory_order_relaxed;

std::optional<ConnectionLimiter::Permit> ConnectionLimiter::try_acquire() {
  // Not fetch_add-then-check-then-undo: between the add and the undo, the count would be above
  // max, and another thread could be refused because of a slot nobody was really going to hold.
  auto current = in_use_.load(relaxed);
  do {
    if (current >= max_) return std::nullopt;
    // On failure, compare_exchange_weak loads the count that beat us into `current`: look again.
  } while (!in_use_.compare_exchange_weak(current, current + 1, relaxed));
  return Permit{*this};
}

std::size_t ConnectionLimiter::in_use() const { return in_use_.load(relaxed); }

ConnectionLimiter::Permit::Permit(Permit&& other) noexcept : owner_{std::exchange(other.owner_, nullptr)} {}

ConnectionLimiter::Permit& ConnectionLimiter::Permit::operator=(Permit&& other) noexcept {
  if (this != &other) {
    release();  // this permit's own slot first, or it would leak
    owner_ = std::exchange(other.owner_, nullptr);
  }
  return *this;
}

ConnectionLimiter::Permit::~Permit() { release(); }

void ConnectionLimiter::Permit::release() noexcept {
  // exchange, so that a second release() (or the destructor after release()) gives back nothing.
  if (auto* owner = std::exchange(owner_, nullptr)) owner->in_use_.fetch_sub(1, relaxed);
}

}  // namespace hs::ch04
