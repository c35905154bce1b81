// hs-ch03-heap: where the bytes go, measured. Runs the chapter's Server in this process, holds N
// clients in the middle of their handshakes (HELLO Y received, HELLO Z not sent), and reports the
// heap in use per held connection and the allocations the server thread made for each. Built
// from your code (hs-ch03-heap) and from the reference (hs-ch03-heap-ref): compare your design.
// README: "Where the bytes go".
#include <malloc.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <thread>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
#include <fmt/format.h>

#include "ch03/server.hpp"
#include "hs/cli.hpp"
#include "hs/net.hpp"
#include "hs/server_log.hpp"

namespace {

// Every allocation made on the server's thread is counted; the rest of the program is not.
std::atomic<long> server_allocations{0};
thread_local bool on_server_thread = false;

void* allocate(std::size_t size) {
  if (on_server_thread) server_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc{};
}

// One line from `fd`, or "" if none came within the timeout.
std::string read_line(int fd) {
  std::string line;
  char c = 0;
  while (line.size() < hs::max_line_bytes && hs::wait_readable(fd, std::chrono::seconds{30}) &&
         ::recv(fd, &c, 1, 0) == 1) {
    line += c;
    if (c == '\n') break;
  }
  return line;
}

}  // namespace

void* operator new(std::size_t size) { return allocate(size); }
void* operator new[](std::size_t size) { return allocate(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

int main(int argc, char** argv) {
  int clients = 2000;
  hs::Cli cli{"hs-ch03-heap", "heap bytes and allocations per held connection, for the chapter 03 Server"};
  cli.add("--clients", clients, "N", "connections to hold at once (each takes 2 descriptors here)");
  cli.parse(argc, argv);
  if (clients < 1 || clients > 9000) cli.fail("--clients must be 1 to 9000 (ulimit -n counts both ends)");

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
    on_server_thread = true;
    try {
      io.run();
    } catch (...) {
      failed = std::current_exception();
    }
  }};

  auto handshake_start = [&](int x) {
    hs::Fd fd = hs::connect_tcp("127.0.0.1", port, std::chrono::seconds{30});
    const auto hello = fmt::format("HELLO {}\n", x);
    ::send(fd.get(), hello.data(), hello.size(), MSG_NOSIGNAL);
    return read_line(fd.get()) == fmt::format("HELLO {}\n", x + 1) ? std::move(fd) : hs::Fd{};
  };
  auto warm_up = handshake_start(0);  // the first connection pays for one-time set-up: not counted
  std::vector<hs::Fd> held;
  held.reserve(static_cast<std::size_t>(clients));
  const struct mallinfo2 before = ::mallinfo2();
  const long allocations_before = server_allocations.load();
  for (int i = 1; i <= clients && !failed; ++i) {
    held.push_back(handshake_start(i));
    if (!held.back()) break;
  }
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds{60};
  while (stats.open.load() < static_cast<std::uint64_t>(clients) + 1 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds{1});  // the server thread is still finishing its replies
  }
  const struct mallinfo2 after = ::mallinfo2();
  const long allocations = server_allocations.load() - allocations_before;
  const bool all_held = held.size() == static_cast<std::size_t>(clients) && held.back() &&
                        stats.open.load() == static_cast<std::uint64_t>(clients) + 1;

  asio::post(io, [&] { server.stop(); });
  held.clear();  // closing the clients ends their sessions (end of stream), so run() returns
  warm_up.reset();
  loop.join();
  if (failed) {
    fmt::print(stderr, "hs-ch03-heap: {}\n", hs::message_of(failed));
    return 1;
  }
  if (!all_held) {
    fmt::print(stderr, "hs-ch03-heap: only {} of {} connections were held\n", stats.open_peak.load(), clients + 1);
    return 1;
  }
  const double n = clients;
  fmt::print("{} connections held, each mid-handshake (HELLO Y sent, waiting for HELLO Z):\n", clients);
  fmt::print("  heap in use: {:.0f} bytes per connection (malloc's own view: mallinfo2)\n",
             static_cast<double>(after.uordblks - before.uordblks) / n);
  fmt::print("  allocations by the server thread: {:.1f} per connection, from accept to held\n",
             static_cast<double>(allocations) / n);
  return 0;
}
