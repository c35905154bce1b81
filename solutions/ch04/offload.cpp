// Exercise 4.1 (reference): the offload helper.
#include "offload.hpp"

#include <utility>

#include <asio/co_spawn.hpp>

namespace hs::ch04 {

Awaitable<void> offload(asio::thread_pool& pool, std::function<void()> job) {
  // co_spawn the job as a coroutine *on the pool*, and await its completion. The completion
  // resumes us through our own executor: back on our strand, on an io thread. (`co_await
  // asio::post(pool, use_awaitable)` would not do: its completion, too, comes back to our strand,
  // so the code after it would still run on the io thread.)
  co_await asio::co_spawn(
      pool,
      [job = std::move(job)]() -> asio::awaitable<void> {
        job();
        co_return;
      },
      use_awaitable);
}

}  // namespace hs::ch04
