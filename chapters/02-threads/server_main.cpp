// hs-ch02-server: the HELLO server with threads, in two models: a thread per connection, or a
// bounded pool. main() only wires things up; the loops are exercises 2.1 and 2.3.
#include <signal.h>

#include <algorithm>
#include <system_error>
#include <thread>

#include <fmt/format.h>

#include "ch02/pool_server.hpp"
#include "ch02/thread_per_connection.hpp"
#include "hs/cli.hpp"
#include "hs/exercise.hpp"
#include "hs/log.hpp"
#include "hs/server_cli.hpp"
#include "hs/server_log.hpp"

int main(int argc, char** argv) {
  const hs::SignalFd stop{SIGINT, SIGTERM};  // first: threads started later inherit the blocked mask

  hs::ServerArgs args;
  std::string model = "pool";
  std::string overload = "wait";
  hs::ch02::PoolOptions pool;
  // The sizing rule for I/O-bound work (README, "How many threads?"): the handshake mostly waits
  // for the client, so many more threads than cores: 8 per core, at least 4.
  pool.threads = std::max(4U, 8 * std::thread::hardware_concurrency());
  pool.queue = 0;  // 0: 4 x threads, decided once --threads is known
  hs::Cli cli{"hs-ch02-server", "the HELLO server with threads: one per connection, or a bounded pool (chapter 02)"};
  args.add_to(cli, "a sleep in the serving thread");
  cli.add("--model", model, "MODEL", "thread-per-conn or pool");
  cli.add("--threads", pool.threads, "W", "pool: worker threads");
  cli.add("--queue", pool.queue, "Q", "pool: accepted clients that may wait for a worker; 0 = 4 x threads");
  cli.add("--overload", overload, "POLICY", "pool, queue full: wait (stop accepting) or refuse (ERROR busy)");
  args.parse(cli, argc, argv);
  if (model != "thread-per-conn" && model != "pool") cli.fail("--model must be thread-per-conn or pool");
  if (overload != "wait" && overload != "refuse") cli.fail("--overload must be wait or refuse");
  if (pool.threads < 1 || pool.threads > 10'000) cli.fail("--threads must be 1 to 10000");
  if (pool.queue == 0) pool.queue = 4 * pool.threads;
  pool.overload = overload == "wait" ? hs::ch02::Overload::wait : hs::ch02::Overload::refuse;
  const hs::ch01::ServerOptions options{{args.read_timeout, args.handshake_timeout, args.work()}};

  const hs::Fd listener = hs::listen_and_announce(cli, "hs-ch02-server", args);
  const hs::Logger log{args.quiet};
  hs::ch02::ServerStats stats;
  try {
    if (model == "pool") {
      log.info("pool: {} workers, queue {}, overload {}", pool.threads, pool.queue, overload);
      hs::ch02::pool_loop(listener.get(), stop.fd(), options, pool, log, stats);
    } else {
      log.info("a thread per connection");
      hs::ch02::thread_per_connection_loop(listener.get(), stop.fd(), options, log, stats);
    }
  } catch (const hs::ExerciseNotDone& e) {
    fmt::print(stderr, "hs-ch02-server: {}\n", e.what());
    return 1;
  } catch (const std::system_error& e) {  // e.g. the pool's threads could not all be started
    fmt::print(stderr, "hs-ch02-server: {}\nTry fewer --threads, or check ulimit -u and ulimit -v.\n", e.what());
    return 1;
  }
  log.info("stopped: {}, {} done, {} failed, {} refused busy; at most {}",
           hs::count_of(stats.accept.accepted.load(), "connection"), stats.accept.completed.load(),
           stats.accept.failed.load(), stats.refused_busy.load(),
           hs::count_of(stats.threads_peak.load(), "serving thread"));
  return 0;
}
