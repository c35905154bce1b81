// Exercise 3.1 (reference): an operation raced against a watchdog timer.
#include "timeout.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

namespace hs::ch03 {

namespace {

using namespace asio::experimental::awaitable_operators;

// Sleeps until the earliest deadline has passed, re-reading `deadlines` after each wake-up (the
// session may have moved the message deadline meanwhile), then says which clock ran out. One timer
// for the whole handshake: re-arming it is cheap, creating one per read is not (README, "Where the
// bytes go").
asio::awaitable<Timeout> watchdog(const Deadlines& deadlines) {
  asio::steady_timer timer{co_await asio::this_coro::executor};
  while (Clock::now() < deadlines.earliest()) {
    timer.expires_at(deadlines.earliest());
    auto [error] = co_await timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    if (error) break;  // cancelled: the operation won, and what we return is ignored
  }
  co_return deadlines.which();
}

}  // namespace

asio::awaitable<std::optional<Timeout>> with_deadlines(asio::awaitable<void> operation, const Deadlines& deadlines) {
  // `||` starts both, returns when the first succeeds, after cancelling the other and waiting for it.
  auto winner = co_await (std::move(operation) || watchdog(deadlines));
  if (winner.index() == 0) co_return std::nullopt;
  co_return std::get<1>(winner);
}

}  // namespace hs::ch03
