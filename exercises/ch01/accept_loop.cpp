// Exercise 1.3: the accept loop.
// Read chapters/01-blocking/README.md#exercise-13, then replace the stub below.
#include "accept_loop.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "hs/exercise.hpp"
#include "hs/net.hpp"

namespace hs::ch01 {

void accept_loop([[maybe_unused]] int listen_fd, [[maybe_unused]] int stop_fd,
                 [[maybe_unused]] const ServerOptions& options, [[maybe_unused]] const Logger& log,
                 [[maybe_unused]] AcceptStats& stats) {
  // TODO(ex 1.3): poll() the listener and stop_fd together; return when stop_fd is readable.
  // accept4() a client, serve_connection() it, close it, count it in `stats`, log one line.
  // A failed connection must not stop the loop. EMFILE/ENFILE/ENOBUFS/ENOMEM: count a backoff and
  // wait options.accept_backoff (still watching stop_fd) before trying again. On stop, accept the
  // connections still queued and answer each with ERROR shutdown before returning.
  exercise_not_done("1.3", "01-blocking");
}

}  // namespace hs::ch01
