// Exercise 6.4: session() on your runtime, driven by the scripted test client over real TCP, on the
// real clock. The same behaviour as chapters 01 and 03, byte for byte: the test cases and their
// bodies are in tests/support/session_behaviour.hpp. (Its deadlines again, on virtual time, are in
// test_simulation.cpp.)
#include <exception>
#include <system_error>

#include "../support/session_behaviour.hpp"
#include "fixtures.hpp"

using namespace hs::ch06;
using namespace hs::ch06::test;

HS_SESSION_BEHAVIOUR_TEST_CASES(Session, "[ex6.4]")
HS_TIMER_WORK_SESSION_TEST_CASES(Session, "[ex6.4]")

TEST_CASE("a client gone before its answer is written: the write that fails ends the session as a broken connection",
          "[ex6.4]") {
  // On the test's thread, over a socketpair: HELLO X is there, and the client gone, before the session
  // starts. Everything happens in spawn(), nothing waits.
  Runtime runtime;
  auto pair = LocalPair::make();
  pair.test.send("HELLO 1\n");
  pair.test.close();
  Outcome<SessionResult> outcome;
  spawn_into(session(runtime, std::move(pair.code), SessionOptions{}), outcome);
  runtime.run();  // nothing left to run: returns at once
  require_done(outcome);
  CHECK(outcome.value->status == hs::Status::failed);
  CHECK(outcome.value->io_error == std::errc::broken_pipe);  // HELLO 2 had nobody to go to
}
