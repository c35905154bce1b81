// hs-ch06-server: the HELLO server on a runtime of your own (no Asio). One thread runs one Runtime;
// every connection is a session Task. main() only wires things up; given/serve.cpp runs it: a
// signalfd, watched like any socket, turns SIGINT/SIGTERM into a call to Server::stop().
#include <csignal>
#include <exception>

#include <fmt/format.h>

#include "ch06/runtime.hpp"
#include "ch06/server.hpp"
#include "given/ch06/serve.hpp"
#include "hs/cli.hpp"
#include "hs/log.hpp"
#include "hs/server_cli.hpp"
#include "hs/server_log.hpp"

int main(int argc, char** argv) {
  hs::ServerArgs args;
  hs::Cli cli{"hs-ch06-server", "the HELLO server on a runtime of your own: one thread, no Asio (chapter 06)"};
  args.add_to(cli, "a sleep on the timer wheel: the thread serves others meanwhile");
  args.parse(cli, argc, argv);

  const hs::SignalFd signals{SIGINT, SIGTERM};  // before anything else: the signals now arrive only here
  const hs::ch06::ServerOptions options{{args.read_timeout, args.handshake_timeout, args.work()}};
  const hs::Logger log{args.quiet};
  hs::ch06::ServerStats stats;
  try {
    hs::ch06::Runtime runtime;
    hs::ch06::Server server{runtime, hs::listen_and_announce(cli, "hs-ch06-server", args), options, log, stats};
    hs::ch06::serve(runtime, server, signals.fd(), [&log](int fd) { hs::ch06::log_signal(fd, log); });
  } catch (const std::exception& e) {  // an exercise not done yet, or a bug: say which, exit 1
    fmt::print(stderr, "hs-ch06-server: {}\n", e.what());
    return 1;
  }
  hs::log_stopped(log, stats.accept.accepted, stats.accept.completed, stats.accept.failed, stats.open_peak);
  return 0;
}
