// Exercise 3.2: session(), driven by the scripted test client over real TCP. The same behaviour as
// chapter 01's serve_connection(), byte for byte: the test cases and their bodies are in
// tests/support/session_behaviour.hpp. Only how the server waits has changed.
#include "../support/session_behaviour.hpp"
#include "fixtures.hpp"

using namespace hs::ch03::test;

HS_SESSION_BEHAVIOUR_TEST_CASES(Session, "[ex3.2]")

TEST_CASE("while the server works the read timeout is paused but the handshake deadline is not", "[ex3.2]") {
  hs::testing::behaviour::work_pauses_the_read_timeout<Session>();
}
