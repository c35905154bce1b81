/// @file
/// The chapter 04 server: chapter 03's listener (its reference's accept loop and stop, in
/// solutions/ch03/listener.hpp) with the limits a production server needs in front of its sessions
/// (a connection limit, a per-address rate limit), metrics, and a drain on stop. The listener is
/// given (server.cpp); the drain is exercise 4.6 (drain.cpp).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <optional>

#include <asio/io_context.hpp>

#include "ch04/limiter.hpp"
#include "ch04/rate_limit.hpp"
#include "given/ch04/asio_types.hpp"
#include "given/ch04/prometheus.hpp"
#include "given/ch04/session.hpp"
#include "given/ch04/work.hpp"
#include "hs/log.hpp"

namespace hs::ch04 {

/// A per-source rate limit: `--rate R/s`, `--burst B`.
struct RateOptions {
  double per_second = 0;  ///< tokens added per second, per source address
  double burst = 1;       ///< the most a source may spend at once
};

/// How the server runs.
struct ServerOptions {
  SessionOptions session;                         ///< per-connection timeouts
  std::size_t max_conns = 10'000;                 ///< `--max-conns`: sessions at once; beyond, `ERROR busy`
  std::optional<RateOptions> rate;                ///< `--rate`: none = unlimited
  std::chrono::milliseconds drain{5000};          ///< `--drain`: how long stop waits for handshakes in flight
  std::chrono::milliseconds accept_backoff{100};  ///< pause after accept fails for lack of resources
};

/// A HELLO server on an io_context that any number of threads may run. The caller owns the
/// io_context, binds the acceptor (port 0 in tests), keeps `work`, `metrics`, `log` and the Server
/// alive until every run() has returned, and decides when to drain.
class Server {
 public:
  /// Serves connections arriving on `acceptor` (open, listening, on `io`).
  Server(asio::io_context& io, Acceptor acceptor, ServerOptions options, Work& work, ServerMetrics& metrics,
         const Logger& log);

  /// The listener (given). Accepts until the drain closes the acceptor. Each connection gets its own
  /// strand; over --max-conns, or over its address's --rate, it is answered `ERROR busy` and closed.
  /// Runs on the server's strand (executor()).
  Awaitable<void> listen();

  /// Exercise 4.6: the drain. Stops accepting (queued connections get `ERROR shutdown`), waits for
  /// the handshakes in flight to finish, for at most options.drain, asleep on the idle_ timer (not
  /// looking at the clock in a loop); then asks those still running to end with `ERROR shutdown`,
  /// and waits for them to have done so. Nothing accepted is left without an answer. Run it on
  /// executor(); a second call, after the first has returned, returns at once.
  Awaitable<void> drain();

  /// The server's own strand: listen() and drain() run there, and only there are the acceptor and
  /// the timers below touched.
  Executor executor() const { return strand_; }
  /// Sessions running now.
  std::size_t live() const noexcept { return live_.load(); }

 private:
  void admit(Socket socket, const asio::ip::tcp::endpoint& peer);
  void refuse_now(Socket socket, ErrorReason reason, std::string detail);
  void session_ended();
  void stop_accepting();
  Awaitable<bool> wait_idle(Clock::time_point deadline);  // exercise 4.6

  asio::io_context& io_;               ///< where each new connection's strand comes from
  Executor strand_;                    ///< the server's own: listen(), drain(), the acceptor, the timers
  Acceptor acceptor_;                  ///< closed by the drain: that ends listen()
  Timer backoff_;                      ///< the pause after EMFILE & co.
  Timer idle_;                         ///< the drain waits on it; the last session to end cancels it
  ServerOptions options_;              ///< limits and timeouts
  Work& work_;                         ///< the handshakes' work, shared by all sessions
  ServerMetrics& metrics_;             ///< counted from every thread
  const Logger& log_;                  ///< one line per outcome unless --quiet
  ConnectionLimiter limiter_;          ///< --max-conns: a permit per session
  std::optional<RateLimiter> rate_;    ///< --rate: a token bucket per source address
  SessionRegistry sessions_;           ///< the sessions alive, for the drain's last step
  std::atomic<std::size_t> live_{0};   ///< sessions not yet ended (the drain waits for 0)
  std::atomic<bool> draining_{false};  ///< set by the drain: the last session to end wakes it
};

}  // namespace hs::ch04
