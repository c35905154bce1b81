// Exercise 3.2: session(), driven by the scripted test client over real TCP. The same behaviour as
// chapter 01's serve_connection(), byte for byte: the bodies are shared
// (tests/support/session_behaviour.hpp); only how the server waits has changed.
#include "../support/session_behaviour.hpp"
#include "fixtures.hpp"

using namespace hs::ch03;
using namespace hs::ch03::test;
namespace behaviour = hs::testing::behaviour;
using behaviour::machine_timeout;

TEST_CASE("a full handshake, then the server closes", "[ex3.2]") { behaviour::full_handshake<Session>(); }

TEST_CASE("split and pipelined input is served the same", "[ex3.2]") { behaviour::split_and_pipelined<Session>(); }

TEST_CASE("every protocol error gets its exact ERROR line, then a clean close", "[ex3.2]") {
  behaviour::every_protocol_error<Session>();
}

TEST_CASE("bytes after HELLO Z are ignored, and the close is still clean", "[ex3.2]") {
  behaviour::bytes_after_z<Session>();
}

TEST_CASE("a client that keeps sending after an error cannot hold the server", "[ex3.2]") {
  behaviour::keeps_sending_after_error<Session>();
}

TEST_CASE("a silent client gets ERROR timeout after the read timeout", "[ex3.2]") {
  behaviour::silent_client_times_out<Session>();
}

TEST_CASE("the read timeout is per message: a byte at a time does not keep it alive", "[ex3.2]") {
  behaviour::read_timeout_per_message<Session>();
}

TEST_CASE("the whole handshake has its own deadline", "[ex3.2]") { behaviour::handshake_deadline<Session>(); }

TEST_CASE("a client that half-closes still reads the ERROR line", "[ex3.2]") { behaviour::half_close<Session>(); }

TEST_CASE("a client that vanishes mid-handshake ends the connection, not the server", "[ex3.2]") {
  behaviour::vanishes<Session>();
}

TEST_CASE("simulated work (--work-ms) happens before the reply, and the handshake still completes", "[ex3.2]") {
  behaviour::work_before_reply<Session>();
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
  SECTION("after the work, Z gets the read timeout again, not the whole handshake's") {
    SessionOptions options;
    options.read_timeout = 300ms;
    options.work = 400ms;
    options.handshake_timeout = 60s;  // a session that waits for this one fails the test's own deadline
    Session serving{options};
    serving.client.send("HELLO 1\n");  // then silence
    CHECK(serving.client.read_all() == "HELLO 2\n" + machine_timeout(hs::Timeout::read, "HELLO 1\n"));
    CHECK(serving.result().error->reason == hs::ErrorReason::timeout);
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
