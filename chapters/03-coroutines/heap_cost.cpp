// hs-ch03-heap: where the bytes go, measured. Runs the chapter's Server in this process, holds N
// clients in the middle of their handshakes (HELLO Y received, HELLO Z not sent), and reports the
// heap in use per held connection and the allocations the server thread made for each. Built
// from your code (hs-ch03-heap) and from the reference (hs-ch03-heap-ref): compare your design.
// README: "Where the bytes go". (The holding and the counting: hs/heap_probe.hpp, shared with
// chapter 06's hs-ch06-heap.)
#include <exception>
#include <thread>

#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
#include <fmt/format.h>

#include "ch03/server.hpp"
#include "hs/heap_probe.hpp"
#include "hs/log.hpp"

int main(int argc, char** argv) {
  const int clients = hs::heap_probe::clients_option(
      argc, argv, "hs-ch03-heap", "heap bytes and allocations per held connection, for the chapter 03 Server");

  asio::io_context io{1};
  const hs::Logger log{true};
  hs::ch03::ServerStats stats;
  hs::ch03::ServerOptions options;
  options.session.read_timeout = std::chrono::minutes{2};  // the holding may take a while
  options.session.handshake_timeout = std::chrono::minutes{4};
  hs::ch03::Acceptor acceptor{io, {asio::ip::address_v4::loopback(), 0}};
  const auto port = acceptor.local_endpoint().port();
  hs::ch03::Server server{std::move(acceptor), options, log, stats};
  try {
    asio::co_spawn(io, server.listen(), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
    });
  } catch (const std::exception& e) {
    fmt::print(stderr, "hs-ch03-heap: {}\n", e.what());
    return 1;
  }
  std::exception_ptr failed;
  std::thread loop{[&] {
    hs::heap_probe::count_allocations_here();
    try {
      io.run();
    } catch (...) {
      failed = std::current_exception();
    }
  }};
  const auto held = hs::heap_probe::hold(
      port, clients, [&] { return failed ? ~std::uint64_t{0} : stats.open.load(); },
      [&] { asio::post(io, [&] { server.stop(); }); });
  loop.join();
  return hs::heap_probe::report("hs-ch03-heap", held, stats.open_peak.load(), failed);
}
