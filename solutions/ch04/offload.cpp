// Exercise 4.1 (reference): the offload helper.
#include "ch04/offload.hpp"

#include <utility>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>

namespace hs::ch04 {

namespace {

// The job as a coroutine, to be started on the pool.
asio::awaitable<void> run_job(std::function<void()> job) {
  job();
  co_return;
}

}  // namespace

Awaitable<void> offload(asio::thread_pool& pool, std::function<void()> job) {
  // co_spawn the job as a coroutine *on the pool*, and await its completion. The completion
  // resumes us through our own executor: back on our strand, on an io thread. (`co_await
  // asio::post(pool, use_awaitable)` would not do: its completion, too, comes back to our strand,
  // so the code after it would still run on the io thread.)
  //
  // With an empty cancellation slot: by default our cancellation (a deadline) would be passed on
  // to the job's coroutine, on a pool thread, while our strand emits it: a data race, and a job
  // skipped if it has not started yet. A job cannot be interrupted anyway.
  //
  // The job goes to the pool as a coroutine's parameter, not a lambda's init-capture: g++ 12.2 frees
  // the job twice when a lambda capturing it is a temporary in this co_await (ASan: double-free).
  co_await asio::co_spawn(pool, run_job(std::move(job)),
                          asio::bind_cancellation_slot(asio::cancellation_slot{}, use_awaitable));
}

}  // namespace hs::ch04
