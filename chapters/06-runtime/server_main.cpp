// hs-ch06-server: the HELLO server on a runtime of your own (no Asio). One thread runs one Runtime;
// every connection is a session Task. main() only wires things up: a signalfd, watched like any
// socket, turns SIGINT/SIGTERM into a call to Server::stop().
#include <sys/signalfd.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <exception>

#include <fmt/format.h>

#include "ch06/runtime.hpp"
#include "ch06/server.hpp"
#include "ch06/task.hpp"
#include "hs/cli.hpp"
#include "hs/log.hpp"
#include "hs/server_cli.hpp"
#include "hs/server_log.hpp"

namespace {

// Waits for SIGINT/SIGTERM on `signals`, then stops the server. Cancelled (the listener ended by
// itself), it returns: nothing is left to stop.
hs::ch06::Task<void> stop_on_signal(hs::ch06::Runtime& runtime, hs::ch06::Io& signals, hs::ch06::Server& server,
                                    const hs::Logger& log) {
  const hs::ch06::Wake wake = co_await runtime.readable(signals);
  if (wake == hs::ch06::Wake::cancelled) co_return;
  signalfd_siginfo info{};
  if (::read(signals.fd(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    log.info("{}: stopping", ::sigdescr_np(static_cast<int>(info.ssi_signo)));
  }
  server.stop();
}

}  // namespace

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
    hs::ch06::Io signal_io{hs::Fd{::dup(signals.fd())}};  // (non-blocking: it shares the signalfd's flags)
    runtime.watch(signal_io);

    hs::ch06::spawn(server.listen(), [&](std::exception_ptr thrown) {
      runtime.cancel(signal_io);  // nothing left to stop: let run() return once the sessions are done
      if (thrown) std::rethrow_exception(thrown);
    });
    hs::ch06::spawn(stop_on_signal(runtime, signal_io, server, log), [](std::exception_ptr thrown) {
      if (thrown) std::rethrow_exception(thrown);
    });
    runtime.run();
  } catch (const std::exception& e) {  // an exercise not done yet, or a bug: say which, exit 1
    fmt::print(stderr, "hs-ch06-server: {}\n", e.what());
    return 1;
  }
  hs::log_stopped(log, stats.accept.accepted, stats.accept.completed, stats.accept.failed, stats.open_peak);
  return 0;
}
