// Exercise 7.2: session() on completions, driven by the scripted test client over real TCP. The same
// behaviour as chapters 01, 03 and 06, byte for byte: the test cases and their bodies are in
// tests/support/session_behaviour.hpp (and, on virtual time as in chapter 06,
// virtual_time_behaviour.hpp); then what is new with completions.
#include <sys/socket.h>

#include <chrono>
#include <exception>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "../support/session_behaviour.hpp"
#include "../support/virtual_time_behaviour.hpp"
#include "fixtures.hpp"
#include "hs/net.hpp"

using namespace hs::ch07;
using namespace hs::ch07::test;

HS_SESSION_BEHAVIOUR_TEST_CASES(Session, "[ex7.2]")
HS_TIMER_WORK_SESSION_TEST_CASES(Session, "[ex7.2]")
HS_VIRTUAL_TIME_SESSION_TEST_CASES(VirtualSession, "[ex7.2]")

TEST_CASE("a client gone before its answer is written: the send that fails ends the session as a broken connection",
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
  require_done(outcome);
  CHECK(outcome.value->status == hs::Status::failed);
  CHECK(outcome.value->io_error == std::errc::broken_pipe);  // HELLO 2 had nobody to go to
}

TEST_CASE("a held session pins no buffer: 64 sessions share a ring of 4 buffers and all finish", "[ex7.2]") {
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
    require_done(outcome);
    CHECK(outcome.value->status == hs::Status::done);
  }
  CHECK(ring.stats().no_buffers > 0);  // the ring did run short, and no client noticed
}

TEST_CASE("a client that does not read: the send waits for room until its deadline cancels it as a timeout",
          "[ex7.2]") {
  HS_SKIP_WITHOUT_IO_URING();
  Runtime runtime;
  Ring ring{runtime};
  auto pair = LocalPair::make();
  // The test's end reads nothing: fill the way to it until the kernel takes no more, so that the
  // answer to HELLO 1 cannot go out.
  const std::string chunk(4096, 'x');
  while (::send(pair.code.get(), chunk.data(), chunk.size(), MSG_NOSIGNAL) > 0) {
  }
  while (::send(pair.code.get(), chunk.data(), 1, MSG_NOSIGNAL) > 0) {
  }
  pair.test.send("HELLO 1\n");
  Outcome<SessionResult> outcome;
  spawn_into(session(ring, std::move(pair.code), SessionOptions{50ms, 10s}), outcome);
  ring.run();
  require_done(outcome);
  CHECK(outcome.value->status == hs::Status::failed);
  REQUIRE(outcome.value->error);
  CHECK(outcome.value->error->reason == hs::ErrorReason::timeout);
  CHECK_FALSE(outcome.value->io_error);  // the connection did not break: the send was cancelled
}

namespace {

/// A session on `ring` that fails at once (a malformed HELLO) and goes on to its lingering close:
/// the test's end has read its ERROR line and the end of its stream once this returns.
void start_lingering(Ring& ring, LocalPair& pair, Outcome<SessionResult>& outcome) {
  pair.test.send("HELLO x\n");
  spawn_into(session(ring, std::move(pair.code), SessionOptions{}), outcome);  // lingers 1 s at most
  ring.poll();
  CHECK_THAT(pair.test.read_all(), Catch::StartsWith("ERROR malformed"));
  CHECK(pair.test.last_end() == ReadEnd::closed);  // shutdown(SHUT_WR): the lingering has begun
  CHECK_FALSE(outcome.done);
}

}  // namespace

TEST_CASE("the lingering close drops what the client still sends a receive at a time until it closes", "[ex7.2]") {
  HS_SKIP_WITHOUT_IO_URING();
  Runtime runtime;
  Ring ring{runtime, Ring::Options{64, 1, 64}};  // one buffer: one not given back would show
  auto pair = LocalPair::make();
  Outcome<SessionResult> outcome;
  start_lingering(ring, pair, outcome);
  const auto before = ring.stats();
  for (int i = 0; i < 3; ++i) {
    pair.test.send("more\n");
    ring.poll();
  }
  CHECK_FALSE(outcome.done);
  CHECK(ring.stats().submitted - before.submitted == 3);  // one receive for each: waiting, not spinning
  CHECK(ring.stats().no_buffers == 0);                    // each buffer given back once dropped
  pair.test.close();
  ring.poll();
  REQUIRE(outcome.done);
  CHECK(outcome.value->status == hs::Status::failed);
  CHECK(ring.stats().submitted - before.submitted == 4);  // and the close, through the ring
  CHECK(ring.finished());
}

TEST_CASE("the lingering close ends when its time is up even while the client still sends", "[ex7.2]") {
  HS_SKIP_WITHOUT_IO_URING();
  hs::ch06::VirtualClock clock;
  Runtime runtime{clock};
  Ring ring{runtime};
  auto pair = LocalPair::make();
  Outcome<SessionResult> outcome;
  start_lingering(ring, pair, outcome);
  pair.test.send("more\n");
  ring.poll();
  CHECK_FALSE(outcome.done);
  clock.set(clock.now() + hs::linger_time(SessionOptions{}.read_timeout));  // the time is up...
  const auto before = ring.stats();
  pair.test.send("more\n");  // ...and these bytes are the last received
  ring.poll();
  REQUIRE(outcome.done);
  CHECK(ring.stats().submitted - before.submitted == 1);  // the close: no receive once the time is up
  CHECK(ring.finished());
}

TEST_CASE("the lingering close ends after 10000 receives even while the client still sends", "[ex7.2]") {
  HS_SKIP_WITHOUT_IO_URING();
  Runtime runtime;
  Ring ring{runtime, Ring::Options{64, 8, 1}};  // a byte a receive
  auto pair = LocalPair::make();
  Outcome<SessionResult> outcome;
  start_lingering(ring, pair, outcome);
  const auto before = ring.stats();
  pair.test.send(std::string(hs::linger_max_reads + 2'000, 'x'));  // more than the cap's receives take
  ring.poll();
  REQUIRE(outcome.done);
  // The receive waiting when the bytes came was the first: the cap's others, and the close.
  CHECK(ring.stats().submitted - before.submitted == std::uint64_t{hs::linger_max_reads} - 1 + 1);
}
