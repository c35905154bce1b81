// Exercise 6.4 (2 of 2): the listener and the graceful stop on your runtime (README,
// "Exercise 6.4").
#include "ch06/server.hpp"

#include <fcntl.h>

#include <utility>

#include "hs/exercise.hpp"

namespace hs::ch06 {

// (Given.) The listener is made non-blocking, and watched by the runtime from the start.
Server::Server(Runtime& runtime, Fd listener, ServerOptions options, const Logger& log, ServerStats& stats)
    : runtime_{runtime},
      listener_{std::move(listener)},
      pacer_{runtime, options, log, stats},
      options_{options},
      log_{log},
      stats_{stats} {
  ::fcntl(listener_.fd(), F_SETFL, ::fcntl(listener_.fd(), F_GETFL) | O_NONBLOCK);
  runtime_.watch(listener_);
}

// TODO(ex 6.4): accept4() until the stop; a session per client, spawned; pacer_ sets the pace.
Task<void> Server::listen() {
  exercise_not_done("6.4", "06-runtime");
  co_return;
}

// TODO(ex 6.4): answer the queue, wake the listener, close it.
void Server::stop() { exercise_not_done("6.4", "06-runtime"); }

}  // namespace hs::ch06
