// hs-ch03-server: the HELLO server on C++20 coroutines. One thread runs one io_context; every
// connection is a session coroutine. main() only wires things up: the listener and the graceful
// stop are exercises 3.3 and 3.4.
#include <signal.h>

#include <cstring>
#include <exception>
#include <system_error>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <fmt/format.h>

#include "ch03/server.hpp"
#include "hs/cli.hpp"
#include "hs/log.hpp"
#include "hs/server_cli.hpp"
#include "hs/server_log.hpp"

int main(int argc, char** argv) {
  hs::ServerArgs args;
  hs::Cli cli{"hs-ch03-server", "the HELLO server on coroutines: one thread, many clients (chapter 03)"};
  args.add_to(cli, "an awaited timer: the thread serves others meanwhile");
  args.parse(cli, argc, argv);

  const hs::ch03::ServerOptions options{{args.read_timeout, args.handshake_timeout, args.work()}};
  const hs::Logger log{args.quiet};
  hs::ch03::ServerStats stats;

  asio::io_context io{1};  // concurrency hint 1: exactly one thread will run it
  hs::ch03::Server server{hs::ch03::adopt(io, hs::listen_and_announce(cli, "hs-ch03-server", args)), options, log,
                          stats};

  // SIGINT/SIGTERM: stop accepting, let the handshakes in progress finish, and run() returns.
  asio::signal_set signals{io, SIGINT, SIGTERM};
  signals.async_wait([&](std::error_code error, int signal) {
    if (error) return;  // cancelled: the listener ended by itself
    log.info("{}: stopping", ::sigdescr_np(signal));
    server.stop();
  });
  try {
    asio::co_spawn(io, server.listen(), [&](std::exception_ptr thrown) {
      signals.cancel();  // nothing left to stop: let run() return once the sessions are done
      if (thrown) std::rethrow_exception(thrown);
    });
    io.run();
  } catch (const std::exception& e) {  // an exercise not done yet, or a bug: say which, exit 1
    fmt::print(stderr, "hs-ch03-server: {}\n", e.what());
    return 1;
  }
  hs::log_stopped(log, stats.accept.accepted, stats.accept.completed, stats.accept.failed, stats.open_peak);
  return 0;
}
