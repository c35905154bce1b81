// Exercise 3.2: the session coroutine.
// Read chapters/03-coroutines/README.md#exercise-32, then replace the stub below.
#include "ch03/session.hpp"

#include <algorithm>
#include <array>

#include <asio/this_coro.hpp>
#include <asio/write.hpp>

#include "ch00/server_handshake.hpp"
#include "ch03/timeout.hpp"
#include "hs/exercise.hpp"

namespace hs::ch03 {

Awaitable<SessionResult> session([[maybe_unused]] Socket socket, [[maybe_unused]] SessionOptions options) {
  // TODO(ex 3.2): keep a ch00::ServerHandshake and the Deadlines in this coroutine's frame. Race an
  // "exchange" coroutine (read into a small buffer, feed the machine, write what it returns, until
  // the handshake is done or failed) against the deadlines with with_deadlines(). If a deadline
  // won, send the machine's on_timeout() line. Then linger (shutdown send, drain briefly) after a
  // failure or with unread bytes left. Use as_tuple: errors as values, not exceptions.
  exercise_not_done("3.2", "03-coroutines");
}

}  // namespace hs::ch03
