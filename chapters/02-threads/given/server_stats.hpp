/// @file
/// What chapter 02's servers count: chapter 01's accept and outcome counters, plus threads and
/// refusals. Atomic, so tests (and, in chapter 04, a metrics endpoint) can read them while the
/// server runs.
#pragma once

#include <atomic>
#include <cstdint>

#include "ch01/accept_loop.hpp"

namespace hs::ch02 {

/// Counters of a chapter 02 server.
struct ServerStats {
  ch01::AcceptStats accept;                    ///< accepted, completed, failed, accept errors, backoffs
  std::atomic<std::uint64_t> threads_now{0};   ///< threads serving connections now (a pool's W workers, all its life)
  std::atomic<std::uint64_t> threads_peak{0};  ///< the most there ever were at once
  std::atomic<std::uint64_t> refused_busy{0};  ///< connections answered ERROR busy

  /// Records that one more thread is serving (and updates the peak).
  void thread_started() noexcept {
    const auto now = ++threads_now;
    auto peak = threads_peak.load();
    while (now > peak && !threads_peak.compare_exchange_weak(peak, now)) {
    }
  }
  /// Records that a serving thread has finished.
  void thread_finished() noexcept { --threads_now; }
};

}  // namespace hs::ch02
