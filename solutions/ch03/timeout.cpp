// Exercise 3.1 (reference): an operation raced against a watchdog timer. The watchdog and the race
// are written once, for any executor, in connection.hpp: chapter 04 runs them on its strands.
#include "ch03/timeout.hpp"

#include <utility>

#include "ch03/connection.hpp"

namespace hs::ch03 {

Awaitable<std::optional<Timeout>> with_deadlines(Awaitable<void> operation, Deadlines& deadlines) {
  return with_deadlines<Executor>(std::move(operation), deadlines);
}

}  // namespace hs::ch03
