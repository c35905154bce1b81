// hs-ch02-server: the HELLO server with threads, in two models: a thread per connection, or a
// bounded pool. main() only wires things up; the loops are exercises 2.1 and 2.3.
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <system_error>
#include <thread>

#include <fmt/format.h>

#include "ch02/pool_server.hpp"
#include "ch02/thread_per_connection.hpp"
#include "hs/cli.hpp"
#include "hs/exercise.hpp"
#include "hs/log.hpp"
#include "hs/net.hpp"

int main(int argc, char** argv) {
  const hs::SignalFd stop{SIGINT, SIGTERM};  // first: threads started later inherit the blocked mask

  std::string bind = "127.0.0.1";
  std::uint16_t port = 7878;
  std::string model = "pool";
  std::string overload = "wait";
  int work_ms = 0;
  bool quiet = false;
  hs::ch01::ServerOptions options;
  hs::ch02::PoolOptions pool;
  // The sizing rule for I/O-bound work (README, "How many threads?"): the handshake mostly waits
  // for the client, so many more threads than cores: 8 per core, at least 4.
  pool.threads = std::max(4U, 8 * std::thread::hardware_concurrency());
  pool.queue = 4 * pool.threads;
  hs::Cli cli{"hs-ch02-server", "the HELLO server with threads: one per connection, or a bounded pool (chapter 02)"};
  cli.add("--bind", bind, "ADDR", "address to listen on");
  cli.add("--port", port, "N", "port to listen on; 0 picks a free one");
  cli.add("--model", model, "MODEL", "thread-per-conn or pool");
  cli.add("--threads", pool.threads, "W", "pool: worker threads");
  cli.add("--queue", pool.queue, "Q", "pool: accepted clients that may wait for a worker");
  cli.add("--overload", overload, "POLICY", "pool, queue full: wait (stop accepting) or refuse (ERROR busy)");
  cli.add("--read-timeout", options.serve.read_timeout, "DURATION", "time allowed for each message");
  cli.add("--handshake-timeout", options.serve.handshake_timeout, "DURATION", "time allowed for the whole handshake");
  cli.add("--work-ms", work_ms, "N", "simulated work per handshake, in ms (a sleep in the serving thread)");
  cli.add("--quiet", quiet, "no line per connection");
  cli.parse(argc, argv);
  if (model != "thread-per-conn" && model != "pool") cli.fail("--model must be thread-per-conn or pool");
  if (overload != "wait" && overload != "refuse") cli.fail("--overload must be wait or refuse");
  if (pool.threads < 1 || pool.threads > 10'000) cli.fail("--threads must be 1 to 10000");
  if (pool.queue < 1) cli.fail("--queue must be 1 or more");
  if (work_ms < 0) cli.fail("--work-ms must be 0 or more");
  pool.overload = overload == "wait" ? hs::ch02::Overload::wait : hs::ch02::Overload::refuse;
  options.serve.work = std::chrono::milliseconds{work_ms};

  hs::Fd listener;
  try {
    listener = hs::listen_tcp(bind, port);
  } catch (const std::system_error& e) {
    if (e.code() == std::errc::invalid_argument) cli.fail(e.what());  // --bind is not an address
    fmt::print(stderr, "hs-ch02-server: {}\n", e.what());
    if (e.code() == std::errc::address_in_use) {
      fmt::print(stderr, "Is another server on that port? Choose another with --port, or --port 0 for any free one.\n");
    }
    return 1;
  }
  fmt::print("listening on {}\n", hs::local_endpoint(listener.get()).to_string());
  std::fflush(stdout);  // scripts and tests wait for this line

  const hs::Logger log{quiet};
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
  }
  log.info("stopped: {} connections, {} done, {} failed, {} refused busy; at most {} serving threads",
           stats.accept.accepted.load(), stats.accept.completed.load(), stats.accept.failed.load(),
           stats.refused_busy.load(), stats.threads_peak.load());
  return 0;
}
