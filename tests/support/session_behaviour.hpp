// The behaviour every chapter's "serve one connection" must have, byte for byte, whatever its
// concurrency model: chapter 01's serve_connection(), chapter 03's session() and chapter 04's
// session() all pass these. A chapter's test file lists them once, for its fixture and its
// exercise's tag:
//
//     HS_SESSION_BEHAVIOUR_TEST_CASES(Session, "[ex1.2]")
//
// A fixture `Session`:
//   - is constructed from its `Session::Options` (read_timeout, handshake_timeout, work),
//     and starts serving the server side of a fresh loopback connection;
//   - has `client`, the scripted RawSocket on the other side;
//   - has `result()`, which waits for the outcome (status, error, io_error) or rethrows.
#pragma once

#include <cerrno>
#include <chrono>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "ch00/server_handshake.hpp"
#include "hs/net.hpp"
#include "hs/protocol.hpp"
#include "hs/testing/raw_socket.hpp"
#include "suite.hpp"

namespace hs::testing::behaviour {

using namespace std::chrono_literals;
using namespace std::string_literals;
using Clock = std::chrono::steady_clock;

/// What the chapter 00 reference machine answers to `input`: the exact bytes a server built on it
/// must send. (Every chapter drives the ch00 *reference* machine, so its ERROR lines are these.)
inline std::string machine_reply(std::string_view input) { return ch00::ServerHandshake{}.on_bytes(input).out; }
/// What it answers when `which` clock runs out after `input`.
inline std::string machine_timeout(Timeout which, std::string_view input = {}) {
  ch00::ServerHandshake machine;
  machine.on_bytes(input);
  return machine.on_timeout(which).out;
}

/// Short read timeout, long handshake deadline.
template <typename Options>
Options quick() {
  Options o;
  o.read_timeout = 300ms;
  o.handshake_timeout = 30s;
  return o;
}

/// "a full handshake, then the server closes"
template <typename Session, typename Options = typename Session::Options>
void full_handshake() {
  Session serving{Options{}};
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

/// "split and pipelined input is served the same"
template <typename Session, typename Options = typename Session::Options>
void split_and_pipelined() {
  SECTION("split into pieces") {
    Session serving{Options{}};
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
    Session serving{Options{}};
    auto& client = serving.client;
    client.send("HELLO 1\nHELLO 3\n");
    CHECK(client.read_all() == "HELLO 2\n");
    CHECK(client.last_end() == ReadEnd::closed);
    CHECK(serving.result().status == hs::Status::done);
  }
}

/// "every protocol error gets its exact ERROR line, then a clean close"
template <typename Session, typename Options = typename Session::Options>
void every_protocol_error() {
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
    Session serving{quick<Options>()};
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

/// "bytes after HELLO Z are ignored, and the close is still clean"
template <typename Session, typename Options = typename Session::Options>
void bytes_after_z() {
  Session serving{quick<Options>()};
  auto& client = serving.client;
  std::string input = "HELLO 1\nHELLO 3\n";
  input.append(100, '#');  // junk the server never reads (appended: g++ 12 -O2 warns wrongly on "..." + string)
  client.send(input);
  CHECK(client.read_all() == "HELLO 2\n");
  CHECK(client.last_end() == ReadEnd::closed);  // not reset
  client.close();
  CHECK(serving.result().status == hs::Status::done);
}

/// "a client that keeps sending after an error cannot hold the server"
template <typename Session, typename Options = typename Session::Options>
void keeps_sending_after_error() {
  Session serving{quick<Options>()};  // lingers at most 300 ms
  auto& client = serving.client;
  client.send("garbage\n");
  // Flood until the server hangs up; 20 s would mean it never did.
  const std::string chunk(64 << 10, 'x');
  const auto give_up = Clock::now() + 20s;
  bool server_hung_up = false;
  while (Clock::now() < give_up && !server_hung_up) server_hung_up = !client.send(chunk);
  CHECK(server_hung_up);
  CHECK(serving.result().error->reason == hs::ErrorReason::malformed);
}

/// "after an ERROR line the end of the stream follows at once, before the client closes"
template <typename Session, typename Options = typename Session::Options>
void end_of_stream_follows_the_error() {
  const Options options{};  // the default read timeout: the server lingers up to hs::linger_time() = 1 s
  Session serving{options};
  auto& client = serving.client;
  const auto sent = Clock::now();
  client.send("garbage\n");
  // The lingering close shuts down the server's sending side first and only then waits for the
  // client's close: the end of the stream comes with the ERROR line, not when the linger runs out.
  CHECK(client.read_all() == machine_reply("garbage\n"));
  CHECK(client.last_end() == ReadEnd::closed);
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - sent);
  INFO("the end of the stream came " << waited.count()
                                     << " ms after the input: shut down the sending side before lingering");
  CHECK(waited < hs::linger_time(options.read_timeout));
  client.close();
  CHECK(serving.result().error->reason == hs::ErrorReason::malformed);
}

/// "a silent client gets ERROR timeout after the read timeout"
template <typename Session, typename Options = typename Session::Options>
void silent_client_times_out() {
  SECTION("silent from the start") {
    Session serving{quick<Options>()};
    auto& client = serving.client;
    CHECK(client.read_all() == machine_timeout(hs::Timeout::read));
    CHECK(serving.result().error->reason == hs::ErrorReason::timeout);
  }
  SECTION("silent after HELLO X") {
    Session serving{quick<Options>()};
    auto& client = serving.client;
    client.send("HELLO 1\n");
    CHECK(client.read_all() == "HELLO 2\n" + machine_timeout(hs::Timeout::read, "HELLO 1\n"));
    CHECK(serving.result().error->reason == hs::ErrorReason::timeout);
  }
}

/// "the read timeout is per message: a byte at a time does not keep it alive"
template <typename Session, typename Options = typename Session::Options>
void read_timeout_per_message() {
  // A slowloris client: each byte comes well within the read timeout, the line never does.
  Session serving{quick<Options>()};  // 300 ms per message
  auto& client = serving.client;
  const std::array<std::string_view, 8> bytes{"H", "E", "L", "L", "O", " ", "1", "\n"};
  client.send_pieces(bytes, 100ms);  // the line would be complete after 700 ms at the earliest
  CHECK(client.read_all() == machine_timeout(hs::Timeout::read));
  CHECK(serving.result().error->reason == hs::ErrorReason::timeout);
}

/// "the whole handshake has its own deadline"
template <typename Session, typename Options = typename Session::Options>
void handshake_deadline() {
  Options options;
  options.read_timeout = 30s;
  options.handshake_timeout = 300ms;
  Session serving{options};
  auto& client = serving.client;
  client.send("HELLO 1\n");
  CHECK(client.read_all() == "HELLO 2\n" + machine_timeout(hs::Timeout::handshake, "HELLO 1\n"));
  CHECK(serving.result().error->reason == hs::ErrorReason::timeout);
}

/// "when both clocks run out at once, the handshake's deadline is the one reported"
template <typename Session, typename Options = typename Session::Options>
void both_clocks_at_once() {
  auto options = Options{};
  options.read_timeout = 300ms;
  options.handshake_timeout = 300ms;  // both started together: they end together
  Session serving{options};
  CHECK(serving.client.read_all() == machine_timeout(hs::Timeout::handshake));
  CHECK(serving.result().error->reason == hs::ErrorReason::timeout);
}

/// "a client that half-closes still reads the ERROR line"
template <typename Session, typename Options = typename Session::Options>
void half_close() {
  Session serving{Options{}};
  auto& client = serving.client;
  client.send("HELLO 1\n");
  client.shutdown_write();  // like nc -N: no more data from us, but we still listen
  hs::ch00::ServerHandshake reference;
  std::string expected = reference.on_bytes("HELLO 1\n").out;
  expected += reference.on_eof().out;
  CHECK(client.read_all() == expected);
  CHECK(serving.result().error->reason == hs::ErrorReason::malformed);
}

/// "a client that vanishes mid-handshake ends the connection, not the server"
template <typename Session, typename Options = typename Session::Options>
void vanishes() {
  Session serving{Options{}};
  auto& client = serving.client;
  client.send("HELLO 1\n");
  CHECK(client.read_line() == "HELLO 2\n");
  client.close(/*reset=*/true);
  const auto result = serving.result();
  CHECK(result.status == hs::Status::failed);
  CHECK(result.io_error.value() == ECONNRESET);
}

/// "simulated work (--work-ms) happens before the reply, and the handshake still completes"
template <typename Session, typename Options = typename Session::Options>
void work_before_reply() {
  Options options;
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

/// "while the server works, the read timeout is paused but the handshake deadline is not": for a
/// session whose work can be cut short (an awaited timer: chapters 03 and 04; chapter 01's blocking
/// sleep cannot be).
template <typename Session, typename Options = typename Session::Options>
void work_pauses_the_read_timeout() {
  SECTION("work longer than the read timeout: the client is not the one who is late") {
    Options options;
    options.read_timeout = 300ms;
    options.work = 600ms;
    Session serving{options};
    CHECK(handshake(serving.client, 1).empty());
    CHECK(serving.result().status == hs::Status::done);
  }
  SECTION("after the work, Z gets the read timeout again, not the whole handshake's") {
    Options options;
    options.read_timeout = 300ms;
    options.work = 400ms;
    options.handshake_timeout = 60s;  // a session that waits for this one fails the test's own deadline
    Session serving{options};
    serving.client.send("HELLO 1\n");  // then silence
    CHECK(serving.client.read_all() == "HELLO 2\n" + machine_timeout(hs::Timeout::read, "HELLO 1\n"));
    CHECK(serving.result().error->reason == hs::ErrorReason::timeout);
  }
  SECTION("work longer than the whole handshake may take: ERROR timeout, and no HELLO Y") {
    Options options;
    options.handshake_timeout = 300ms;
    options.work = std::chrono::hours{1};  // cancelled by the deadline, or the test would hang
    Session serving{options};
    serving.client.send("HELLO 1\n");
    CHECK(serving.client.read_all() == machine_timeout(hs::Timeout::handshake, "HELLO 1\n"));
    CHECK(serving.result().error->reason == hs::ErrorReason::timeout);
  }
}

}  // namespace hs::testing::behaviour

/// The test cases above, for the fixture `Session`, tagged `tag` (e.g. "[ex1.2]"): every chapter's
/// session runs the same list, so it is written once, here.
#define HS_SESSION_BEHAVIOUR_TEST_CASES(Session, tag)                                                                  \
  HS_BEHAVIOUR_TEST_CASE("a full handshake then the server closes", tag, full_handshake, Session)                      \
  HS_BEHAVIOUR_TEST_CASE("split and pipelined input is served the same", tag, split_and_pipelined, Session)            \
  HS_BEHAVIOUR_TEST_CASE("every protocol error gets its exact ERROR line then a clean close", tag,                     \
                         every_protocol_error, Session)                                                                \
  HS_BEHAVIOUR_TEST_CASE("bytes after HELLO Z are ignored and the close is still clean", tag, bytes_after_z, Session)  \
  HS_BEHAVIOUR_TEST_CASE("a client that keeps sending after an error cannot hold the server", tag,                     \
                         keeps_sending_after_error, Session)                                                           \
  HS_BEHAVIOUR_TEST_CASE("after an ERROR line the end of the stream follows at once before the client closes", tag,    \
                         end_of_stream_follows_the_error, Session)                                                     \
  HS_BEHAVIOUR_TEST_CASE("a silent client gets ERROR timeout after the read timeout", tag, silent_client_times_out,    \
                         Session)                                                                                      \
  HS_BEHAVIOUR_TEST_CASE("the read timeout is per message: a byte at a time does not keep it alive", tag,              \
                         read_timeout_per_message, Session)                                                            \
  HS_BEHAVIOUR_TEST_CASE("the whole handshake has its own deadline", tag, handshake_deadline, Session)                 \
  HS_BEHAVIOUR_TEST_CASE("when both clocks run out at once the handshake's deadline is the one reported", tag,         \
                         both_clocks_at_once, Session)                                                                 \
  HS_BEHAVIOUR_TEST_CASE("a client that half-closes still reads the ERROR line", tag, half_close, Session)             \
  HS_BEHAVIOUR_TEST_CASE("a client that vanishes mid-handshake ends the connection and not the server", tag, vanishes, \
                         Session)                                                                                      \
  HS_BEHAVIOUR_TEST_CASE("simulated work (--work-ms) happens before the reply and the handshake still completes", tag, \
                         work_before_reply, Session)

/// And for a session whose work is an awaited timer, which the deadline can cut short (chapters 03,
/// 04, 06 and 07; chapter 01's blocking sleep cannot be).
#define HS_TIMER_WORK_SESSION_TEST_CASES(Session, tag)                                                               \
  HS_BEHAVIOUR_TEST_CASE("while the server works the read timeout is paused but the handshake deadline is not", tag, \
                         work_pauses_the_read_timeout, Session)
