// Exercise 1.2: serve one connection to the end.
// Read chapters/01-blocking/README.md#exercise-12, then replace the stub below.
#include "ch01/serve_connection.hpp"

#include <sys/socket.h>

#include "ch00/server_handshake.hpp"
#include "ch01/blocking_io.hpp"
#include "hs/exercise.hpp"
#include "hs/net.hpp"

namespace hs::ch01 {

ServeResult serve_connection([[maybe_unused]] int fd, [[maybe_unused]] const ServeOptions& options) {
  // TODO(ex 1.2): a ch00::ServerHandshake, fed by read_some() until it is done or failed; write
  // each Step's out with write_all(). Two deadlines: one per message, one for the whole
  // handshake; when one passes, tell the machine which. Do options.work (a sleep) before answering
  // HELLO X. After a failure (or a success with unread bytes left), close gracefully with
  // hs::shutdown_and_drain() (hs/net.hpp), so that a reset does not destroy the last line.
  exercise_not_done("1.2", "01-blocking");
}

}  // namespace hs::ch01
