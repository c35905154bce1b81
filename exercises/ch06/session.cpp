// Exercise 6.4 (1 of 2): the session on your runtime (README, "Exercise 6.4").
#include "ch06/session.hpp"

#include "hs/exercise.hpp"

namespace hs::ch06 {

// TODO(ex 6.4): read what the kernel has, feed the machine, write its replies; wait for
// readiness with the earlier deadline; linger after a failure.
Task<SessionResult> session(Runtime&, Fd, SessionOptions) {
  exercise_not_done("6.4", "06-runtime");
  co_return SessionResult{};
}

}  // namespace hs::ch06
