// The chapter 04 session (given code, built from chapter 03's reference) on a strand of two io
// threads, with its Work: the same behaviour as chapter 01's serve_connection() and chapter 03's
// session(), byte for byte (tests/support/session_behaviour.hpp). It uses none of this chapter's
// exercises, so it runs once, against the reference (GIVEN_TESTS in CMakeLists.txt).
#include "../support/session_behaviour.hpp"
#include "fixtures.hpp"

using namespace hs::ch04::test;

HS_SESSION_BEHAVIOUR_TEST_CASES(Session, "[given]")
HS_TIMER_WORK_SESSION_TEST_CASES(Session, "[given]")
