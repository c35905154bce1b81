// A real Catch2 test program whose tests do what they are told, for tests/scripts/test_progress.py:
// what scripts/progress reports of a chapter must be what Catch2 itself counts, whatever the tests
// do, and a test that hangs must be stopped at its deadline (common/testing/src/test_deadline.cpp,
// linked in as into every learner test program). Its names hold the characters a Catch2 test spec
// must escape.
//
// HS_PROBE_PLAN: one letter per test, in the order below: p passes, f fails, h hangs, k starts a
// child process (printing "child PID") and hangs, s is skipped as where io_uring is refused, x
// prints the skip line and ends the process (as chapter 07's fixtures do), c crashes, a passes by
// seeing a forked child abort (tests/support/aborts.hpp, as the lifetime asserts' tests do). Missing: p.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <future>
#include <string_view>

#include <catch2/catch.hpp>

#include "../support/aborts.hpp"
#include "../support/io_uring.hpp"
#include "hs/testing/child_process.hpp"

namespace {

void hang() { std::promise<void>{}.get_future().wait(); }  // nobody will ever set it

void act(std::size_t test) {
  const std::string_view plan = std::getenv("HS_PROBE_PLAN") != nullptr ? std::getenv("HS_PROBE_PLAN") : "";
  switch (test < plan.size() ? plan[test] : 'p') {
    case 'f': FAIL("planted failure in test " << test); break;
    case 'h': hang(); break;
    case 'k': {
      hs::testing::ChildProcess child{"/bin/sleep", {"1000"}};
      std::printf("child %d\n", static_cast<int>(child.pid()));
      std::fflush(stdout);
      hang();
      break;
    }
    case 's': hs::testing::report_skipped_without_io_uring("planted"); return;
    case 'x': hs::testing::end_process_skipped_without_io_uring("planted");
    case 'c': ::raise(SIGSEGV); break;
    case 'a': CHECK(hs::testing::aborts([] { std::abort(); })); break;
    default: break;
  }
  CHECK(test < 100);
}

}  // namespace

TEST_CASE("one, with a comma", "[ex0.1]") { act(0); }
TEST_CASE("two [in brackets]", "[ex0.1]") { act(1); }
TEST_CASE("three \"quoted\" with a \\ backslash", "[ex0.1]") { act(2); }
TEST_CASE("~four * star", "[ex0.1]") { act(3); }
TEST_CASE("five", "[ex0.1]") { act(4); }
TEST_CASE("six", "[ex0.1]") { act(5); }
