// Exercise 7.2: the session on completions (README, "Exercise 7.2").
#include "ch07/session.hpp"

#include "hs/exercise.hpp"

namespace hs::ch07 {

// TODO(ex 7.2): submit a receive or a send with the Conversation's deadline, await its
// completion, hand what it said to the Conversation; linger after a failure; close via the ring.
Task<SessionResult> session(Ring&, Fd, SessionOptions) {
  exercise_not_done("7.2", "07-io-uring");
  co_return SessionResult{};
}

}  // namespace hs::ch07
