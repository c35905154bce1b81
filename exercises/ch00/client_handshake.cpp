// Exercise 0.4: the client handshake state machine.
// Read chapters/00-protocol/README.md#exercise-04, then replace the stubs below.
#include "ch00/client_handshake.hpp"

#include "hs/exercise.hpp"

namespace hs::ch00 {

Step ClientHandshake::start() {
  // TODO(ex 0.4): produce HELLO X and wait for Y.
  exercise_not_done("0.4", "00-protocol");
}

Step ClientHandshake::on_bytes([[maybe_unused]] std::string_view bytes) {
  // TODO(ex 0.4): an ERROR line fails with the server's reason (from_peer = true); HELLO X+1 is
  // answered with HELLO X+2; anything else is a bad reply.
  exercise_not_done("0.4", "00-protocol");
}

Step ClientHandshake::on_eof() {
  // TODO(ex 0.4): the server closing after our Z means success; before it, failure.
  exercise_not_done("0.4", "00-protocol");
}

Step ClientHandshake::on_timeout([[maybe_unused]] Timeout which) {
  // TODO(ex 0.4): a clock ran out: ERROR timeout, unless the handshake is already over.
  exercise_not_done("0.4", "00-protocol");
}

}  // namespace hs::ch00
