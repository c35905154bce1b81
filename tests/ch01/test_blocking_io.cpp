// Exercise 1.1: read_some() and write_all() on a real loopback connection.
#include <cerrno>
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

TEST_CASE("write_all sends everything, even more than the socket buffers hold", "[ex1.1]") {
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
