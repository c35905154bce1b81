// Exercise 6.5: testing async code on virtual time. First the Simulation itself; then every
// deadline of the session and the server, tested on it: the read timeout, the handshake's, the
// work, the linger, the back-off. Each takes milliseconds of real time, and none sleeps.
#include <fcntl.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "fixtures.hpp"

using namespace hs::ch06;
using namespace hs::ch06::test;
using namespace std::chrono_literals;
using hs::Timeout;

namespace {

/// A task that sleeps `times` times `step`, recording the virtual time at each wake-up.
Task<void> naps(Runtime& runtime, int times, Duration step, std::vector<Duration>& woke, TimePoint start) {
  for (int i = 0; i < times; ++i) {
    co_await runtime.sleep_until(runtime.now() + step);
    woke.push_back(runtime.now() - start);
  }
}

/// session() on a Simulation, over a socketpair: the test plays the client with `client`.
struct SimulatedSession {
  explicit SimulatedSession(SessionOptions options = {}) {
    auto pair = LocalPair::make();
    client = std::move(pair.test);
    spawn_into(session(sim.runtime(), std::move(pair.code), options), outcome);
    sim.run_until_stalled();
  }
  /// Sends `bytes` as the client and lets the server react.
  void send(std::string_view bytes) {
    client.send(bytes);
    sim.run_until_stalled();
  }
  /// What the server has written so far (without waiting).
  std::string received() { return client.read_all(0ms); }
  /// The client goes, and the session runs to its end (a runtime destroyed with a task still
  /// suspended would leak its frame).
  ~SimulatedSession() {
    client.close();
    sim.advance(hs::linger_time(std::chrono::milliseconds{5000}) + 10ms);
    CHECK(sim.runtime().finished());
  }

  Simulation sim;
  RawSocket client{-1};
  Outcome<SessionResult> outcome;
};

SessionOptions timeouts(Duration read, Duration handshake, Duration work = {}) {
  SessionOptions o;
  o.read_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(read);
  o.handshake_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(handshake);
  o.work = std::chrono::duration_cast<std::chrono::milliseconds>(work);
  return o;
}

}  // namespace

TEST_CASE("advance() steps from timer to timer: sleeps armed along the way wake at their own times", "[ex6.5]") {
  Simulation sim;
  std::vector<Duration> woke;
  const TimePoint start = sim.now();
  spawn(naps(sim.runtime(), 3, 100ms, woke, start), [](std::exception_ptr) {});
  sim.advance(1s);  // one call; three wake-ups, each at the time it would have had in real time
  CHECK(woke == std::vector<Duration>{100ms, 200ms, 300ms});
  CHECK(sim.now() - start == 1s);
  CHECK(sim.runtime().finished());
}

TEST_CASE("advance() moves time only when nothing can run, and run_until_stalled() never", "[ex6.5]") {
  Simulation sim;
  const TimePoint start = sim.now();
  std::vector<Duration> woke;
  spawn(naps(sim.runtime(), 1, 50ms, woke, start), [](std::exception_ptr) {});
  sim.run_until_stalled();
  CHECK(sim.now() == start);
  CHECK(woke.empty());
  sim.advance(49ms);
  CHECK(woke.empty());
  sim.advance(1ms);
  CHECK(woke == std::vector<Duration>{50ms});
  sim.advance(0ms);
  CHECK(sim.now() - start == 50ms);
}

TEST_CASE("virtual time: a silent client gets ERROR timeout at the read timeout, not a tick before", "[ex6.5]") {
  SimulatedSession s{timeouts(5s, 10s)};
  s.sim.advance(4990ms);
  CHECK(s.received().empty());
  CHECK_FALSE(s.outcome.done);
  s.sim.advance(10ms);
  CHECK(s.received() == machine_timeout(Timeout::read));
  CHECK(s.client.last_end() == ReadEnd::closed);  // then the end of the stream, at once
  s.client.close();                               // the client goes: the lingering close is over
  s.sim.run_until_stalled();
  REQUIRE(s.outcome.done);
  CHECK(s.outcome.value->status == hs::Status::failed);
}

TEST_CASE("virtual time: Z's read clock starts when HELLO Y is sent", "[ex6.5]") {
  SimulatedSession s{timeouts(5s, 60s)};
  s.sim.advance(4s);
  s.send("HELLO 1\n");
  CHECK(s.received() == "HELLO 2\n");
  s.sim.advance(4990ms);  // 9 s since the start: the first clock would have run out long ago
  CHECK(s.received().empty());
  s.sim.advance(10ms);
  CHECK(s.received() == machine_timeout(Timeout::read, "HELLO 1\n"));
}

TEST_CASE("virtual time: the handshake's deadline holds whatever the client does", "[ex6.5]") {
  SimulatedSession s{timeouts(10s, 5s)};
  s.send("HELLO 1\n");
  CHECK(s.received() == "HELLO 2\n");
  s.sim.advance(2s);
  s.send("HEL");  // a byte now and then does not extend anything
  s.sim.advance(2s);
  s.send("LO");
  s.sim.advance(990ms);
  CHECK(s.received().empty());
  s.sim.advance(10ms);
  CHECK(s.received() == machine_timeout(Timeout::handshake, "HELLO 1\nHELLO"));
}

TEST_CASE("virtual time: when both clocks run out together, the handshake's is reported", "[ex6.5]") {
  SimulatedSession s{timeouts(5s, 5s)};
  s.sim.advance(5s);
  CHECK(s.received() == machine_timeout(Timeout::handshake));
}

TEST_CASE("virtual time: the work (--work-ms) delays HELLO Y and pauses the read clock", "[ex6.5]") {
  SECTION("the work finishes: HELLO Y after it, and Z's clock starts then") {
    SimulatedSession s{timeouts(1s, 60s, 3s)};
    s.send("HELLO 1\n");
    s.sim.advance(2990ms);
    CHECK(s.received().empty());  // working; the 1 s read clock does not run meanwhile
    s.sim.advance(10ms);
    CHECK(s.received() == "HELLO 2\n");
    s.sim.advance(990ms);
    s.send("HELLO 3\n");
    CHECK(s.received().empty());
    REQUIRE(s.outcome.done);
    CHECK(s.outcome.value->status == hs::Status::done);
  }
  SECTION("the handshake's deadline comes first: the work ends there, with ERROR timeout") {
    SimulatedSession s{timeouts(1s, 2s, 1h)};
    s.send("HELLO 1\n");
    s.sim.advance(1990ms);
    CHECK(s.received().empty());
    s.sim.advance(10ms);
    CHECK(s.received() == machine_timeout(Timeout::handshake, "HELLO 1\n"));
    CHECK(s.sim.runtime().timers().empty() == s.outcome.done);
  }
}

TEST_CASE("virtual time: after an error the close lingers at most a second for a client that keeps sending",
          "[ex6.5]") {
  SimulatedSession s{timeouts(5s, 10s)};
  s.send("HELLO x\n");
  CHECK(s.received().starts_with("ERROR malformed"));
  s.sim.advance(990ms);
  s.send("more and more");  // still draining: not closed yet
  CHECK_FALSE(s.outcome.done);
  s.sim.advance(10ms);
  REQUIRE(s.outcome.done);
  CHECK(s.received().empty());
  CHECK(s.client.last_end() == ReadEnd::closed);
  CHECK(s.sim.runtime().finished());
}

TEST_CASE("virtual time: work that ends just before the handshake's deadline still sends HELLO Y", "[ex6.5]") {
  // The wheel wakes the work at its tick (1,000 ms), after the deadline it was to beat by 5 ms:
  // what was to happen at 995 ms happens, then the deadline is answered.
  SimulatedSession s{timeouts(60s, 1000ms, 995ms)};
  s.send("HELLO 1\n");
  s.sim.advance(990ms);
  CHECK(s.received().empty());
  s.sim.advance(10ms);
  CHECK(s.received() == "HELLO 2\n" + machine_timeout(Timeout::handshake, "HELLO 1\n"));
}

TEST_CASE("virtual time: a deadline that passed is answered before the next wait, even if bytes came too", "[ex6.5]") {
  // I/O comes before timers in a turn: a byte arriving in the turn where the deadline's tick comes
  // wakes the session first. It must not wait again past its deadline.
  VirtualClock clock;
  Runtime runtime{clock};
  auto pair = LocalPair::make();
  Outcome<SessionResult> outcome;
  spawn_into(session(runtime, std::move(pair.code), timeouts(5s, 10s)), outcome);
  runtime.poll();
  pair.test.send("H");          // arrives...
  clock.set(clock.now() + 5s);  // ...as the read timeout runs out
  runtime.poll();               // one turn sees both; no time passes after it
  CHECK(pair.test.read_all(0ms) == machine_timeout(Timeout::read, "H"));
  pair.test.close();
  clock.set(clock.now() + 2s);
  runtime.poll();
  CHECK(outcome.done);
}

TEST_CASE("virtual time: after an error, a client that keeps sending is dropped after 10,000 reads", "[ex6.5]") {
  SimulatedSession s{timeouts(5s, 10s)};
  s.send("HELLO x\n");
  CHECK(s.received().starts_with("ERROR malformed"));
  // The clock stands still: only the read budget can end the lingering close.
  const std::string chunk(64 * 1024, 'x');
  std::size_t sent = 0;
  for (int round = 0; round < 1000 && !s.outcome.done; ++round) {
    const ssize_t n = ::send(s.client.fd(), chunk.data(), chunk.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) sent += static_cast<std::size_t>(n);
    s.sim.run_until_stalled();
  }
  CHECK(s.outcome.done);
  INFO(sent << " bytes sent before the server let go");
  CHECK(sent < 10'000 * 512 + 1024 * 1024);  // 10,000 reads of 512 bytes, and what the buffers hold
}
