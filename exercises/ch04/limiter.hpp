/// @file
/// Exercise 4.4: the connection limiter. At most `max` connections are served at once; each holds
/// a Permit, and the slot comes back when the Permit is destroyed, whatever way the session ends.
/// A connection that gets no permit is answered `ERROR busy` instead of being queued.
#pragma once

#include <atomic>
#include <cstddef>
#include <optional>

namespace hs::ch04 {

/// Counts connections in service against a fixed maximum, without a lock.
///
/// Thread safety: try_acquire(), in_use() and the release of permits may run on any number of
/// threads at once; in_use() never exceeds max(), even for an instant. A Permit itself is not
/// shared: one thread at a time uses it (it moves along with its connection).
///
/// The limiter must outlive every Permit it granted (the server owns it; sessions hold permits).
class ConnectionLimiter {
 public:
  /// One slot, held until destroyed or release()d. Move-only: moving hands the slot over, and the
  /// moved-from permit holds nothing.
  class Permit {
   public:
    /// A permit that holds no slot.
    Permit() noexcept = default;
    /// Takes `other`'s slot, if it had one; `other` holds nothing afterwards.
    Permit(Permit&& other) noexcept;
    /// Gives back this permit's slot (if any), then takes `other`'s. Assigning a permit to itself
    /// changes nothing: it keeps its slot.
    Permit& operator=(Permit&& other) noexcept;
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;
    /// Gives the slot back, if it still holds one.
    ~Permit();

    /// Gives the slot back now (the connection is done, though its object lives on). Calling it
    /// again, or on an empty permit, does nothing.
    void release() noexcept;
    /// Whether this permit holds a slot.
    bool held() const noexcept { return owner_ != nullptr; }

   private:
    friend class ConnectionLimiter;
    explicit Permit(ConnectionLimiter& owner) noexcept : owner_{&owner} {}

    ConnectionLimiter* owner_ = nullptr;  ///< the limiter to give the slot back to; null: no slot
  };

  /// A limiter of `max` slots. With 0, every try_acquire() is refused.
  explicit ConnectionLimiter(std::size_t max) noexcept : max_{max} {}
  ConnectionLimiter(const ConnectionLimiter&) = delete;  ///< permits point at it: it stays put
  ConnectionLimiter& operator=(const ConnectionLimiter&) = delete;

  /// A permit if a slot is free now, or nothing (never waits).
  std::optional<Permit> try_acquire();
  /// Slots held now.
  std::size_t in_use() const;
  /// The number of slots.
  std::size_t max() const noexcept { return max_; }

 private:
  const std::size_t max_;
  std::atomic<std::size_t> in_use_{0};  ///< Permit, a nested class, may change it: it gives slots back
};

}  // namespace hs::ch04
