// Exercise 3.3: the listener.
// Exercise 3.4: the graceful stop.
// Read chapters/03-coroutines/README.md#exercise-33 and #exercise-34, then replace the stubs below.
#include "ch03/server.hpp"

#include <exception>
#include <utility>

#include <asio/co_spawn.hpp>

#include "hs/exercise.hpp"
#include "hs/server_log.hpp"

namespace hs::ch03 {

Server::Server(Acceptor acceptor, ServerOptions options, const Logger& log, ServerStats& stats)
    : acceptor_{std::move(acceptor)}, backoff_{acceptor_.get_executor()}, options_{options}, log_{log}, stats_{stats} {}

Awaitable<void> Server::listen() {
  // TODO(ex 3.3): while the acceptor is open: co_await an accept (with its peer endpoint), count
  // it, and co_spawn session() with a completion handler that counts and logs the outcome
  // (hs::log_outcome(); hs::log_or_rethrow() for an exception). operation_aborted: stop() was
  // called, return. Other errors: count them; classify_accept_failure(error) says skip (take the
  // next), back_off (count a back-off, wait options_.accept_backoff on backoff_) or fatal (throw).
  exercise_not_done("3.3", "03-coroutines");
}

void Server::stop() {
  // TODO(ex 3.4): if still open: answer the queued connections with ERROR shutdown
  // (ch01::refuse_queued() on the native handle, non-blocking), close the acceptor, cancel
  // backoff_. Do not stop the io_context: the sessions in progress must finish.
  exercise_not_done("3.4", "03-coroutines");
}

}  // namespace hs::ch03
