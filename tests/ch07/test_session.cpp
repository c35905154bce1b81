// Exercise 7.2: session() on completions, driven by the scripted test client over real TCP. The same
// behaviour as chapters 01, 03 and 06, byte for byte: the test cases and their bodies are in
// tests/support/session_behaviour.hpp; then what is new with completions.
#include <sys/socket.h>

#include <exception>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "../support/session_behaviour.hpp"
#include "fixtures.hpp"

using namespace hs::ch07;
using namespace hs::ch07::test;

HS_SESSION_BEHAVIOUR_TEST_CASES(Session, "[ex7.2]")

TEST_CASE("while the server works, the read timeout is paused but the handshake deadline is not", "[ex7.2]") {
  hs::testing::behaviour::work_pauses_the_read_timeout<Session>();
}

TEST_CASE("a client gone before its answer is written: the send that fails ends the session, a broken connection",
          "[ex7.2]") {
  HS_SKIP_WITHOUT_IO_URING();
  Runtime runtime;
  Ring ring{runtime};
  auto pair = LocalPair::make();
  pair.test.send("HELLO 1\n");
  pair.test.close();
  Outcome<SessionResult> outcome;
  spawn_into(session(ring, std::move(pair.code), SessionOptions{}), outcome);
  ring.run();
  REQUIRE(outcome.done);
  if (outcome.thrown) std::rethrow_exception(outcome.thrown);
  CHECK(outcome.value->status == hs::Status::failed);
  CHECK(outcome.value->io_error == std::errc::broken_pipe);  // HELLO 2 had nobody to go to
}

TEST_CASE("a held session pins no buffer: 64 sessions share a ring of 4 buffers, and all finish", "[ex7.2]") {
  HS_SKIP_WITHOUT_IO_URING();
  Runtime runtime;
  Ring ring{runtime, Ring::Options{256, 4, 512}};
  std::vector<LocalPair> pairs;
  std::vector<Outcome<SessionResult>> outcomes(64);
  for (auto& outcome : outcomes) {
    pairs.push_back(LocalPair::make());
    spawn_into(session(ring, std::move(pairs.back().code), SessionOptions{}), outcome);
  }
  // HELLO X is there before the 64 receives reach the kernel: they all complete at once, 4 with a
  // buffer and the rest with -ENOBUFS, to receive again in a later turn.
  for (int i = 0; i < 64; ++i) pairs[i].test.send(fmt::format("HELLO {}\n", i));
  std::thread running{[&] { ring.run(); }};
  for (int i = 0; i < 64; ++i) {
    CHECK(pairs[i].test.read_line() == fmt::format("HELLO {}\n", i + 1));
    pairs[i].test.send(fmt::format("HELLO {}\n", i + 2));
  }
  running.join();  // run() returns once every session has ended
  for (auto& outcome : outcomes) {
    REQUIRE(outcome.done);
    if (outcome.thrown) std::rethrow_exception(outcome.thrown);
    CHECK(outcome.value->status == hs::Status::done);
  }
  CHECK(ring.stats().no_buffers > 0);  // the ring did run short, and no client noticed
}
