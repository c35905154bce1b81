// Exercise 3.1 (reference): an operation raced against a watchdog timer.
#include "ch03/timeout.hpp"

#include <asio/experimental/awaitable_operators.hpp>
#include <asio/this_coro.hpp>

namespace hs::ch03 {

namespace {

using namespace asio::experimental::awaitable_operators;

// Sleeps until the earliest deadline has passed, re-reading `deadlines` after each wake-up (the
// session may have moved the message deadline meanwhile). One timer for the whole handshake:
// re-arming it is cheap, creating one per read is not (README, "Where the bytes go"). It returns
// nothing: with_deadlines() reads which clock ran out from `deadlines` (a coroutine that returned a
// value would cost `||` one more frame per connection).
Awaitable<void> watchdog(const Deadlines& deadlines) {
  Timer timer{co_await asio::this_coro::executor};
  while (Clock::now() < deadlines.earliest()) {
    timer.expires_at(deadlines.earliest());
    auto [error] = co_await timer.async_wait(as_tuple);
    if (error) co_return;  // cancelled: the operation won
  }
}

}  // namespace

Awaitable<std::optional<Timeout>> with_deadlines(Awaitable<void> operation, const Deadlines& deadlines) {
  // `||` starts both, returns when the first succeeds, after cancelling the other and waiting for it.
  const auto winner = co_await (std::move(operation) || watchdog(deadlines));
  if (winner.index() == 0) co_return std::nullopt;
  co_return deadlines.which();
}

}  // namespace hs::ch03
