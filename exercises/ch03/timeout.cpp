// Exercise 3.1: the timeout helper.
// Read chapters/03-coroutines/README.md#exercise-31, then replace the stub below.
#include "ch03/timeout.hpp"

#include <asio/experimental/awaitable_operators.hpp>
#include <asio/this_coro.hpp>

#include "hs/exercise.hpp"

namespace hs::ch03 {

Awaitable<std::optional<Timeout>> with_deadlines([[maybe_unused]] Awaitable<void> operation,
                                                 [[maybe_unused]] Deadlines& deadlines) {
  // TODO(ex 3.1): write a watchdog coroutine that waits on a Timer until deadlines.earliest() has
  // passed, reading the deadlines again after each wake-up (the session moves them). While it
  // waits, deadlines.watchdog points at its timer (null again once it returns). Clear
  // deadlines.woken before each wait: a wait cancelled with it set was cut short by wake() (read
  // again, wait again); any other cancellation ends the watchdog.
  // Race it against `operation` with `||` (asio::experimental::awaitable_operators). Return
  // nothing if the operation won, deadlines.which() if the watchdog did.
  exercise_not_done("3.1", "03-coroutines");
}

}  // namespace hs::ch03
