// Exercise 1.2: serve_connection(), driven by the scripted test client over real TCP. The test
// cases are those every chapter's "serve one connection" passes, byte for byte: the list and their
// bodies are in tests/support/session_behaviour.hpp.
#include "../support/session_behaviour.hpp"
#include "fixtures.hpp"

using namespace hs::ch01::test;

HS_SESSION_BEHAVIOUR_TEST_CASES(Session, "[ex1.2]")
