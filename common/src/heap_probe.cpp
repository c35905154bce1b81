// The chapters' heap tools: counting allocations, holding clients mid-handshake (heap_probe.hpp).
#include "hs/heap_probe.hpp"

#include <malloc.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <new>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "hs/cli.hpp"
#include "hs/net.hpp"
#include "hs/protocol.hpp"
#include "hs/server_log.hpp"

namespace hs::heap_probe {

namespace {

std::atomic<long> counted{0};        // allocations made on a counted thread
thread_local bool counting = false;  // this thread's are counted

void* allocate(std::size_t size) {
  if (counting) counted.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc{};
}

// One line from `fd`, or "" if none came within 30 s.
std::string read_line(int fd) {
  std::string line;
  char c = 0;
  while (line.size() < max_line_bytes && wait_readable(fd, std::chrono::seconds{30}) && ::recv(fd, &c, 1, 0) == 1) {
    line += c;
    if (c == '\n') break;
  }
  return line;
}

// HELLO x sent, HELLO x+1 read: the connection, held; or an empty Fd.
Fd half_handshake(std::uint16_t port, int x) {
  Fd fd = connect_tcp("127.0.0.1", port, std::chrono::seconds{30});
  const auto hello = fmt::format("HELLO {}\n", x);
  ::send(fd.get(), hello.data(), hello.size(), MSG_NOSIGNAL);
  return read_line(fd.get()) == fmt::format("HELLO {}\n", x + 1) ? std::move(fd) : Fd{};
}

}  // namespace

int clients_option(int argc, char** argv, std::string program, std::string summary) {
  int clients = 2000;
  Cli cli{std::move(program), std::move(summary)};
  cli.add("--clients", clients, "N", "connections to hold at once (each takes 2 descriptors here)");
  cli.parse(argc, argv);
  if (clients < 1 || clients > 9000) cli.fail("--clients must be 1 to 9000 (ulimit -n counts both ends)");
  return clients;
}

void count_allocations_here() noexcept { counting = true; }

Held hold(std::uint16_t port, int clients, const std::function<std::uint64_t()>& open,
          const std::function<void()>& release) {
  Fd warm_up = half_handshake(port, 0);  // one-time set-up (buffers, the first slot...): not counted
  std::vector<Fd> held;
  held.reserve(static_cast<std::size_t>(clients));
  const struct mallinfo2 before = ::mallinfo2();
  const long allocations_before = counted.load();
  for (int i = 1; i <= clients; ++i) {
    held.push_back(half_handshake(port, i));
    if (!held.back()) break;
  }
  const auto wanted = static_cast<std::uint64_t>(clients) + 1;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds{60};
  while (open() < wanted && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds{1});  // the server is still finishing its replies
  }
  const struct mallinfo2 after = ::mallinfo2();
  Held result;
  result.clients = clients;
  result.heap_bytes = static_cast<double>(after.uordblks - before.uordblks) / clients;
  result.allocations = static_cast<double>(counted.load() - allocations_before) / clients;
  result.all_held = held.size() == static_cast<std::size_t>(clients) && held.back() && open() == wanted;
  release();
  return result;  // (the clients close here: their sessions end, and the caller's server can return)
}

int report(std::string_view program, const Held& held, std::uint64_t open_peak, const std::exception_ptr& failed) {
  if (failed) {
    fmt::print(stderr, "{}: {}\n", program, message_of(failed));
    return 1;
  }
  if (!held.all_held) {
    fmt::print(stderr, "{}: only {} of {} connections were held\n", program, open_peak, held.clients + 1);
    return 1;
  }
  fmt::print("{} connections held, each mid-handshake (HELLO Y sent, waiting for HELLO Z):\n", held.clients);
  fmt::print("  heap in use: {:.0f} bytes per connection (malloc's own view: mallinfo2)\n", held.heap_bytes);
  fmt::print("  allocations by the server thread: {:.1f} per connection, from accept to held\n", held.allocations);
  return 0;
}

}  // namespace hs::heap_probe

// The replacement of the global allocation functions, for every program that links hs::heap_probe.
void* operator new(std::size_t size) { return hs::heap_probe::allocate(size); }
void* operator new[](std::size_t size) { return hs::heap_probe::allocate(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
