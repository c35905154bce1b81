// Exercise 1.4: the blocking client.
// Read chapters/01-blocking/README.md#exercise-14, then replace the stub below.
#include "ch01/blocking_client.hpp"

#include "ch00/client_handshake.hpp"
#include "ch01/blocking_io.hpp"
#include "hs/exercise.hpp"

namespace hs::ch01 {

ClientResult run_client([[maybe_unused]] int fd, [[maybe_unused]] const ClientOptions& options,
                        [[maybe_unused]] const ClientObserver& observe) {
  // TODO(ex 1.4): the mirror of serve_connection(): a ch00::ClientHandshake, start() it, write what
  // it returns, feed it what read_some() reads, with the same two deadlines. Sleep options.think
  // before sending Z. Tell `observe` (if set) about every chunk sent and received.
  exercise_not_done("1.4", "01-blocking");
}

}  // namespace hs::ch01
