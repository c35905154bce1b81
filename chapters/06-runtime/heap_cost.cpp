// hs-ch06-heap: where the bytes go, measured, for this chapter's Server (chapter 03's
// hs-ch03-heap, on your runtime). Runs the Server in this process, holds N clients in the middle
// of their handshakes (HELLO Y received, HELLO Z not sent), and reports the heap in use per held
// connection and the allocations the server thread made for each. hs-ch06-heap measures your code,
// hs-ch06-heap-ref the reference. README: "Where the bytes go".
#include <exception>
#include <thread>

#include "ch06/runtime.hpp"
#include "ch06/server.hpp"
#include "given/ch06/serve.hpp"
#include "hs/heap_probe.hpp"
#include "hs/log.hpp"
#include "hs/net.hpp"

int main(int argc, char** argv) {
  const int clients = hs::heap_probe::clients_option(
      argc, argv, "hs-ch06-heap", "heap bytes and allocations per held connection, for the chapter 06 Server");

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
      hs::ch06::serve(runtime, server, stop_request.fd());  // release() stops it, from the main thread
    } catch (...) {
      failed = std::current_exception();
    }
  }};
  const auto held = hs::heap_probe::hold(
      port, clients, [&] { return failed ? ~std::uint64_t{0} : stats.open.load(); }, [&] { stop_request.notify(); });
  loop.join();
  return hs::heap_probe::report("hs-ch06-heap", held, stats.open_peak.load(), failed);
}
