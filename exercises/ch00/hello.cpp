// Exercise 0.1: parse and format a HELLO message.
// Read chapters/00-protocol/README.md#exercise-01, then replace the stubs below.
#include "ch00/hello.hpp"

#include "hs/exercise.hpp"

namespace hs::ch00 {

ParsedHello parse_hello([[maybe_unused]] std::string_view line) {
  // TODO(ex 0.1): accept exactly "HELLO " then an optional '-' and 1-19 digits that fit in
  // std::int64_t. Refuse anything else with ErrorReason::malformed, a value that does not fit with
  // ErrorReason::overflow, and say in the detail what was wrong.
  exercise_not_done("0.1", "00-protocol");
}

std::string format_hello([[maybe_unused]] std::int64_t number) {
  // TODO(ex 0.1): "HELLO " + the number + "\n".
  exercise_not_done("0.1", "00-protocol");
}

}  // namespace hs::ch00
