/// @file
/// The server's metrics (given), built from exercise 4.2's thread-safe primitives (and the
/// listener's counts, chapter 01's ListenerStats), and their text in the Prometheus exposition
/// format (what `GET /metrics` on `--metrics-port` returns). Every connection the server accepts
/// ends in exactly one of: completed, failed (by reason), reset; so
///
///     accepted = completed + sum(failed by reason) + reset + open
///
/// and a load run's counts can be checked against the server's, exactly (README, "Metrics").
#pragma once

#include <array>
#include <string>

#include "ch01/accept_loop.hpp"
#include "ch04/breaker.hpp"
#include "ch04/metrics.hpp"
#include "hs/protocol.hpp"

namespace hs::ch04 {

/// Number of ErrorReason values (malformed ... shutdown).
inline constexpr std::size_t reason_count = 7;

/// Everything the server counts. Shared by all io threads and the pool: every member is thread-safe.
struct ServerMetrics {
  ch01::ListenerStats listener;                    ///< accepted (refused ones included), accept errors, back-offs
  Counter completed;                               ///< handshakes done
  std::array<Counter, reason_count> failed;        ///< handshakes that ended with an ERROR line, by reason
  Counter reset;                                   ///< connections that broke (reset, broken pipe) before the end
  Counter timeout_read;                            ///< of failed[timeout]: a message was late
  Counter timeout_handshake;                       ///< of failed[timeout]: the whole handshake was late
  Counter refused_max_conns;                       ///< of failed[busy]: refused at --max-conns
  Counter refused_rate;                            ///< of failed[busy]: refused by the --rate limit
  Counter refused_circuit;                         ///< of failed[busy]: the downstream's breaker was open
  Counter downstream_failures;                     ///< downstream calls that failed or were too slow
  Gauge open;                                      ///< connections being served now (and the peak)
  Gauge offload_queue;                             ///< jobs waiting for a pool thread
  Gauge offload_running;                           ///< jobs running on the pool now
  Histogram handshake_seconds{latency_buckets()};  ///< time from accept to the last byte of a done handshake

  /// The failure counter for `reason`.
  Counter& failures(ErrorReason reason) noexcept { return failed[static_cast<std::size_t>(reason)]; }
  /// All of the above in the Prometheus text format, version 0.0.4.
  std::string prometheus() const;
};

/// The breaker's state (0 closed, 1 open, 2 half-open) and how often it opened, in the same format.
std::string prometheus(const CircuitBreaker& breaker);

}  // namespace hs::ch04
