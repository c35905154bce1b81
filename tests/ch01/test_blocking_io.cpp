// Exercise 1.1: read_some() and write_all() on a real loopback connection.
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <fstream>
#include <future>
#include <thread>

#include "ch01/blocking_io.hpp"
#include "fixtures.hpp"

using namespace hs::ch01;
using namespace hs::ch01::test;

namespace {

Clock::time_point in(std::chrono::milliseconds d) { return Clock::now() + d; }

struct CloseOnExit {
  hs::Fd& fd;
  ~CloseOnExit() { fd.reset(); }
};

std::atomic<int> signals_caught{0};

/// Runs `call` in a thread and, once that thread is parked in poll(), interrupts it with a signal
/// whose handler does nothing, so the poll() fails with EINTR. Then runs `after` (which lets the
/// call finish) and returns the call's result. Waits by looking at what the thread is doing
/// (/proc/self/task/TID/syscall), not by sleeping: deterministic on a loaded machine.
template <typename Call>
auto interrupted_once(Call call, const std::function<void()>& after) {
  struct sigaction action {};
  action.sa_handler = [](int) { ++signals_caught; };
  ::sigemptyset(&action.sa_mask);  // no SA_RESTART (poll() is never restarted anyway)
  struct sigaction saved {};
  REQUIRE(::sigaction(SIGUSR1, &action, &saved) == 0);
  std::atomic<pid_t> tid{0};
  std::promise<pthread_t> handle;
  auto result = std::async(std::launch::async, [&] {
    tid = static_cast<pid_t>(::syscall(SYS_gettid));
    handle.set_value(::pthread_self());
    return call();
  });
  const pthread_t thread = handle.get_future().get();
  const auto in_poll = [&] {
    std::ifstream file{"/proc/self/task/" + std::to_string(tid.load()) + "/syscall"};
    long number = -1;
    file >> number;
    return number == SYS_poll || number == SYS_ppoll;
  };
  const auto finished = [&] { return result.wait_for(0s) == std::future_status::ready; };
  const auto wait_until = [&](auto condition) {
    for (int spins = 0; spins < 1'000'000 && !condition() && !finished(); ++spins) std::this_thread::yield();
    return condition();
  };
  const int before = signals_caught;
  const bool parked = wait_until(in_poll);
  if (parked) ::pthread_kill(thread, SIGUSR1);
  // An EINTR taken for an error ends the call here; taken right, the call waits in poll() again.
  const bool waiting_again = parked && wait_until([&] { return signals_caught > before && in_poll(); });
  after();
  auto value = result.get();
  ::sigaction(SIGUSR1, &saved, nullptr);
  CHECK(parked);
  CHECK(waiting_again);
  return value;
}

}  // namespace

TEST_CASE("read_some returns the bytes that are there", "[ex1.1]") {
  auto [server, client] = connected_pair();
  client.send("HELLO 1\n");
  std::array<char, 64> buffer{};
  const auto r = read_some(server.get(), buffer, in(30s));
  REQUIRE(r.status == ReadStatus::data);
  CHECK(std::string_view(buffer.data(), r.size) == "HELLO 1\n");
}

TEST_CASE("read_some never reads more than the buffer holds", "[ex1.1]") {
  auto [server, client] = connected_pair();
  client.send(std::string(100, 'x'));
  std::array<char, 64> buffer{};
  std::size_t total = 0;
  while (total < 100) {
    const auto r = read_some(server.get(), buffer, in(30s));
    REQUIRE(r.status == ReadStatus::data);
    CHECK(r.size <= buffer.size());
    total += r.size;
  }
  CHECK(total == 100);
}

TEST_CASE("read_some reports the end of the stream", "[ex1.1]") {
  auto [server, client] = connected_pair();
  client.close();
  std::array<char, 64> buffer{};
  CHECK(read_some(server.get(), buffer, in(30s)).status == ReadStatus::eof);
}

TEST_CASE("read_some gives up at the deadline when nothing comes", "[ex1.1]") {
  auto [server, client] = connected_pair();
  std::array<char, 64> buffer{};
  CHECK(read_some(server.get(), buffer, in(100ms)).status == ReadStatus::timeout);
  CHECK(read_some(server.get(), buffer, in(-1s)).status == ReadStatus::timeout);  // already passed
}

TEST_CASE("read_some reports a reset connection as an error", "[ex1.1]") {
  auto [server, client] = connected_pair();
  client.close(/*reset=*/true);
  std::array<char, 64> buffer{};
  const auto r = read_some(server.get(), buffer, in(30s));
  CHECK(r.status == ReadStatus::error);
  CHECK(r.error == std::error_code(ECONNRESET, std::generic_category()));
}

TEST_CASE("write_all sends everything even when it is more than the socket buffers hold", "[ex1.1]") {
  auto pair = connected_pair();  // (not a structured binding: clang 14 cannot capture those)
  auto& server = pair.server;
  const std::string big(8 << 20, 'z');  // 8 MiB: many partial sends
  auto reader = std::async(std::launch::async, [&pair] { return pair.client.read_all(); });
  std::error_code error;
  {
    const CloseOnExit closer{server};  // then the reader sees the end, even if write_all throws
    error = write_all(server.get(), big, in(30s));
  }
  CHECK_FALSE(error);
  CHECK(reader.get().size() == big.size());
}

TEST_CASE("write_all gives up at the deadline when the peer does not read", "[ex1.1]") {
  auto [server, client] = connected_pair();
  const std::string huge(64 << 20, 'z');  // far more than both sockets' buffers
  CHECK(write_all(server.get(), huge, in(200ms)) == std::errc::timed_out);
}

TEST_CASE("write_all to a vanished peer returns an error instead of killing the process", "[ex1.1]") {
  auto [server, client] = connected_pair();
  client.close(/*reset=*/true);
  std::error_code error;
  for (int i = 0; i < 100 && !error; ++i) error = write_all(server.get(), "HELLO 2\n", in(30s));
  // Still running: no SIGPIPE. The error is the reset or the broken pipe.
  CHECK((error == std::error_code(ECONNRESET, std::generic_category()) ||
         error == std::error_code(EPIPE, std::generic_category())));
}

TEST_CASE("a signal during read_some's or write_all's wait is no error: they wait again", "[ex1.1]") {
  SECTION("read_some") {
    auto pair = connected_pair();
    std::array<char, 64> buffer{};
    const auto r = interrupted_once([&] { return read_some(pair.server.get(), buffer, in(30s)); },
                                    [&] { pair.client.send("HELLO 1\n"); });
    CHECK(r.status == ReadStatus::data);
    CHECK(std::string_view(buffer.data(), r.size) == "HELLO 1\n");
  }
  SECTION("write_all") {
    auto pair = connected_pair();
    // Fill the socket buffers, so that write_all() has to wait for room.
    const std::string chunk(64 << 10, 'z');
    std::size_t filled = 0;
    while (true) {
      const auto n = ::send(pair.server.get(), chunk.data(), chunk.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n < 0) break;  // EAGAIN: full
      filled += static_cast<std::size_t>(n);
    }
    std::future<std::string> reader;
    const CloseOnExit closer{pair.server};  // then the reader sees the end, even if write_all throws
    const auto error =
        interrupted_once([&] { return write_all(pair.server.get(), "HELLO 2\n", in(30s)); },
                         [&] { reader = std::async(std::launch::async, [&pair] { return pair.client.read_all(); }); });
    CHECK_FALSE(error);
    pair.server.reset();  // the reader sees the end
    const std::string got = reader.get();
    CHECK(got.size() == filled + 8);
    CHECK(got.ends_with("HELLO 2\n"));
  }
}
