// Exercise 0.4: the client handshake machine, scripted like the server's.
#include <catch2/catch.hpp>

#include <limits>

#include "ch00/client_handshake.hpp"
#include "script.hpp"

using hs::ErrorReason;
using hs::ch00::ClientHandshake;
using namespace hs::ch00::test;

namespace {

struct ClientScript {
  std::int64_t x;
  Script script;
};

void run_each(const std::vector<ClientScript>& scripts) {
  for (const auto& [x, script] : scripts) {
    ClientHandshake machine{x};
    const std::string failure = run(machine, script);
    if (!failure.empty()) FAIL_CHECK("client with X = " << x << ", " << failure);
  }
}

constexpr auto max = std::numeric_limits<std::int64_t>::max();

}  // namespace

TEST_CASE("client: a good handshake ends when the server closes", "[ex0.4]") {
  run_each({
      {41, {"the example", {{start(), more("HELLO 41\n")}, {recv("HELLO 42\n"), more("HELLO 43\n")}, {eof(), done()}}}},
      {-1, {"crossing zero", {{start(), more("HELLO -1\n")}, {recv("HELLO 0\n"), more("HELLO 1\n")}, {eof(), done()}}}},
      {1,
       {"reply in pieces",
        {{start(), more("HELLO 1\n")}, {recv("HEL"), more()}, {recv("LO 2\r\n"), more("HELLO 3\n")}, {eof(), done()}}}},
      {max - 2,
       {"largest X",
        {{start(), more("HELLO 9223372036854775805\n")},
         {recv("HELLO 9223372036854775806\n"), more("HELLO 9223372036854775807\n")},
         {eof(), done()}}}},
      {1,
       {"nothing after done",
        {{start(), more("HELLO 1\n")},
         {recv("HELLO 2\n"), more("HELLO 3\n")},
         {eof(), done()},
         {read_timeout(), done()},
         {eof(), done()}}}},
  });
}

TEST_CASE("client: an ERROR line from the server fails with the server's reason", "[ex0.4]") {
  run_each({
      {1,
       {"busy",
        {{start(), more("HELLO 1\n")},
         {recv("ERROR busy server at capacity\n"), failed(ErrorReason::busy, "", true)}}}},
      {max,
       {"overflow",
        {{start(), more("HELLO 9223372036854775807\n")},
         {recv("ERROR overflow 9223372036854775807 + 2 does not fit\n"), failed(ErrorReason::overflow, "", true)}}}},
      {1,
       {"after Z",
        {{start(), more("HELLO 1\n")},
         {recv("HELLO 2\n"), more("HELLO 3\n")},
         {recv("ERROR shutdown server stopping\n"), failed(ErrorReason::shutdown, "", true)}}}},
      {1,
       {"bare reason",
        {{start(), more("HELLO 1\n")}, {recv("ERROR timeout\n"), failed(ErrorReason::timeout, "", true)}}}},
  });
}

TEST_CASE("client: a wrong or bad reply fails on our side", "[ex0.4]") {
  run_each({
      {41,
       {"wrong Y",
        {{start(), more("HELLO 41\n")},
         {recv("HELLO 50\n"), failed(ErrorReason::sequence, "").naming("expected 42 got 50")}}}},
      {41,
       {"echoed X",
        {{start(), more("HELLO 41\n")},
         {recv("HELLO 41\n"), failed(ErrorReason::sequence, "").naming("expected 42 got 41")}}}},
      {1, {"garbage", {{start(), more("HELLO 1\n")}, {recv("what?\n"), failed(ErrorReason::malformed, "")}}}},
      {1,
       {"unknown ERROR reason",
        {{start(), more("HELLO 1\n")}, {recv("ERROR teapot\n"), failed(ErrorReason::malformed, "")}}}},
      {1,
       {"reply too long",
        {{start(), more("HELLO 1\n")}, {recv(std::string(200, 'y')), failed(ErrorReason::too_long, "")}}}},
      {1,
       {"extra line after Z",
        {{start(), more("HELLO 1\n")}, {recv("HELLO 2\nHELLO 4\n"), failed(ErrorReason::malformed, "HELLO 3\n")}}}},
      {max,
       {"server accepted an X we cannot finish",
        {{start(), more("HELLO 9223372036854775807\n")},
         {recv("HELLO -9223372036854775808\n"), failed(ErrorReason::overflow, "")}}}},
      {max - 1,
       {"the largest X whose Y fits, but not its Z",
        {{start(), more("HELLO 9223372036854775806\n")},
         {recv("HELLO 9223372036854775807\n"), failed(ErrorReason::overflow, "")}}}},
  });
}

TEST_CASE("client: the server closing early or a clock running out fails the handshake", "[ex0.4]") {
  run_each({
      {1,
       {"closed before Y",
        {{start(), more("HELLO 1\n")}, {eof(), failed(ErrorReason::malformed, "").naming("HELLO Y")}}}},
      {1,
       {"closed mid-Y",
        {{start(), more("HELLO 1\n")}, {recv("HELLO"), more()}, {eof(), failed(ErrorReason::malformed, "")}}}},
      {1,
       {"no reply",
        {{start(), more("HELLO 1\n")}, {read_timeout(), failed(ErrorReason::timeout, "").naming("HELLO Y")}}}},
      {1,
       {"no close after Z",
        {{start(), more("HELLO 1\n")},
         {recv("HELLO 2\n"), more("HELLO 3\n")},
         {read_timeout(), failed(ErrorReason::timeout, "").naming("close")}}}},
      {1,
       {"deadline",
        {{start(), more("HELLO 1\n")}, {handshake_timeout(), failed(ErrorReason::timeout, "").naming("deadline")}}}},
      {1,
       {"deadline after Z",
        {{start(), more("HELLO 1\n")},
         {recv("HELLO 2\n"), more("HELLO 3\n")},
         {handshake_timeout(), failed(ErrorReason::timeout, "").naming("deadline")}}}},
  });
}

TEST_CASE("client: phase() and x() follow the handshake", "[ex0.4]") {
  using Phase = ClientHandshake::Phase;
  ClientHandshake machine{5};
  CHECK(machine.x() == 5);
  CHECK(machine.phase() == Phase::start);
  machine.start();
  CHECK(machine.phase() == Phase::awaiting_y);
  machine.on_bytes("HELLO 6\n");
  CHECK(machine.phase() == Phase::awaiting_close);
  machine.on_eof();
  CHECK(machine.phase() == Phase::done);
}

TEST_CASE("client: after a failure nothing changes", "[ex0.4]") {
  const auto s = ErrorReason::sequence;
  run_each({
      {41,
       {"every event repeats the first failure",
        {{start(), more("HELLO 41\n")},
         {recv("HELLO 50\n"), failed(s, "").naming("expected 42 got 50")},
         {recv("HELLO 42\n"), failed(s, "").naming("expected 42 got 50")},
         {eof(), failed(s, "").naming("expected 42 got 50")},
         {read_timeout(), failed(s, "").naming("expected 42 got 50")},
         {handshake_timeout(), failed(s, "").naming("expected 42 got 50")}}}},
  });
}
