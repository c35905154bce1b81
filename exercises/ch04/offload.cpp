// Exercise 4.1: the offload helper.
// Read chapters/04-production/README.md#exercise-41, then replace the stub below.
#include "ch04/offload.hpp"

#include <asio/co_spawn.hpp>

#include "hs/exercise.hpp"

namespace hs::ch04 {

Awaitable<void> offload([[maybe_unused]] asio::thread_pool& pool, [[maybe_unused]] std::function<void()> job) {
  // TODO(ex 4.1): run `job` on the pool and come back to this coroutine's strand when it is done,
  // with its exception (if any) rethrown here. asio::co_spawn() can start a coroutine on the pool,
  // and co_await its completion with use_awaitable. Keep this coroutine's cancellation away from
  // the job (`scripts/hint 4.1 3`): a job cannot be interrupted.
  exercise_not_done("4.1", "04-production");
}

}  // namespace hs::ch04
