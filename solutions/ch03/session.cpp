// Exercise 3.2 (reference): the session coroutine, from the pieces in connection.hpp (written once
// for any executor: chapter 04's session is made of the same pieces, on a strand).
#include "ch03/session.hpp"

#include <utility>

#include "ch03/connection.hpp"

namespace hs::ch03 {

Awaitable<SessionResult> session(Socket socket, SessionOptions options) {
  Connection c{std::move(socket), options.read_timeout, options.handshake_timeout};
  // --work-ms: an awaited timer between HELLO X and HELLO Y; the thread serves others meanwhile.
  auto work = [&options] { return wait_for<Executor>(options.work); };
  const auto ran_out =
      co_await with_deadlines(exchange<Executor>(c, options.work.count() > 0 ? &work : nullptr), c.deadlines);
  // The timeout's ERROR line, if a deadline won; the lingering close, if it needs one.
  if (ran_out || needs_linger(c)) co_await finish<Executor>(c, ran_out);
  co_return std::move(c.result);
}

}  // namespace hs::ch03
