// Exercise 3.2: session(), driven by the scripted test client over real TCP. The same behaviour as
// chapter 01's serve_connection(), byte for byte: the test cases and their bodies are in
// tests/support/session_behaviour.hpp. Only how the server waits has changed.
#include "../support/session_behaviour.hpp"
#include "fixtures.hpp"

using namespace hs::ch03::test;

HS_SESSION_BEHAVIOUR_TEST_CASES(Session, "[ex3.2]")
HS_TIMER_WORK_SESSION_TEST_CASES(Session, "[ex3.2]")
