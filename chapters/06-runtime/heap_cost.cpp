// hs-ch06-heap: where the bytes go, measured, for this chapter's Server (chapter 03's
// hs-ch03-heap, on your runtime). Runs the Server in this process, holds N clients in the middle
// of their handshakes (HELLO Y received, HELLO Z not sent), and reports the heap in use per held
// connection and the allocations the server thread made for each. hs-ch06-heap measures your code,
// hs-ch06-heap-ref the reference. README: "Where the bytes go".
#include <unistd.h>

#include <exception>
#include <thread>

#include <fmt/format.h>

#include "ch06/runtime.hpp"
#include "ch06/server.hpp"
#include "ch06/task.hpp"
#include "hs/cli.hpp"
#include "hs/heap_probe.hpp"
#include "hs/net.hpp"
#include "hs/server_log.hpp"

namespace {

// Stops `server` once `stop` is readable: how another thread reaches the runtime's.
hs::ch06::Task<void> stop_when_asked(hs::ch06::Runtime& runtime, hs::ch06::Io& stop, hs::ch06::Server& server) {
  const hs::ch06::Wake wake = co_await runtime.readable(stop);
  if (wake == hs::ch06::Wake::ready) server.stop();
}

}  // namespace

int main(int argc, char** argv) {
  int clients = 2000;
  hs::Cli cli{"hs-ch06-heap", "heap bytes and allocations per held connection, for the chapter 06 Server"};
  cli.add("--clients", clients, "N", "connections to hold at once (each takes 2 descriptors here)");
  cli.parse(argc, argv);
  if (clients < 1 || clients > 9000) cli.fail("--clients must be 1 to 9000 (ulimit -n counts both ends)");

  const hs::Logger log{true};
  hs::ch06::ServerStats stats;
  hs::ch06::ServerOptions options;
  options.serve.read_timeout = std::chrono::minutes{2};  // the holding may take a while
  options.serve.handshake_timeout = std::chrono::minutes{4};
  hs::Fd listener = hs::listen_tcp("127.0.0.1", 0);
  const auto port = hs::local_endpoint(listener.get()).port;
  const hs::EventFd stop_request;
  std::exception_ptr failed;
  std::thread loop{[&] {
    hs::heap_probe::count_allocations_here();
    try {
      hs::ch06::Runtime runtime;
      hs::ch06::Server server{runtime, std::move(listener), options, log, stats};
      hs::ch06::Io stop{hs::Fd{::dup(stop_request.fd())}};
      runtime.watch(stop);
      hs::ch06::spawn(server.listen(), [&](std::exception_ptr thrown) {
        runtime.cancel(stop);
        if (thrown) std::rethrow_exception(thrown);
      });
      hs::ch06::spawn(stop_when_asked(runtime, stop, server), [](std::exception_ptr thrown) {
        if (thrown) std::rethrow_exception(thrown);
      });
      runtime.run();
    } catch (...) {
      failed = std::current_exception();
    }
  }};
  const auto held = hs::heap_probe::hold(
      port, clients, [&] { return failed ? ~std::uint64_t{0} : stats.open.load(); }, [&] { stop_request.notify(); });
  loop.join();
  if (failed) {
    fmt::print(stderr, "hs-ch06-heap: {}\n", hs::message_of(failed));
    return 1;
  }
  return hs::heap_probe::report("hs-ch06-heap", held, stats.open_peak.load());
}
