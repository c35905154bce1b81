// Exercise 2.1: a thread per connection, owned and joined.
// Read chapters/02-threads/README.md#exercise-21, then replace the stub below.
#include "ch02/thread_per_connection.hpp"

#include <thread>

#include "hs/exercise.hpp"
#include "hs/net.hpp"

namespace hs::ch02 {

void thread_per_connection_loop([[maybe_unused]] int listen_fd, [[maybe_unused]] int stop_fd,
                                [[maybe_unused]] const ch01::ServerOptions& options, [[maybe_unused]] const Logger& log,
                                [[maybe_unused]] ServerStats& stats) {
  // TODO(ex 2.1): for each client from ch01::accept_next(), start a std::thread that runs
  // ch01::serve_client(). Keep the threads (no detach!), join the finished ones as you go, and
  // all of them at the end, after ch01::refuse_queued(). Count them in `stats`. If a thread cannot
  // be created (std::system_error), answer the client with hs::refuse_connection(..., busy).
  exercise_not_done("2.1", "02-threads");
}

}  // namespace hs::ch02
