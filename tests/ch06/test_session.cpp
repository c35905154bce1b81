// Exercise 6.4: session() on your runtime, driven by the scripted test client over real TCP, on the
// real clock. The same behaviour as chapters 01 and 03, byte for byte: the test cases and their
// bodies are in tests/support/session_behaviour.hpp. (Its deadlines again, on virtual time, are in
// test_simulation.cpp.)
#include "../support/session_behaviour.hpp"
#include "fixtures.hpp"

using namespace hs::ch06::test;

HS_SESSION_BEHAVIOUR_TEST_CASES(Session, "[ex6.4]")

TEST_CASE("while the server works, the read timeout is paused but the handshake deadline is not", "[ex6.4]") {
  hs::testing::behaviour::work_pauses_the_read_timeout<Session>();
}
