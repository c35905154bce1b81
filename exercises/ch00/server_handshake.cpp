// Exercise 0.3: the server handshake state machine.
// Read chapters/00-protocol/README.md#exercise-03, then replace the stubs below.
#include "ch00/server_handshake.hpp"

#include "hs/exercise.hpp"

namespace hs::ch00 {

Step ServerHandshake::on_bytes([[maybe_unused]] std::string_view bytes) {
  // TODO(ex 0.3): frame the bytes into lines; answer HELLO X with HELLO X+1 (refuse an X whose
  // X+2 overflows), accept only HELLO X+2 next. On any error, put the ERROR line in Step::out.
  exercise_not_done("0.3", "00-protocol");
}

Step ServerHandshake::on_eof() {
  // TODO(ex 0.3): the client stopped sending before the handshake was done: ERROR malformed.
  exercise_not_done("0.3", "00-protocol");
}

Step ServerHandshake::on_timeout([[maybe_unused]] Timeout which) {
  // TODO(ex 0.3): a clock ran out: ERROR timeout, unless the handshake is already over.
  exercise_not_done("0.3", "00-protocol");
}

}  // namespace hs::ch00
