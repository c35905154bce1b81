// Exercise 1.2: serve_connection(), driven by the scripted test client over real TCP. The bodies
// are shared with chapter 03 (tests/support/session_behaviour.hpp): every model must behave the same.
#include "../support/session_behaviour.hpp"
#include "ch01/serve_connection.hpp"
#include "fixtures.hpp"

using namespace hs::ch01::test;
namespace behaviour = hs::testing::behaviour;

TEST_CASE("a full handshake, then the server closes", "[ex1.2]") { behaviour::full_handshake<Session>(); }

TEST_CASE("split and pipelined input is served the same", "[ex1.2]") { behaviour::split_and_pipelined<Session>(); }

TEST_CASE("every protocol error gets its exact ERROR line, then a clean close", "[ex1.2]") {
  behaviour::every_protocol_error<Session>();
}

TEST_CASE("bytes after HELLO Z are ignored, and the close is still clean", "[ex1.2]") {
  behaviour::bytes_after_z<Session>();
}

TEST_CASE("a client that keeps sending after an error cannot hold the server", "[ex1.2]") {
  behaviour::keeps_sending_after_error<Session>();
}

TEST_CASE("a silent client gets ERROR timeout after the read timeout", "[ex1.2]") {
  behaviour::silent_client_times_out<Session>();
}

TEST_CASE("the read timeout is per message: a byte at a time does not keep it alive", "[ex1.2]") {
  behaviour::read_timeout_per_message<Session>();
}

TEST_CASE("the whole handshake has its own deadline", "[ex1.2]") { behaviour::handshake_deadline<Session>(); }

TEST_CASE("a client that half-closes still reads the ERROR line", "[ex1.2]") { behaviour::half_close<Session>(); }

TEST_CASE("a client that vanishes mid-handshake ends the connection, not the server", "[ex1.2]") {
  behaviour::vanishes<Session>();
}

TEST_CASE("simulated work (--work-ms) happens before the reply, and the handshake still completes", "[ex1.2]") {
  behaviour::work_before_reply<Session>();
}
