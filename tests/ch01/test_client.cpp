// Exercise 1.4: run_client() against a scripted server (test support's RawListener), so every
// reply, right or wrong, is under the test's control.
#include <vector>

#include "ch01/blocking_client.hpp"
#include "fixtures.hpp"

using namespace hs::ch01;
using namespace hs::ch01::test;

namespace {

// A one-connection server running `script` in a background thread; the script returns what the
// server received, for the test to check.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::function<std::string(RawSocket&)> script)
      : received_{std::async(std::launch::async, [this, script = std::move(script)] {
          auto peer = listener_.accept();
          return script(peer);
        })} {}
  hs::Fd connect() { return hs::connect_tcp("127.0.0.1", listener_.port(), 30s); }
  std::string received() { return received_.get(); }

 private:
  RawListener listener_;
  std::future<std::string> received_;
};

ClientOptions quick(std::int64_t x) {
  ClientOptions o;
  o.x = x;
  o.read_timeout = 300ms;
  return o;
}

}  // namespace

TEST_CASE("client: a full handshake that is done when the server closes", "[ex1.4]") {
  ScriptedServer server{[](RawSocket& s) {
    auto got = s.read_line();
    s.send("HELLO 42\n");
    got += s.read_line();
    return got;  // closes: the client's cue that all went well
  }};
  std::vector<std::pair<Direction, std::string>> seen;
  const auto fd = server.connect();
  const auto result = run_client(fd.get(), quick(41),
                                 [&seen](Direction d, std::string_view b) { seen.emplace_back(d, std::string{b}); });
  CHECK(result.status == hs::Status::done);
  CHECK_FALSE(result.error);
  CHECK(server.received() == "HELLO 41\nHELLO 43\n");
  const std::vector<std::pair<Direction, std::string>> expected{
      {Direction::sent, "HELLO 41\n"}, {Direction::received, "HELLO 42\n"}, {Direction::sent, "HELLO 43\n"}};
  CHECK(seen == expected);
}

TEST_CASE("client: a wrong Y fails with sequence and no Z is sent", "[ex1.4]") {
  ScriptedServer server{[](RawSocket& s) {
    auto got = s.read_line();
    s.send("HELLO 50\n");
    return got + s.read_all();  // everything until the client closes
  }};
  ClientResult result;
  {
    const auto fd = server.connect();
    result = run_client(fd.get(), quick(41));
  }
  CHECK(result.status == hs::Status::failed);
  REQUIRE(result.error);
  CHECK(result.error->reason == hs::ErrorReason::sequence);
  CHECK_FALSE(result.error->from_peer);
  CHECK(server.received() == "HELLO 41\n");
}

TEST_CASE("client: the server's ERROR line is reported as the server's", "[ex1.4]") {
  ScriptedServer server{[](RawSocket& s) {
    auto got = s.read_line();
    s.send("ERROR busy server at capacity\n");
    return got;
  }};
  const auto fd = server.connect();
  const auto result = run_client(fd.get(), quick(1));
  CHECK(result.status == hs::Status::failed);
  REQUIRE(result.error);
  CHECK(result.error->reason == hs::ErrorReason::busy);
  CHECK(result.error->from_peer);
  CHECK(result.error->detail == "server at capacity");
  server.received();
}

TEST_CASE("client: silence and early closes fail within the timeouts", "[ex1.4]") {
  SECTION("the server never answers") {
    ScriptedServer server{[](RawSocket& s) { return s.read_all(); }};
    ClientResult result;
    {
      const auto fd = server.connect();
      result = run_client(fd.get(), quick(1));
    }
    REQUIRE(result.error);
    CHECK(result.error->reason == hs::ErrorReason::timeout);
    CHECK(server.received() == "HELLO 1\n");
  }
  SECTION("the server answers but never closes after Z") {
    ScriptedServer server{[](RawSocket& s) {
      auto got = s.read_line();
      s.send("HELLO 2\n");
      return got + s.read_all();
    }};
    ClientResult result;
    {
      const auto fd = server.connect();
      result = run_client(fd.get(), quick(1));
    }
    REQUIRE(result.error);
    CHECK(result.error->reason == hs::ErrorReason::timeout);
    CHECK(server.received() == "HELLO 1\nHELLO 3\n");
  }
  SECTION("the server closes before answering") {
    ScriptedServer server{[](RawSocket& s) { return s.read_line(); }};
    const auto fd = server.connect();
    const auto result = run_client(fd.get(), quick(1));
    REQUIRE(result.error);
    CHECK(result.error->reason == hs::ErrorReason::malformed);
    server.received();
  }
  SECTION("the whole handshake has a deadline too") {
    ScriptedServer server{[](RawSocket& s) { return s.read_all(); }};
    ClientOptions options = quick(1);
    options.read_timeout = 30s;
    options.handshake_timeout = 300ms;
    ClientResult result;
    {
      const auto fd = server.connect();
      result = run_client(fd.get(), options);
    }
    REQUIRE(result.error);
    CHECK(result.error->reason == hs::ErrorReason::timeout);
    server.received();
  }
}

TEST_CASE("client: --think-ms pauses between Y and Z", "[ex1.4]") {
  ScriptedServer server{[](RawSocket& s) {
    auto got = s.read_line();
    const auto before_y = Clock::now();  // (before the send: the client cannot have Y earlier)
    s.send("HELLO 8\n");
    got += s.read_line();
    return Clock::now() - before_y >= 100ms ? got : "Z came before the think time: " + got;
  }};
  ClientOptions options = quick(7);
  options.think = 100ms;
  ClientResult result;
  {
    const auto fd = server.connect();
    result = run_client(fd.get(), options);
  }
  CHECK(result.status == hs::Status::done);
  CHECK(server.received() == "HELLO 7\nHELLO 9\n");
}

TEST_CASE("client: --think-ms is only between Y and Z and not before X", "[ex1.4]") {
  // The server refuses at once, so a client that thinks only before Z never thinks here. One that
  // thought before X too would be 10 s late with it.
  const auto connected = Clock::now();
  ScriptedServer server{[connected](RawSocket& s) {
    auto got = s.read_line();
    s.send("ERROR busy server at capacity\n");
    return Clock::now() - connected < 10s ? got : "X came after the think time: " + got;
  }};
  ClientOptions options = quick(7);
  options.think = 10s;
  ClientResult result;
  {
    const auto fd = server.connect();
    result = run_client(fd.get(), options);
  }
  REQUIRE(result.error);
  CHECK(result.error->reason == hs::ErrorReason::busy);
  CHECK(server.received() == "HELLO 7\n");
}
