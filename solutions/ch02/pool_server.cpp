// Exercise 2.3 (reference): the pool server and its overload policy.
#include "ch02/pool_server.hpp"

#include <chrono>

#include "ch02/thread_pool.hpp"
#include "hs/net.hpp"

namespace hs::ch02 {

void pool_loop(int listen_fd, int stop_fd, const ch01::ServerOptions& options, const PoolOptions& pool_options,
               const Logger& log, ServerStats& stats) {
  ThreadPool pool{pool_options.threads, pool_options.queue};
  for (std::size_t i = 0; i < pool.worker_count(); ++i) stats.thread_started();  // a pool's threads live for good
  while (true) {
    if (pool_options.overload == Overload::wait) {
      // Full? Then do not accept: new clients wait in the kernel's backlog, not in our memory.
      bool stop = false;
      while (!stop && !pool.wait_for_room(std::chrono::milliseconds{100})) {
        stop = wait_readable(stop_fd, std::chrono::milliseconds{0});
      }
      if (stop) break;
    }
    Fd client = ch01::accept_next(listen_fd, stop_fd, options, log, stats.accept);
    if (!client) break;
    const int fd = client.get();
    auto task = [fd, &options, &log, &stats] { ch01::serve_client(Fd{fd}, options.serve, log, stats.accept); };
    // Overload wait: room was there a moment ago (wait_for_room), so submit() waits only if another
    // submitter took it; it says no only once the pool is shutting down.
    const bool queued = pool.try_submit(task) || (pool_options.overload == Overload::wait && pool.submit(task));
    if (queued) {
      client.release();  // the task owns it now
    } else if (pool_options.overload == Overload::refuse) {
      ++stats.refused_busy;  // count first: whoever sees the refusal sees it counted
      refuse_connection(fd, {ErrorReason::busy, "server at capacity"});
    }
  }
  ch01::refuse_queued(listen_fd, log);
  pool.shutdown();  // the queued clients are served, then the workers are joined
  for (std::size_t i = 0; i < pool.worker_count(); ++i) stats.thread_finished();
}

}  // namespace hs::ch02
