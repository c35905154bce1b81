// Exercise 2.3: the pool server and its overload policy.
// Read chapters/02-threads/README.md#exercise-23, then replace the stub below.
#include "ch02/pool_server.hpp"

#include "ch02/thread_pool.hpp"
#include "hs/exercise.hpp"
#include "hs/net.hpp"

namespace hs::ch02 {

void pool_loop([[maybe_unused]] int listen_fd, [[maybe_unused]] int stop_fd,
               [[maybe_unused]] const ch01::ServerOptions& options, [[maybe_unused]] const PoolOptions& pool,
               [[maybe_unused]] const Logger& log, [[maybe_unused]] ServerStats& stats) {
  // TODO(ex 2.3): a ThreadPool of pool.threads workers and pool.queue places. For each client from
  // ch01::accept_next(), try_submit() a task that runs ch01::serve_client(). Queue full? With
  // Overload::refuse, answer ERROR busy (hs::refuse_connection); with Overload::wait, do not even
  // accept until pool.wait_for_room() says yes, checking stop_fd (hs::wait_readable) meanwhile.
  // At the end: ch01::refuse_queued(), then shut the pool down (the queued clients are served).
  // Count the pool's W workers as serving threads for its whole life: stats.thread_started() W
  // times when it starts, thread_finished() W times once it is shut down.
  exercise_not_done("2.3", "02-threads");
}

}  // namespace hs::ch02
