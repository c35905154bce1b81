// Exercise 4.6 (reference): the drain.
#include "given/ch04/server.hpp"

namespace hs::ch04 {

// Sleeps on idle_ until `deadline`, or until the last session ends: session_ended() cancels idle_
// once draining_ is set and live_ reaches 0. True if no session is left.
Awaitable<bool> Server::wait_idle(Clock::time_point deadline) {
  // draining_ first, then live_: a session that ends after our check sees draining_ and wakes us;
  // one that ended before it left live_ at 0, and we do not wait at all.
  draining_ = true;
  while (live_ > 0 && Clock::now() < deadline) {
    idle_.expires_at(deadline);
    [[maybe_unused]] auto [woken] = co_await idle_.async_wait(as_tuple);
  }
  co_return live_ == 0;
}

Awaitable<void> Server::drain() {
  if (draining_) co_return;
  stop_accepting();  // no new connections; those queued in the kernel get `ERROR shutdown`
  const auto grace = options_.drain;
  if (live_ > 0) {
    log_.info("stopping: no new connections; giving {} handshake(s) in progress up to {} ms to finish", live_.load(),
              grace.count());
  }
  if (co_await wait_idle(Clock::now() + grace)) co_return;

  // Out of patience: every session still running answers `ERROR shutdown` and closes. Each does it
  // on its own strand; closing may linger up to 1 s for the client to read the line.
  log_.warn("stopping: {} handshake(s) still in progress after {} ms: ending them with ERROR shutdown", live_.load(),
            grace.count());
  sessions_.shut_down_all();
  co_await wait_idle(Clock::now() + options_.session.handshake_timeout + std::chrono::seconds{2});
}

}  // namespace hs::ch04
