// hs-ch01-server: the blocking, single-threaded HELLO server. main() only wires things up: options,
// the stop signal, the listening socket; accept_loop() (exercise 1.3) does the work.
#include <signal.h>

#include <cstdio>
#include <system_error>

#include <fmt/format.h>

#include "ch01/accept_loop.hpp"
#include "hs/cli.hpp"
#include "hs/exercise.hpp"
#include "hs/log.hpp"
#include "hs/net.hpp"

int main(int argc, char** argv) {
  // First, before anything else: SIGINT/SIGTERM become a readable descriptor the loop can watch.
  const hs::SignalFd stop{SIGINT, SIGTERM};

  std::string bind = "127.0.0.1";
  std::uint16_t port = 7878;
  int work_ms = 0;
  bool quiet = false;
  hs::ch01::ServerOptions options;
  hs::Cli cli{"hs-ch01-server", "the blocking, single-threaded HELLO server (chapter 01)"};
  cli.add("--bind", bind, "ADDR", "address to listen on");
  cli.add("--port", port, "N", "port to listen on; 0 picks a free one");
  cli.add("--read-timeout", options.serve.read_timeout, "DURATION", "time allowed for each message");
  cli.add("--handshake-timeout", options.serve.handshake_timeout, "DURATION", "time allowed for the whole handshake");
  cli.add("--work-ms", work_ms, "N", "simulated work per handshake, in ms (a sleep in the serving thread)");
  cli.add("--quiet", quiet, "no line per connection");
  cli.parse(argc, argv);
  if (work_ms < 0) cli.fail("--work-ms must be 0 or more");
  options.serve.work = std::chrono::milliseconds{work_ms};

  hs::Fd listener;
  try {
    listener = hs::listen_tcp(bind, port);
  } catch (const std::system_error& e) {
    if (e.code() == std::errc::invalid_argument) cli.fail(e.what());  // --bind is not an address
    fmt::print(stderr, "hs-ch01-server: {}\n", e.what());
    if (e.code() == std::errc::address_in_use) {
      fmt::print(stderr, "Is another server on that port? Choose another with --port, or --port 0 for any free one.\n");
    }
    return 1;
  }
  fmt::print("listening on {}\n", hs::local_endpoint(listener.get()).to_string());
  std::fflush(stdout);  // scripts and tests wait for this line

  const hs::Logger log{quiet};
  hs::ch01::AcceptStats stats;
  try {
    hs::ch01::accept_loop(listener.get(), stop.fd(), options, log, stats);
  } catch (const hs::ExerciseNotDone& e) {
    fmt::print(stderr, "hs-ch01-server: {}\n", e.what());
    return 1;
  }
  log.info("stopped: {} connections, {} done, {} failed", stats.accepted.load(), stats.completed.load(),
           stats.failed.load());
  return 0;
}
