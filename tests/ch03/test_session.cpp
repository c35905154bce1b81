// Exercise 3.2: session(), driven by the scripted test client over real TCP. The same behaviour as
// chapter 01's serve_connection(), byte for byte: only how the server waits has changed.
#include <array>
#include <vector>

#include "fixtures.hpp"

using namespace hs::ch03;
using namespace hs::ch03::test;
using namespace std::string_literals;

namespace {

SessionOptions quick() {
  SessionOptions o;
  o.read_timeout = 300ms;
  o.handshake_timeout = 30s;
  return o;
}

}  // namespace

TEST_CASE("a full handshake, then the server closes", "[ex3.2]") {
  Session serving;
  auto& client = serving.client;
  client.send("HELLO 41\n");
  CHECK(client.read_line() == "HELLO 42\n");
  client.send("HELLO 43\n");
  CHECK(client.read_all().empty());
  CHECK(client.last_end() == ReadEnd::closed);
  const auto result = serving.result();
  CHECK(result.status == hs::Status::done);
  CHECK_FALSE(result.io_error);
}

TEST_CASE("split and pipelined input is served the same", "[ex3.2]") {
  SECTION("split into pieces") {
    Session serving;
    auto& client = serving.client;
    const std::array<std::string_view, 4> pieces{"HE", "LLO 4", "1", "\r\n"};
    client.send_pieces(pieces, 5ms);
    CHECK(client.read_line() == "HELLO 42\n");
    const std::array<std::string_view, 2> z{"HELLO 4", "3\n"};
    client.send_pieces(z, 5ms);
    CHECK(client.read_all().empty());
    CHECK(serving.result().status == hs::Status::done);
  }
  SECTION("X and Z in one write, as `printf 'HELLO 1\\nHELLO 3\\n' | nc` sends them") {
    Session serving;
    auto& client = serving.client;
    client.send("HELLO 1\nHELLO 3\n");
    CHECK(client.read_all() == "HELLO 2\n");
    CHECK(client.last_end() == ReadEnd::closed);
    CHECK(serving.result().status == hs::Status::done);
  }
}

TEST_CASE("every protocol error gets its exact ERROR line, then a clean close", "[ex3.2]") {
  struct Row {
    const char* what;
    std::string_view input;
    hs::ErrorReason reason;
  };
  static const std::string nul_bytes = "\0\0\0\n"s;
  static const std::string long_line(200, 'A');
  static const std::string longer_line = [] {  // (not string + "\n": g++ 12 -O2 warns wrongly on that)
    std::string line(5001, 'A');
    line.back() = '\n';
    return line;
  }();
  const Row rows[] = {
      {"malformed", "hello 1\n", hs::ErrorReason::malformed},
      {"NUL bytes", nul_bytes, hs::ErrorReason::malformed},
      {"overflow", "HELLO 9223372036854775807\n", hs::ErrorReason::overflow},
      {"wrong Z", "HELLO 1\nHELLO 4\n", hs::ErrorReason::sequence},
      {"too long", long_line, hs::ErrorReason::too_long},
      {"too long, and more after it", longer_line, hs::ErrorReason::too_long},
  };
  for (const auto& row : rows) {
    INFO(row.what << ": input \"" << hs::printable(row.input, 60) << "\"");
    Session serving{quick()};
    auto& client = serving.client;
    client.send(row.input);
    // A clean close (FIN), not a reset: the server must not close with unread input pending, or
    // the client may never see the ERROR line. See the README's "lingering close".
    CHECK(client.read_all() == machine_reply(row.input));
    CHECK(client.last_end() == ReadEnd::closed);
    client.close();
    const auto result = serving.result();
    CHECK(result.status == hs::Status::failed);
    REQUIRE(result.error);
    CHECK(result.error->reason == row.reason);
  }
}

TEST_CASE("bytes after HELLO Z are ignored, and the close is still clean", "[ex3.2]") {
  Session serving{quick()};
  auto& client = serving.client;
  client.send("HELLO 1\nHELLO 3\n" + std::string(100, '#'));  // junk the server never reads
  CHECK(client.read_all() == "HELLO 2\n");
  CHECK(client.last_end() == ReadEnd::closed);  // not reset
  client.close();
  CHECK(serving.result().status == hs::Status::done);
}

TEST_CASE("a client that keeps sending after an error cannot hold the server", "[ex3.2]") {
  Session serving{quick()};
  auto& client = serving.client;  // lingers at most 300 ms
  client.send("garbage\n");
  // Flood until the server hangs up; 20 s would mean it never did.
  const std::string chunk(64 << 10, 'x');
  const auto give_up = Clock::now() + 20s;
  bool server_hung_up = false;
  while (Clock::now() < give_up && !server_hung_up) server_hung_up = !client.send(chunk);
  CHECK(server_hung_up);
  CHECK(serving.result().error->reason == hs::ErrorReason::malformed);
}

TEST_CASE("a silent client gets ERROR timeout after the read timeout", "[ex3.2]") {
  SECTION("silent from the start") {
    Session serving{quick()};
    auto& client = serving.client;
    CHECK(client.read_all() == machine_timeout(hs::Timeout::read));
    CHECK(serving.result().error->reason == hs::ErrorReason::timeout);
  }
  SECTION("silent after HELLO X") {
    Session serving{quick()};
    auto& client = serving.client;
    client.send("HELLO 1\n");
    CHECK(client.read_all() == "HELLO 2\n" + machine_timeout(hs::Timeout::read, "HELLO 1\n"));
    CHECK(serving.result().error->reason == hs::ErrorReason::timeout);
  }
}

TEST_CASE("the read timeout is per message: a byte at a time does not keep it alive", "[ex3.2]") {
  // A slowloris client: each byte comes well within the read timeout, the line never does.
  Session serving{quick()};
  auto& client = serving.client;  // 300 ms per message
  const std::array<std::string_view, 8> bytes{"H", "E", "L", "L", "O", " ", "1", "\n"};
  client.send_pieces(bytes, 100ms);  // the line would be complete after 700 ms at the earliest
  CHECK(client.read_all() == machine_timeout(hs::Timeout::read));
  CHECK(serving.result().error->reason == hs::ErrorReason::timeout);
}

TEST_CASE("the whole handshake has its own deadline", "[ex3.2]") {
  SessionOptions options;
  options.read_timeout = 30s;
  options.handshake_timeout = 300ms;
  Session serving{options};
  auto& client = serving.client;
  client.send("HELLO 1\n");
  CHECK(client.read_all() == "HELLO 2\n" + machine_timeout(hs::Timeout::handshake, "HELLO 1\n"));
  CHECK(serving.result().error->reason == hs::ErrorReason::timeout);
}

TEST_CASE("a client that half-closes still reads the ERROR line", "[ex3.2]") {
  Session serving;
  auto& client = serving.client;
  client.send("HELLO 1\n");
  client.shutdown_write();  // like nc -N: no more data from us, but we still listen
  hs::ch00::ServerHandshake reference;
  std::string expected = reference.on_bytes("HELLO 1\n").out;
  expected += reference.on_eof().out;
  CHECK(client.read_all() == expected);
  CHECK(serving.result().error->reason == hs::ErrorReason::malformed);
}

TEST_CASE("a client that vanishes mid-handshake ends the connection, not the server", "[ex3.2]") {
  Session serving;
  auto& client = serving.client;
  client.send("HELLO 1\n");
  CHECK(client.read_line() == "HELLO 2\n");
  client.close(/*reset=*/true);
  const auto result = serving.result();
  CHECK(result.status == hs::Status::failed);
  CHECK(result.io_error == asio::error::connection_reset);
}

TEST_CASE("simulated work (--work-ms) happens before the reply, and the handshake still completes", "[ex3.2]") {
  SessionOptions options;
  options.work = 50ms;
  Session serving{options};
  auto& client = serving.client;
  const auto start = Clock::now();
  client.send("HELLO 1\n");
  CHECK(client.read_line() == "HELLO 2\n");
  CHECK(Clock::now() - start >= 50ms);  // a lower bound only: the sleep happened before the reply
  client.send("HELLO 3\n");
  CHECK(client.read_all().empty());
  CHECK(serving.result().status == hs::Status::done);
}

TEST_CASE("while the server works, the read timeout is paused but the handshake deadline is not", "[ex3.2]") {
  SECTION("work longer than the read timeout: the client is not the one who is late") {
    SessionOptions options;
    options.read_timeout = 300ms;
    options.work = 600ms;
    Session serving{options};
    CHECK(handshake(serving.client, 1).empty());
    CHECK(serving.result().status == hs::Status::done);
  }
  SECTION("work longer than the whole handshake may take: ERROR timeout, and no HELLO Y") {
    SessionOptions options;
    options.handshake_timeout = 300ms;
    options.work = std::chrono::hours{1};  // cancelled by the deadline, or the test would hang
    Session serving{options};
    serving.client.send("HELLO 1\n");
    CHECK(serving.client.read_all() == machine_timeout(hs::Timeout::handshake, "HELLO 1\n"));
    CHECK(serving.result().error->reason == hs::ErrorReason::timeout);
  }
}
