// The given AcceptPacer (given/ch06/accept_pacer.hpp): the pace both chapters' listeners keep. It
// uses none of this chapter's exercises but the runtime's timer, so it runs once, against the
// reference (GIVEN_TESTS in CMakeLists.txt).
#include <cerrno>
#include <system_error>

#include <catch2/catch.hpp>

#include "ch06/runtime.hpp"
#include "given/ch06/accept_pacer.hpp"
#include "hs/testing/log_recorder.hpp"

using hs::ch06::AcceptPacer;

namespace {

/// A pacer and what it touches, with nothing accepted yet.
struct Pacing {
  hs::ch06::Runtime runtime;
  hs::ch06::ServerOptions options;
  hs::testing::LogRecorder recorded;
  hs::Logger log = recorded.logger();
  hs::ch06::ServerStats stats;
  AcceptPacer pacer{runtime, options, log, stats};
};

}  // namespace

TEST_CASE("accept pacer: a connection that died in the queue is skipped at once and not logged", "[given]") {
  Pacing p;
  CHECK_FALSE(p.pacer.failed(ECONNABORTED));  // take the next one, no pause
  CHECK(p.stats.accept.accept_errors == 1);
  CHECK(p.stats.accept.backoffs == 0);
  CHECK(p.recorded.count("accept failed") == 0);
}

TEST_CASE("accept pacer: out of descriptors pauses and logs the first failure of a burst only", "[given]") {
  Pacing p;
  CHECK(p.pacer.failed(EMFILE));
  CHECK(p.pacer.failed(EMFILE));
  CHECK(p.recorded.count("accept failed") == 1);
  p.pacer.accepted();  // the burst is over
  CHECK(p.pacer.failed(ENFILE));
  CHECK(p.recorded.count("accept failed") == 2);
  CHECK(p.stats.accept.backoffs == 3);
  CHECK(p.stats.accept.accept_errors == 3);
  CHECK_THROWS_AS(p.pacer.failed(EBADF), std::system_error);  // a bug in the server, not a client's doing
}

TEST_CASE("accept pacer: a batch of connections in a row then a turn for the others", "[given]") {
  Pacing p;
  for (int i = 0; i < AcceptPacer::batch; ++i) {
    CHECK_FALSE(p.pacer.turn_due());
    p.pacer.accepted();
  }
  CHECK(p.pacer.turn_due());
  CHECK_FALSE(p.pacer.turn_due());  // a new batch starts
  p.pacer.accepted();
  p.pacer.waited();  // waiting for readiness let the others run: a new batch too
  for (int i = 0; i < AcceptPacer::batch - 1; ++i) p.pacer.accepted();
  CHECK_FALSE(p.pacer.turn_due());
}

TEST_CASE("accept pacer: counts each connection accepted and the most open at once", "[given]") {
  Pacing p;
  p.pacer.accepted();
  p.pacer.accepted();
  p.stats.open -= 2;  // both sessions ended (SessionDone)
  p.pacer.accepted();
  CHECK(p.stats.accept.accepted == 3);
  CHECK(p.stats.open == 1);
  CHECK(p.stats.open_peak == 2);
}
