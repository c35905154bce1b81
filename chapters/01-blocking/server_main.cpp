// hs-ch01-server: the blocking, single-threaded HELLO server. main() only wires things up: options,
// the stop signal, the listening socket; accept_loop() (exercise 1.3) does the work.
#include <signal.h>

#include <fmt/format.h>

#include "ch01/accept_loop.hpp"
#include "hs/cli.hpp"
#include "hs/exercise.hpp"
#include "hs/log.hpp"
#include "hs/server_cli.hpp"
#include "hs/server_log.hpp"

int main(int argc, char** argv) {
  // First, before anything else: SIGINT/SIGTERM become a readable descriptor the loop can watch.
  const hs::SignalFd stop{SIGINT, SIGTERM};

  hs::ServerArgs args;
  hs::Cli cli{"hs-ch01-server", "the blocking, single-threaded HELLO server (chapter 01)"};
  args.add_to(cli, "a sleep in the only thread");
  args.parse(cli, argc, argv);
  const hs::ch01::ServerOptions options{{args.read_timeout, args.handshake_timeout, args.work()}};

  const hs::Fd listener = hs::listen_and_announce(cli, "hs-ch01-server", args);
  const hs::Logger log{args.quiet};
  hs::ch01::AcceptStats stats;
  try {
    hs::ch01::accept_loop(listener.get(), stop.fd(), options, log, stats);
  } catch (const hs::ExerciseNotDone& e) {
    fmt::print(stderr, "hs-ch01-server: {}\n", e.what());
    return 1;
  }
  log.info("stopped: {}, {} done, {} failed", hs::count_of(stats.accepted.load(), "connection"), stats.completed.load(),
           stats.failed.load());
  return 0;
}
