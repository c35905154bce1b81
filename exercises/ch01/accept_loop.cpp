// Exercise 1.3: the accept loop.
// Read chapters/01-blocking/README.md#exercise-13, then replace the stubs below.
#include "ch01/accept_loop.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "hs/exercise.hpp"
#include "hs/server_log.hpp"

namespace hs::ch01 {

Fd accept_next([[maybe_unused]] int listen_fd, [[maybe_unused]] int stop_fd,
               [[maybe_unused]] const ServerOptions& options, [[maybe_unused]] const Logger& log,
               [[maybe_unused]] AcceptStats& stats) {
  // TODO(ex 1.3): poll() the listener and stop_fd together; return an empty Fd when stop_fd is
  // readable. accept4() a client and return it (count it). When accept4() fails,
  // hs::classify_accept_failure(errno) says what to do: skip (take the next), back_off (count a
  // backoff and wait options.accept_backoff, still watching stop_fd), or fatal (throw).
  exercise_not_done("1.3", "01-blocking");
}

void refuse_queued([[maybe_unused]] int listen_fd, [[maybe_unused]] const Logger& log) {
  // TODO(ex 1.3): accept what is still queued; hs::refuse_connection() each with ERROR shutdown.
  exercise_not_done("1.3", "01-blocking");
}

void serve_client([[maybe_unused]] Fd client, [[maybe_unused]] const ServeOptions& options,
                  [[maybe_unused]] const Logger& log, [[maybe_unused]] AcceptStats& stats) {
  // TODO(ex 1.3): serve_connection(), close, count completed or failed, log one line
  // (hs::log_outcome(), in hs/server_log.hpp).
  exercise_not_done("1.3", "01-blocking");
}

void accept_loop([[maybe_unused]] int listen_fd, [[maybe_unused]] int stop_fd,
                 [[maybe_unused]] const ServerOptions& options, [[maybe_unused]] const Logger& log,
                 [[maybe_unused]] AcceptStats& stats) {
  // TODO(ex 1.3): accept_next() and serve_client() until accept_next() says stop; then
  // refuse_queued().
  exercise_not_done("1.3", "01-blocking");
}

}  // namespace hs::ch01
