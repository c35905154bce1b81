// hs-ch03-server: the HELLO server on C++20 coroutines. One thread runs one io_context; every
// connection is a session coroutine. main() only wires things up: the listener and the graceful
// stop are exercises 3.3 and 3.4. Built a second time as hs-ch03-server-uring, the same code on
// Asio's io_uring backend instead of epoll (CMakeLists.txt: the one-line build change).
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
#include "hs/io_uring_probe.hpp"
#include "hs/log.hpp"
#include "hs/server_cli.hpp"
#include "hs/server_log.hpp"

namespace {

// Asio defines this when it is told to run every io_context on io_uring and to leave epoll out.
#if defined(ASIO_HAS_IO_URING_AS_DEFAULT)
constexpr bool on_io_uring = true;
constexpr const char* program = "hs-ch03-server-uring";
#else
constexpr bool on_io_uring = false;
constexpr const char* program = "hs-ch03-server";
#endif

}  // namespace

int main(int argc, char** argv) {
  hs::ServerArgs args;
  hs::Cli cli{program, on_io_uring ? "the HELLO server on coroutines, on Asio's io_uring backend (chapter 03)"
                                   : "the HELLO server on coroutines: one thread, many clients (chapter 03)"};
  args.add_to(cli, "an awaited timer: the thread serves others meanwhile");
  args.parse(cli, argc, argv);
  // Asio would throw from deep inside its first I/O object; most containers refuse io_uring, so a
  // learner gets one line saying why, and scripts exit status 2 (hs/io_uring_probe.hpp).
  if constexpr (on_io_uring) {
    if (auto why = hs::io_uring_unavailable(); !why.empty()) {
      fmt::print(stderr, "{}: io_uring is unavailable: {}\n", program, why);
      return hs::exit_unavailable;
    }
  }

  const hs::ch03::ServerOptions options{{args.read_timeout, args.handshake_timeout, args.work()}};
  const hs::Logger log{args.quiet};
  hs::ch03::ServerStats stats;
  try {
    asio::io_context io{1};  // concurrency hint 1: exactly one thread will run it
    // Before the listener: the signal set starts the io_context's backend (epoll, or the ring), so
    // a backend that fails anyway (the ring's memory, say) stops the program before it announces.
    asio::signal_set signals{io, SIGINT, SIGTERM};
    hs::ch03::Server server{hs::ch03::adopt(io, hs::listen_and_announce(cli, program, args)), options, log, stats};

    // SIGINT/SIGTERM: stop accepting, let the handshakes in progress finish, and run() returns.
    signals.async_wait([&](std::error_code error, int signal) {
      if (error) return;  // cancelled: the listener ended by itself
      log.info("{}: stopping", ::sigdescr_np(signal));
      server.stop();
    });
    asio::co_spawn(io, server.listen(), [&](std::exception_ptr thrown) {
      signals.cancel();  // nothing left to stop: let run() return once the sessions are done
      if (thrown) std::rethrow_exception(thrown);
    });
    io.run();
  } catch (const std::exception& e) {  // an exercise not done yet, or a bug: say which, exit 1
    fmt::print(stderr, "{}: {}\n", program, e.what());
    return 1;
  }
  hs::log_stopped(log, stats.accept.accepted, stats.accept.completed, stats.accept.failed, stats.open_peak);
  return 0;
}
