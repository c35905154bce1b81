// Exercise 6.1 (reference): what a detached task does with an exception that escapes its on_done.
#include "ch06/task.hpp"

namespace hs::ch06::detail {

// Rethrown to whoever resumed the task (the Runtime's run(), a test): a handler that throws is a
// bug or an untouched stub, and neither may be swallowed. (The frame then stays suspended at its
// final point and is not freed: the program is about to stop.)
void Detached::promise_type::unhandled_exception() const { throw; }

}  // namespace hs::ch06::detail
