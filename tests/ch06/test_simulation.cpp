// Exercise 6.5: testing async code on virtual time. First the Simulation itself; then every
// deadline of the session and the server, tested on it: the read timeout, the handshake's, the
// work, the linger, the back-off. Each takes milliseconds of real time, and none sleeps.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <exception>
#include <string>
#include <vector>

#include "../support/descriptors.hpp"
#include "../support/virtual_time_behaviour.hpp"
#include "fixtures.hpp"
#include "hs/net.hpp"
#include "hs/testing/log_recorder.hpp"

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

/// Writes to `fd` (non-blocking) until the kernel takes no more: as if the client had not yet read
/// the last few hundred KiB sent to it. Returns how many bytes that was.
std::size_t fill_send_buffer(const hs::Fd& fd) {
  const std::string chunk(4096, '#');
  std::size_t sent = 0;
  for (int i = 0; i < 10'000; ++i) {  // bounded: a few hundred KiB fill it
    const ssize_t n = ::send(fd.get(), chunk.data(), chunk.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  return sent;
}

/// session() on a Simulation, over a socketpair: the test plays the client with `client`. With
/// `client_behind`, the client has not read what was sent to it before the session started
/// (`behind` bytes, as much as the socket holds), so the session's first answer waits for room.
struct SimulatedSession {
  explicit SimulatedSession(SessionOptions options = {}, bool client_behind = false) {
    auto pair = LocalPair::make();
    client = std::move(pair.test);
    if (client_behind) behind = fill_send_buffer(pair.code);
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
  /// suspended would leak its frame). What an unfinished exercise throws here is dropped: a
  /// destructor must not throw, and the test has failed already.
  ~SimulatedSession() {
    try {
      client.close();
      sim.advance(24h);  // longer than any deadline of these tests
      CHECK(sim.runtime().finished());
    } catch (...) {
    }
  }

  Simulation sim;
  RawSocket client{-1};
  Outcome<SessionResult> outcome;
  std::size_t behind = 0;  ///< bytes the client had not read when the session started
};

/// Rethrows what the task threw, if it threw: an untouched stub's ExerciseNotDone then says which
/// exercise it is.
template <typename T>
void rethrow_if_thrown(const Outcome<T>& outcome) {
  if (outcome.thrown) std::rethrow_exception(outcome.thrown);
}

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

TEST_CASE("advance() moves time only when nothing can run and run_until_stalled() never", "[ex6.5]") {
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

TEST_CASE("advance() first runs what is ready at the time it starts", "[ex6.5]") {
  Simulation sim;
  const TimePoint start = sim.now();
  auto now_after_next_turn = [](Runtime& r) -> Task<TimePoint> {
    co_await r.next_turn();
    co_return r.now();
  };
  auto now_after_readable = [](Runtime& r, WatchedFd& io) -> Task<TimePoint> {
    co_await r.readable(io);
    co_return r.now();
  };
  auto pair = LocalPair::make();
  WatchedFd io{std::move(pair.code)};
  sim.runtime().watch(io);
  Outcome<TimePoint> queued, woken;
  spawn_into(now_after_next_turn(sim.runtime()), queued);  // in the run queue
  spawn_into(now_after_readable(sim.runtime(), io), woken);
  pair.test.send("x");  // readable: epoll knows, the runtime does not yet
  sim.advance(1s);
  CHECK(queued.value == start);
  CHECK(woken.value == start);
  CHECK(sim.now() - start == 1s);
}

TEST_CASE("virtual time: a silent client gets ERROR timeout at the read timeout and not a tick before", "[ex6.5]") {
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

TEST_CASE("virtual time: when both clocks run out together the handshake's is reported", "[ex6.5]") {
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

// The rule chapter 07's session holds too: tests/support/virtual_time_behaviour.hpp.
HS_VIRTUAL_TIME_SESSION_TEST_CASES(VirtualSession, "[ex6.5]")

TEST_CASE("virtual time: a deadline that passed is answered before the next wait even if bytes came too", "[ex6.5]") {
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

TEST_CASE("virtual time: after an error a client that keeps sending is dropped after 10000 reads", "[ex6.5]") {
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
  // hs::linger_max_reads reads of 512 bytes, and what the buffers hold
  CHECK(sent < std::size_t{hs::linger_max_reads} * 512 + 1024 * 1024);
}

TEST_CASE("virtual time: a client that closes ends the lingering close at once (its end of stream is not more to drop)",
          "[ex6.5]") {
  SimulatedSession s{timeouts(5s, 10s)};
  s.send("HELLO x\n");
  rethrow_if_thrown(s.outcome);
  CHECK(s.received().starts_with("ERROR malformed"));
  REQUIRE_FALSE(s.outcome.done);  // lingering: the client may still be sending
  s.client.close();
  // Turn by turn, without time moving: the close is seen, then the session ends. (Reading the end
  // of the stream as more bytes to drop would go round, a turn at a time, until the second is over.)
  for (int turns = 0; turns < 10 && !s.outcome.done; ++turns) s.sim.runtime().turn(MayBlock::no);
  CHECK(s.outcome.done);
}

TEST_CASE("virtual time: the lingering close is over when its second is even for bytes that come just then",
          "[ex6.5]") {
  SimulatedSession s{timeouts(5s, 10s)};
  s.sim.advance(5ms);  // half a tick: the close lingers from 5 ms to 1005 ms, between two ticks of the wheel
  s.send("HELLO x\n");
  rethrow_if_thrown(s.outcome);
  CHECK(s.received().starts_with("ERROR malformed"));
  s.sim.advance(1s);  // 1005 ms: the second is over, though the timer of its wait fires only at the next tick
  s.send("late");     // wakes the session: it finds its time up, and reads and waits no more
  CHECK(s.outcome.done);
}

TEST_CASE(
    "virtual time: a client flooding the lingering close does not keep the thread and others are served meanwhile",
    "[ex6.5]") {
  Simulation sim;
  auto flooding = LocalPair::make();
  auto other = LocalPair::make();
  hs::Fd flooded{::dup(flooding.code.get())};  // the same socket as the session's: to see what it has not read
  Outcome<SessionResult> lingering, served;
  spawn_into(session(sim.runtime(), std::move(flooding.code), timeouts(5s, 10s)), lingering);
  spawn_into(session(sim.runtime(), std::move(other.code), timeouts(5s, 10s)), served);
  flooding.test.send("HELLO x\n");
  sim.run_until_stalled();
  rethrow_if_thrown(lingering);
  CHECK(flooding.test.read_all(0ms).starts_with("ERROR malformed"));  // then the close lingers, dropping what comes

  const std::string flood(32 << 10, 'x');  // more than one batch of the drain, less than the socket holds
  REQUIRE(flooding.test.send(flood));
  other.test.send("HELLO 1\n");
  std::string answer;
  for (int turns = 0; turns < 100 && answer.empty(); ++turns) {
    sim.runtime().turn(MayBlock::no);
    answer = other.test.read_all(0ms);
  }
  CHECK(answer == "HELLO 2\n");
  CHECK(hs::unread_bytes(flooded.get()) > 0);  // answered while the flood was still being dropped
  sim.run_until_stalled();
  CHECK(hs::unread_bytes(flooded.get()) == 0);  // all of it dropped, in the end
  CHECK_FALSE(lingering.done);                  // still within its second

  flooded.reset();  // before the session closes its copy: epoll forgets a socket only once every copy is closed
  flooding.test.close();
  other.test.send("HELLO 3\n");
  sim.run_until_stalled();
  CHECK(lingering.done);
  CHECK(served.done);
}

TEST_CASE("virtual time: a client that does not read makes HELLO Y wait for room and the deadlines still hold",
          "[ex6.5]") {
  SECTION("the client reads at last: HELLO Y goes out then, and the handshake goes on") {
    SimulatedSession s{timeouts(5s, 10s), /*client_behind=*/true};
    REQUIRE(s.behind > 0);
    s.send("HELLO 1\n");
    s.sim.advance(3s);
    CHECK(s.received().size() == s.behind);  // only what it was behind: HELLO 2 has not fitted yet
    s.sim.run_until_stalled();
    CHECK(s.received() == "HELLO 2\n");  // the room it made is taken
    s.send("HELLO 3\n");
    REQUIRE(s.outcome.done);
    rethrow_if_thrown(s.outcome);
    CHECK(s.outcome.value->status == hs::Status::done);
  }
  SECTION("the client never reads: the deadline ends the wait to write, with ERROR timeout") {
    SimulatedSession s{timeouts(5s, 10s), /*client_behind=*/true};
    REQUIRE(s.behind > 0);
    s.send("HELLO 1\n");
    s.sim.advance(4990ms);
    CHECK_FALSE(s.outcome.done);
    s.sim.advance(3s);  // the read timeout at 5 s, a second for its ERROR line, then at most a second of lingering
    REQUIRE(s.outcome.done);
    rethrow_if_thrown(s.outcome);
    CHECK(s.outcome.value->status == hs::Status::failed);
    REQUIRE(s.outcome.value->error);
    CHECK(s.outcome.value->error->reason == hs::ErrorReason::timeout);
  }
}

TEST_CASE("virtual time: out of descriptors the listener pauses accept_backoff between tries and the stop ends a pause",
          "[ex6.5]") {
  Simulation sim;
  hs::testing::LogRecorder recorded;  // (its warning, kept quiet)
  const hs::Logger log = recorded.logger();
  ServerStats stats;
  hs::Fd listener = hs::listen_tcp("127.0.0.1", 0);
  const std::uint16_t port = hs::local_endpoint(listener.get()).port;
  Server server{sim.runtime(), std::move(listener), ServerOptions{{}, 100ms}, log, stats};
  Outcome<std::monostate> listened;
  hs::Fd waiting;
  {
    hs::testing::DescriptorsExhausted exhausted{1};
    waiting = hs::testing::connect_with_one_descriptor(port);  // took the last descriptor: none to accept it with
    REQUIRE(waiting);
    spawn_into(server.listen(), listened);  // accept4() fails with EMFILE: a pause
    rethrow_if_thrown(listened);
    CHECK(stats.accept.backoffs == 1);
    sim.advance(99ms);
    CHECK(stats.accept.backoffs == 1);  // no new try before the pause is over
    sim.advance(1ms);
    CHECK(stats.accept.backoffs == 2);  // tried again at 100 ms: EMFILE again, a second pause
  }
  sim.advance(50ms);  // descriptors to spare now, halfway through the second pause
  server.stop();
  sim.run_until_stalled();
  CHECK(listened.done);  // listen() returned at once, without waiting for the pause to end
  CHECK(sim.runtime().finished());
  CHECK(stats.accept.accepted == 0);
}
