// Exercise 7.3: the listener on a multishot accept, and the graceful stop (README, "Exercise 7.3").
#include "ch07/server.hpp"

#include <fcntl.h>

#include <utility>

#include "hs/exercise.hpp"

namespace hs::ch07 {

// (Given.) The listener is made non-blocking, for the stop's ch01::refuse_queued().
Server::Server(Ring& ring, Fd listener, ServerOptions options, const Logger& log, ServerStats& stats)
    : ring_{ring},
      listener_{std::move(listener)},
      pacer_{ring.runtime(), options, log, stats},
      options_{options},
      log_{log},
      stats_{stats} {
  ::fcntl(listener_.get(), F_SETFL, ::fcntl(listener_.get(), F_GETFL) | O_NONBLOCK);
}

// TODO(ex 7.3): one multishot accept; a session per completion; submit it again when it ends.
// Once stopping: refuse each descriptor, until the stream is neither active() nor has_queued();
// then answer the kernel's queue again (refuse_queued()) and close the listener through the ring.
Task<void> Server::listen() {
  exercise_not_done("7.3", "07-io-uring");
  co_return;
}

// TODO(ex 7.3): once only (stopping_): cancel the accept, answer the queue (ch01::refuse_queued()),
// end the pacer's pause, then log_stopping() as chapter 06's stop() does.
void Server::stop() { exercise_not_done("7.3", "07-io-uring"); }

}  // namespace hs::ch07
