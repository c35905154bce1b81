// hs-ch07-server: the HELLO server on io_uring (completions), or on chapter 06's epoll runtime
// (readiness), chosen with --backend: the same tasks, the same timer wheel, two ways to wait, so
// that one program measures both side by side. main() only wires things up.
#include <csignal>
#include <exception>
#include <string>

#include <fmt/format.h>

#include "ch06/runtime.hpp"
#include "ch06/server.hpp"
#include "ch07/ring.hpp"
#include "ch07/server.hpp"
#include "given/ch06/serve.hpp"
#include "given/ch07/serve.hpp"
#include "hs/cli.hpp"
#include "hs/io_uring_probe.hpp"
#include "hs/log.hpp"
#include "hs/server_cli.hpp"
#include "hs/server_log.hpp"

int main(int argc, char** argv) {
  hs::ServerArgs args;
  std::string backend = "io_uring";
  bool check_only = false;
  hs::Cli cli{"hs-ch07-server", "the HELLO server on io_uring, or on chapter 06's epoll runtime (chapter 07)"};
  args.add_to(cli, "a sleep on the timer wheel: the thread serves others meanwhile");
  cli.add("--backend", backend, "NAME",
          "io_uring (completions: submit, then be told) or epoll (chapter 06: readiness)");
  cli.add("--check-io-uring", check_only,
          "say whether this machine allows io_uring (exit 0) or why not (exit 2), and exit");
  args.parse(cli, argc, argv);
  if (backend != "io_uring" && backend != "epoll") {
    fmt::print(stderr, "hs-ch07-server: --backend must be io_uring or epoll, not '{}'\n", backend);
    return 2;
  }
  if (backend == "io_uring" || check_only) {
    if (const std::string why = hs::io_uring_unavailable(); !why.empty()) {
      fmt::print(stderr, "hs-ch07-server: io_uring is unavailable: {}; --backend epoll runs without it\n", why);
      return hs::exit_unavailable;
    }
    if (check_only) {
      fmt::print("io_uring is available\n");
      return 0;
    }
  }

  const hs::SignalFd signals{SIGINT, SIGTERM};  // before anything else: the signals now arrive only here
  const hs::ch06::ServerOptions options{{args.read_timeout, args.handshake_timeout, args.work()}};
  const hs::Logger log{args.quiet};
  hs::ch06::ServerStats stats;
  const auto log_signal = [&log](int fd) { hs::ch06::log_signal(fd, log); };
  try {
    hs::ch06::Runtime runtime;
    if (backend == "epoll") {
      hs::ch06::Server server{runtime, hs::listen_and_announce(cli, "hs-ch07-server", args), options, log, stats};
      hs::ch06::serve(runtime, server, signals.fd(), log_signal);
    } else {
      hs::ch07::Ring ring{runtime};
      hs::ch07::Server server{ring, hs::listen_and_announce(cli, "hs-ch07-server", args), options, log, stats};
      hs::ch07::serve(ring, server, signals.fd(), log_signal);
    }
  } catch (const std::exception& e) {  // an exercise not done yet, or a bug: say which, exit 1
    fmt::print(stderr, "hs-ch07-server: {}\n", e.what());
    return 1;
  }
  hs::log_stopped(log, stats.accept.accepted, stats.accept.completed, stats.accept.failed, stats.open_peak);
  return 0;
}
