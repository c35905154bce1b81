// Exercise 0.3: the server handshake machine, scripted. Each script is a conversation: events in,
// the reply expected to each. A failure prints the whole conversation so far.
#include <catch2/catch.hpp>

#include "ch00/server_handshake.hpp"
#include "script.hpp"

using hs::ErrorReason;
using hs::ch00::ServerHandshake;
using namespace hs::ch00::test;
using namespace std::string_literals;

namespace {

void run_each(const std::vector<Script>& scripts) {
  for (const auto& script : scripts) {
    ServerHandshake machine;
    const std::string failure = run(machine, script);
    if (!failure.empty()) FAIL_CHECK(failure);
  }
}

const std::string long_line(100, 'x');

}  // namespace

TEST_CASE("server: valid handshakes", "[ex0.3]") {
  run_each({
      {"the example", {{recv("HELLO 1\n"), more("HELLO 2\n")}, {recv("HELLO 3\n"), done()}}},
      {"negative numbers", {{recv("HELLO -5\n"), more("HELLO -4\n")}, {recv("HELLO -3\n"), done()}}},
      {"crossing zero", {{recv("HELLO -1\n"), more("HELLO 0\n")}, {recv("HELLO 1\n"), done()}}},
      {"\\r\\n terminators", {{recv("HELLO 1\r\n"), more("HELLO 2\n")}, {recv("HELLO 3\r\n"), done()}}},
      {"leading zeros", {{recv("HELLO 007\n"), more("HELLO 8\n")}, {recv("HELLO 0009\n"), done()}}},
      {"minus zero", {{recv("HELLO -0\n"), more("HELLO 1\n")}, {recv("HELLO 2\n"), done()}}},
      {"largest X",
       {{recv("HELLO 9223372036854775805\n"), more("HELLO 9223372036854775806\n")},
        {recv("HELLO 9223372036854775807\n"), done()}}},
      {"smallest X",
       {{recv("HELLO -9223372036854775808\n"), more("HELLO -9223372036854775807\n")},
        {recv("HELLO -9223372036854775806\n"), done()}}},
  });
}

TEST_CASE("server: split and coalesced input", "[ex0.3]") {
  run_each({
      {"pipelined: X and Z in one read", {{recv("HELLO 1\nHELLO 3\n"), done("HELLO 2\n")}}},
      {"split inside HELLO",
       {{recv("HEL"), more()}, {recv("LO 41\n"), more("HELLO 42\n")}, {recv("HELLO 43\n"), done()}}},
      {"split inside the number",
       {{recv("HELLO 4"), more()},
        {recv("1\n"), more("HELLO 42\n")},
        {recv("HELLO 4"), more()},
        {recv("3\n"), done()}}},
      {"split between \\r and \\n",
       {{recv("HELLO 1\r"), more()}, {recv("\n"), more("HELLO 2\n")}, {recv("HELLO 3\r\n"), done()}}},
      {"Z starts in X's read", {{recv("HELLO 1\nHEL"), more("HELLO 2\n")}, {recv("LO 3\n"), done()}}},
      {"bytes after Z are ignored",
       {{recv("HELLO 1\nHELLO 3\nanything"), done("HELLO 2\n")}, {recv("more"), done()}, {eof(), done()}}},
      {"empty reads change nothing",
       {{recv(""), more()}, {recv("HELLO 1\n"), more("HELLO 2\n")}, {recv(""), more()}, {recv("HELLO 3\n"), done()}}},
  });
}

TEST_CASE("server: the same stream cut anywhere gives the same conversation", "[ex0.3]") {
  const std::string stream = "HELLO 41\r\nHELLO 43\n";
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    ServerHandshake machine;
    const auto first = machine.on_bytes(stream.substr(0, cut));
    const auto second = machine.on_bytes(stream.substr(cut));
    INFO("cut at " << cut << ": first read \"" << hs::printable(stream.substr(0, cut)) << "\"");
    CHECK(first.out + second.out == "HELLO 42\n");
    CHECK(second.status == hs::Status::done);
  }
  ServerHandshake machine;  // and one byte per read
  std::string out;
  for (char c : stream) out += machine.on_bytes(std::string(1, c)).out;
  CHECK(out == "HELLO 42\n");
  CHECK(machine.phase() == ServerHandshake::Phase::done);
}

TEST_CASE("server: malformed lines are refused with ERROR malformed", "[ex0.3]") {
  const auto m = ErrorReason::malformed;
  run_each({
      {"lower case", {{recv("hello 1\n"), failed(m, "ERROR malformed *")}}},
      {"two spaces", {{recv("HELLO  1\n"), failed(m, "ERROR malformed *")}}},
      {"no number", {{recv("HELLO\n"), failed(m, "ERROR malformed *")}}},
      {"trailing space", {{recv("HELLO 1 \n"), failed(m, "ERROR malformed *")}}},
      {"empty line", {{recv("\n"), failed(m, "ERROR malformed *")}}},
      {"two \\r", {{recv("HELLO 1\r\r\n"), failed(m, "ERROR malformed *")}}},
      {"NUL byte", {{recv("HELLO \0\n"s), failed(m, "ERROR malformed *")}}},
      {"binary garbage", {{recv("\x16\x03\x01\x02\x00\n"s), failed(m, "ERROR malformed *")}}},
      {"HTTP request", {{recv("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), failed(m, "ERROR malformed *")}}},
      {"20 digits", {{recv("HELLO 12345678901234567890\n"), failed(m, "ERROR malformed *")}}},
      {"bad Z", {{recv("HELLO 1\n"), more("HELLO 2\n")}, {recv("HELLO three\n"), failed(m, "ERROR malformed *")}}},
      {"pipelined bad Z", {{recv("HELLO 1\nHELLO\n"), failed(m, "HELLO 2\nERROR malformed *")}}},
      {"63-byte line is malformed, not too long",
       {{recv(std::string(63, 'A') + "\n"), failed(m, "ERROR malformed *")}}},
  });
}

TEST_CASE("server: numbers that overflow are refused with ERROR overflow", "[ex0.3]") {
  const auto o = ErrorReason::overflow;
  run_each({
      {"X + 2 overflows", {{recv("HELLO 9223372036854775806\n"), failed(o, "ERROR overflow *")}}},
      {"X is INT64_MAX", {{recv("HELLO 9223372036854775807\n"), failed(o, "ERROR overflow *")}}},
      {"X does not fit", {{recv("HELLO 9223372036854775808\n"), failed(o, "ERROR overflow *")}}},
      {"X below INT64_MIN", {{recv("HELLO -9223372036854775809\n"), failed(o, "ERROR overflow *")}}},
      {"Z does not fit",
       {{recv("HELLO 1\n"), more("HELLO 2\n")}, {recv("HELLO 9999999999999999999\n"), failed(o, "ERROR overflow *")}}},
  });
}

TEST_CASE("server: a wrong Z is refused with ERROR sequence expected E got Z", "[ex0.3]") {
  const auto s = ErrorReason::sequence;
  run_each({
      {"Z = X + 3",
       {{recv("HELLO 1\n"), more("HELLO 2\n")}, {recv("HELLO 4\n"), failed(s, "ERROR sequence expected 3 got 4\n")}}},
      {"Z = Y (echoing the server)",
       {{recv("HELLO 1\n"), more("HELLO 2\n")}, {recv("HELLO 2\n"), failed(s, "ERROR sequence expected 3 got 2\n")}}},
      {"HELLO X again",
       {{recv("HELLO 7\n"), more("HELLO 8\n")}, {recv("HELLO 7\n"), failed(s, "ERROR sequence expected 9 got 7\n")}}},
      {"pipelined wrong Z", {{recv("HELLO 1\nHELLO 99\n"), failed(s, "HELLO 2\nERROR sequence expected 3 got 99\n")}}},
      {"negative",
       {{recv("HELLO -10\n"), more("HELLO -9\n")},
        {recv("HELLO 8\n"), failed(s, "ERROR sequence expected -8 got 8\n")}}},
  });
}

TEST_CASE("server: a line over 64 bytes is refused with ERROR too-long", "[ex0.3]") {
  const auto t = ErrorReason::too_long;
  run_each({
      {"long first line", {{recv(long_line + "\n"), failed(t, "ERROR too-long *")}}},
      {"long line, no newline at all", {{recv(long_line), failed(t, "ERROR too-long *")}}},
      {"64 bytes, then silence", {{recv(std::string(64, 'x')), failed(t, "ERROR too-long *")}}},
      {"long line in pieces",
       {{recv(std::string(40, 'x')), more()}, {recv(std::string(40, 'x')), failed(t, "ERROR too-long *")}}},
      {"long second line", {{recv("HELLO 1\n"), more("HELLO 2\n")}, {recv(long_line), failed(t, "ERROR too-long *")}}},
      {"pipelined long second line", {{recv("HELLO 1\n" + long_line), failed(t, "HELLO 2\nERROR too-long *")}}},
  });
}

TEST_CASE("server: end of stream before the handshake is done", "[ex0.3]") {
  const auto m = ErrorReason::malformed;
  run_each({
      {"closed at once", {{eof(), failed(m, "ERROR malformed *").naming("HELLO X")}}},
      {"closed mid-line", {{recv("HELLO 1"), more()}, {eof(), failed(m, "ERROR malformed *")}}},
      {"closed after X",
       {{recv("HELLO 1\n"), more("HELLO 2\n")}, {eof(), failed(m, "ERROR malformed *").naming("HELLO Z")}}},
      {"closed mid-Z", {{recv("HELLO 1\nHELLO 3"), more("HELLO 2\n")}, {eof(), failed(m, "ERROR malformed *")}}},
      {"closed after done", {{recv("HELLO 1\nHELLO 3\n"), done("HELLO 2\n")}, {eof(), done()}}},
  });
}

TEST_CASE("server: timeouts answer ERROR timeout", "[ex0.3]") {
  const auto t = ErrorReason::timeout;
  run_each({
      {"silent client", {{read_timeout(), failed(t, "ERROR timeout *").naming("HELLO X")}}},
      {"slow Z",
       {{recv("HELLO 1\n"), more("HELLO 2\n")}, {read_timeout(), failed(t, "ERROR timeout *").naming("HELLO Z")}}},
      {"half a line, then nothing",
       {{recv("HELL"), more()}, {read_timeout(), failed(t, "ERROR timeout *").naming("HELLO X")}}},
      {"handshake deadline",
       {{recv("HELLO 1\n"), more("HELLO 2\n")},
        {handshake_timeout(), failed(t, "ERROR timeout *").naming("deadline")}}},
      {"handshake deadline before X", {{handshake_timeout(), failed(t, "ERROR timeout *").naming("deadline")}}},
      {"a timeout after done changes nothing",
       {{recv("HELLO 1\nHELLO 3\n"), done("HELLO 2\n")}, {read_timeout(), done()}, {handshake_timeout(), done()}}},
  });
}

TEST_CASE("server: after a failure nothing more is said", "[ex0.3]") {
  const auto m = ErrorReason::malformed;
  run_each({
      {"more bytes after ERROR",
       {{recv("nope\n"), failed(m, "ERROR malformed *")},
        {recv("HELLO 1\n"), failed(m, "")},
        {eof(), failed(m, "")},
        {read_timeout(), failed(m, "")}}},
      {"lines after the bad one are not read", {{recv("nope\nHELLO 1\nHELLO 3\n"), failed(m, "ERROR malformed *")}}},
  });
}

TEST_CASE("server: phase() follows the handshake", "[ex0.3]") {
  using Phase = ServerHandshake::Phase;
  ServerHandshake machine;
  CHECK(machine.phase() == Phase::awaiting_hello);
  machine.on_bytes("HELLO 1\n");
  CHECK(machine.phase() == Phase::awaiting_z);
  machine.on_bytes("HELLO 3\n");
  CHECK(machine.phase() == Phase::done);
  ServerHandshake other;
  other.on_bytes("HELLO 1\nHELLO 5\n");
  CHECK(other.phase() == Phase::failed);
}
