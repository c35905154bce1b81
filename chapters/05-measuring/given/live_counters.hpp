/// @file
/// The few numbers hs-load watches while a run goes on: connections open now, the peak, handshakes
/// finished. Handshakes update them; the progress line and the server sampler read them. With
/// --procs they live in memory shared by every worker process, so the parent sees the whole run.
#pragma once

#include <atomic>
#include <cstdint>

namespace hs::load {

/// Counters updated by every handshake, readable from another process (hence lock-free atomics of
/// fixed size: they work in shared memory). Relaxed order is enough: each number stands alone.
struct LiveCounters {
  std::atomic<std::int64_t> open{0};        ///< sockets connected and not finished, now
  std::atomic<std::int64_t> peak_open{0};   ///< the highest `open` ever was
  std::atomic<std::uint64_t> succeeded{0};  ///< handshakes finished ok
  std::atomic<std::uint64_t> failed{0};     ///< handshakes finished otherwise

  /// A connection was established: one more open, and maybe a new peak.
  void opened() noexcept {
    const auto now = open.fetch_add(1, std::memory_order_relaxed) + 1;
    auto peak = peak_open.load(std::memory_order_relaxed);
    while (now > peak && !peak_open.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
    }
  }
  /// An established connection was closed.
  void closed() noexcept { open.fetch_sub(1, std::memory_order_relaxed); }
  /// A handshake ended.
  void finished(bool ok) noexcept { (ok ? succeeded : failed).fetch_add(1, std::memory_order_relaxed); }
};

static_assert(std::atomic<std::int64_t>::is_always_lock_free && std::atomic<std::uint64_t>::is_always_lock_free,
              "LiveCounters must work in memory shared between processes");

/// Counts one connection as open in `live` for as long as it exists.
class OpenConnection {
 public:
  /// Counts the connection as open.
  explicit OpenConnection(LiveCounters& live) noexcept : live_{live} { live_.opened(); }
  OpenConnection(const OpenConnection&) = delete;
  OpenConnection& operator=(const OpenConnection&) = delete;
  ~OpenConnection() { live_.closed(); }

 private:
  LiveCounters& live_;
};

}  // namespace hs::load
