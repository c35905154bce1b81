// Exercise 2.1 (reference): a thread per connection, owned and joined.
#include "ch02/thread_per_connection.hpp"

#include <atomic>
#include <list>
#include <system_error>
#include <thread>

#include "hs/net.hpp"

namespace hs::ch02 {
namespace {

// One serving thread and whether it has finished (so the loop can join it without waiting).
struct Worker {
  std::thread thread;
  std::atomic<bool> finished{false};
};

// Joins the threads that have finished; they are gone in microseconds, so this never waits long.
void join_finished(std::list<Worker>& workers) {
  workers.remove_if([](Worker& w) {
    if (!w.finished) return false;
    w.thread.join();
    return true;
  });
}

}  // namespace

void thread_per_connection_loop(int listen_fd, int stop_fd, const ch01::ServerOptions& options, const Logger& log,
                                ServerStats& stats) {
  std::list<Worker> workers;  // a list: a Worker never moves, so its thread may refer to it
  while (Fd client = ch01::accept_next(listen_fd, stop_fd, options, log, stats.accept)) {
    join_finished(workers);
    Worker& worker = workers.emplace_back();
    const int fd = client.release();  // the thread will own it
    try {
      stats.thread_started();
      worker.thread = std::thread{[fd, &worker, &options, &log, &stats] {
        ch01::serve_client(Fd{fd}, options.serve, log, stats.accept);
        stats.thread_finished();
        worker.finished = true;  // last: after this the loop may join and destroy `worker`
      }};
    } catch (const std::system_error& e) {  // no thread to be had (EAGAIN): say so, and carry on
      const Fd owned{fd};
      stats.thread_finished();
      workers.pop_back();
      log.warn("cannot start a thread: {}; answering ERROR busy", e.what());
      ++stats.refused_busy;
      refuse_connection(owned.get(), {ErrorReason::busy, "server at capacity"});
    }
  }
  ch01::refuse_queued(listen_fd, log);
  for (auto& w : workers) w.thread.join();  // each finishes its client first
}

}  // namespace hs::ch02
