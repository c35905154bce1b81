// Exercise 4.6: the drain.
// Read chapters/04-production/README.md#exercise-46, then replace the stubs below.
#include "given/ch04/server.hpp"

#include "hs/exercise.hpp"

namespace hs::ch04 {

Awaitable<bool> Server::wait_idle([[maybe_unused]] Clock::time_point deadline) {
  // TODO(ex 4.6): set draining_, then wait on idle_ (expires at `deadline`) while live_ > 0.
  // session_ended() cancels idle_ when the last session ends during a drain. Return live_ == 0.
  exercise_not_done("4.6", "04-production");
  co_return false;  // (unreachable: makes this a coroutine, so that the stub throws where it runs)
}

Awaitable<void> Server::drain() {
  // TODO(ex 4.6): stop_accepting(); wait_idle() up to options_.drain from now; if sessions are
  // still running then, sessions_.shut_down_all() and wait_idle() again (each needs up to a second
  // to close). Log what you do: an operator wants to know why a stop took 5 s.
  exercise_not_done("4.6", "04-production");
  co_return;  // (unreachable: makes this a coroutine, so that the stub throws where it runs)
}

}  // namespace hs::ch04
