// Test support checks itself: the raw client and listener exchange lines, see end of stream and
// resets, and time out when nothing comes.
#include <catch2/catch.hpp>

#include <array>

#include "hs/testing/raw_socket.hpp"

using hs::testing::RawListener;
using hs::testing::RawSocket;
using hs::testing::ReadEnd;
using namespace std::chrono_literals;

TEST_CASE("lines cross in both directions split or coalesced", "[testing]") {
  RawListener listener;
  auto client = RawSocket::connect("127.0.0.1", listener.port());
  auto server = listener.accept();
  const std::array<std::string_view, 3> pieces{"HEL", "LO 1\nHELLO", " 3\n"};
  REQUIRE(client.send_pieces(pieces, 1ms));
  CHECK(server.read_line() == "HELLO 1\n");
  CHECK(server.read_line() == "HELLO 3\n");
  REQUIRE(server.send("HELLO 2\n"));
  CHECK(client.read_line() == "HELLO 2\n");
  CHECK(client.last_end() == ReadEnd::line);
}

TEST_CASE("end of stream and half-close and reset are told apart", "[testing]") {
  RawListener listener;
  auto client = RawSocket::connect("127.0.0.1", listener.port());
  auto server = listener.accept();
  client.send("partial");
  client.shutdown_write();
  CHECK(server.read_line() == "partial");
  CHECK(server.last_end() == ReadEnd::closed);
  server.send("still readable\n");  // a half-closed client can still read
  CHECK(client.read_line() == "still readable\n");
  server.close(/*reset=*/true);
  CHECK(client.read_all().empty());
  CHECK(client.last_end() == ReadEnd::reset);
}

TEST_CASE("a read with nothing to read times out", "[testing]") {
  RawListener listener;
  auto client = RawSocket::connect("127.0.0.1", listener.port());
  auto server = listener.accept();
  CHECK(client.read_line(50ms).empty());
  CHECK(client.last_end() == ReadEnd::timeout);
}

TEST_CASE("IPv6 loopback works too", "[testing]") {
  RawListener listener{"::1"};
  auto client = RawSocket::connect("::1", listener.port());
  auto server = listener.accept();
  client.send("HELLO 1\n");
  CHECK(server.read_line() == "HELLO 1\n");
}

TEST_CASE("connecting to a closed port fails with a clear error", "[testing]") {
  std::uint16_t port = 0;
  {
    RawListener listener;
    port = listener.port();
  }
  CHECK_THROWS_WITH(RawSocket::connect("127.0.0.1", port),
                    Catch::Contains("connect to 127.0.0.1:") && Catch::Contains("refused"));
}
