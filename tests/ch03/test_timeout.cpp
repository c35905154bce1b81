// Exercise 3.1: with_deadlines(), an operation raced against a watchdog timer. Each test runs the
// race on its own io_context; drained() checks that nothing was left behind (a watchdog still
// waiting for an hour, or an operation that was never cancelled).
#include <asio/experimental/as_tuple.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "../support/cpu.hpp"
#include "fixtures.hpp"

using namespace hs::ch03;
using namespace hs::ch03::test;
using hs::testing::cpu_used;

namespace {

constexpr auto an_hour = std::chrono::hours{1};

// What the raced operation saw.
struct Seen {
  bool finished = false;
  std::error_code error;  // how its wait ended: success, or operation_aborted when cancelled
};

// What the race returned, and whether the operation was over by then.
struct Outcome {
  std::optional<hs::Timeout> ran_out;
  bool operation_over = false;
  bool watchdog_cleared = false;  // deadlines.watchdog was null again once the race was over
  Seen seen;
};

// The operation: optionally moves the message deadline (as a session does when a message
// arrives), then waits `how_long` on a timer.
Awaitable<void> sleeper(Clock::duration how_long, Seen& seen, Deadlines* move_message_to_an_hour) {
  if (move_message_to_an_hour) move_message_to_an_hour->message = Clock::now() + an_hour;
  Timer timer{co_await asio::this_coro::executor, how_long};
  auto [error] = co_await timer.async_wait(as_tuple);
  seen.error = error;
  seen.finished = true;
}

Awaitable<Outcome> race(Clock::duration how_long, Deadlines deadlines, bool moves_deadline) {
  Outcome outcome;
  outcome.ran_out =
      co_await with_deadlines(sleeper(how_long, outcome.seen, moves_deadline ? &deadlines : nullptr), deadlines);
  outcome.operation_over = outcome.seen.finished;
  outcome.watchdog_cleared = deadlines.watchdog == nullptr;  // a wake() now must not touch a timer that is gone
  co_return outcome;
}

// Runs race() on a fresh io_context; `drained` says whether it then had nothing left to do.
Outcome run_race(Clock::duration how_long, Deadlines deadlines, bool& drained, bool moves_deadline = false) {
  Running<Outcome> running{[&](asio::io_context&) { return race(how_long, deadlines, moves_deadline); }};
  Outcome outcome = running.result();
  drained = running.drained();
  return outcome;
}

}  // namespace

TEST_CASE("an operation that finishes first wins and the watchdog is cancelled", "[ex3.1]") {
  const auto now = Clock::now();
  bool drained = false;
  const Outcome outcome = run_race(10ms, {now + an_hour, now + an_hour}, drained);
  CHECK_FALSE(outcome.ran_out);
  CHECK(outcome.operation_over);
  CHECK_FALSE(outcome.seen.error);
  CHECK(outcome.watchdog_cleared);
  INFO("the io_context still had work after the race: was the watchdog's timer left waiting?");
  CHECK(drained);
}

TEST_CASE("when a deadline passes first the operation is cancelled and is over before the race returns", "[ex3.1]") {
  struct Row {
    const char* what;
    Clock::duration message_in, handshake_in;
    hs::Timeout expected;
  };
  const auto row = GENERATE(values<Row>({
      {"the message deadline comes first", 50ms, an_hour, hs::Timeout::read},
      {"the handshake deadline comes first", an_hour, 50ms, hs::Timeout::handshake},
      {"both at once: the handshake's is reported", 50ms, 50ms, hs::Timeout::handshake},
      {"both already passed", -1s, -1s, hs::Timeout::handshake},
  }));
  INFO(row.what);
  const auto now = Clock::now();
  bool drained = false;
  const Outcome outcome = run_race(an_hour, {now + row.message_in, now + row.handshake_in}, drained);
  REQUIRE(outcome.ran_out);
  CHECK(*outcome.ran_out == row.expected);
  CHECK(outcome.operation_over);
  CHECK(outcome.seen.error == asio::error::operation_aborted);
  INFO("once it has returned, the watchdog must leave deadlines.watchdog null: its timer is gone");
  CHECK(outcome.watchdog_cleared);
  CHECK(drained);
}

TEST_CASE("the watchdog re-reads the deadlines: an operation may move the message deadline", "[ex3.1]") {
  // The message deadline starts 1 s away, but the operation moves it an hour away at once (as the
  // session does for each new message), then works for 1.5 s: no timeout.
  const auto now = Clock::now();
  bool drained = false;
  const Outcome outcome = run_race(1500ms, {now + 1s, now + an_hour}, drained, /*moves_deadline=*/true);
  CHECK_FALSE(outcome.ran_out);
  CHECK(outcome.operation_over);
  CHECK_FALSE(outcome.seen.error);
  CHECK(drained);
}

namespace {

// What the waking operation saw.
struct Woken {
  bool watchdog_was_waiting = false;  // deadlines.watchdog was set when it moved the deadline
  bool finished = false;
  std::error_code error;
};

// An operation that waits until the watchdog waits (deadlines.watchdog set: counted turns of the
// io_context, no sleeping), moves the message deadline *earlier* to `message_in` from now and calls
// wake(), as a session does when Z's clock starts after its work; then works for `how_long`.
Awaitable<void> waker(Deadlines& deadlines, Clock::duration message_in, Clock::duration how_long, Woken& seen) {
  const auto executor = co_await asio::this_coro::executor;
  for (int turn = 0; turn < 1000 && deadlines.watchdog == nullptr; ++turn) co_await asio::post(executor, use_awaitable);
  seen.watchdog_was_waiting = deadlines.watchdog != nullptr;
  deadlines.message = Clock::now() + message_in;
  deadlines.wake();
  Timer timer{executor, how_long};
  auto [error] = co_await timer.async_wait(as_tuple);
  seen.error = error;
  seen.finished = true;
}

struct WakeOutcome {
  std::optional<hs::Timeout> ran_out;
  bool watchdog_cleared = false;  // deadlines.watchdog was null again once the race was over
  Woken seen;
};

// Its arguments by value: a coroutine outlives the call that started it.
Awaitable<WakeOutcome> race_wake(Clock::duration message_in, Clock::duration how_long) {
  const auto now = Clock::now();
  Deadlines deadlines{now + an_hour, now + an_hour};
  WakeOutcome outcome;
  outcome.ran_out = co_await with_deadlines(waker(deadlines, message_in, how_long, outcome.seen), deadlines);
  outcome.watchdog_cleared = deadlines.watchdog == nullptr;  // a wake() now must not touch a timer that is gone
  co_return outcome;
}

WakeOutcome run_wake(Clock::duration message_in, Clock::duration how_long, bool& drained) {
  Running<WakeOutcome> running{[=](asio::io_context&) { return race_wake(message_in, how_long); }};
  WakeOutcome outcome = running.result();
  drained = running.drained();
  return outcome;
}

}  // namespace

TEST_CASE("wake(): a deadline moved earlier is read at once and waking is not losing the race", "[ex3.1]") {
  SECTION("moved to 50 ms from now: the watchdog wins then, not an hour later") {
    bool drained = false;
    const WakeOutcome outcome = run_wake(50ms, an_hour, drained);
    INFO("while it waits, the watchdog keeps its timer in deadlines.watchdog: wake() cancels that wait");
    CHECK(outcome.seen.watchdog_was_waiting);
    REQUIRE(outcome.ran_out);
    CHECK(*outcome.ran_out == hs::Timeout::read);
    CHECK(outcome.seen.error == asio::error::operation_aborted);
    INFO("once it has returned, the watchdog must leave deadlines.watchdog null: its timer is gone");
    CHECK(outcome.watchdog_cleared);
    CHECK(drained);
  }
  SECTION("moved to 30 minutes from now: woken, the watchdog waits on, and the operation wins") {
    bool drained = false;
    const WakeOutcome outcome = run_wake(std::chrono::minutes{30}, 10ms, drained);
    CHECK(outcome.seen.watchdog_was_waiting);
    INFO("a wait cut short by wake() (deadlines.woken set) is not a cancellation: read the deadlines and wait again");
    CHECK_FALSE(outcome.ran_out);
    CHECK(outcome.seen.finished);
    CHECK_FALSE(outcome.seen.error);
    CHECK(outcome.watchdog_cleared);
    CHECK(drained);
  }
}

TEST_CASE("the watchdog sleeps until the deadline: waiting costs no CPU", "[ex3.1]") {
  // A watchdog that looked at the clock in a loop would still time out at the right moment, and
  // burn a core meanwhile: with a thousand clients waiting, the whole machine.
  const auto before = cpu_used();
  const auto now = Clock::now();
  bool drained = false;
  const Outcome outcome = run_race(an_hour, {now + 500ms, now + an_hour}, drained);
  const auto used = std::chrono::duration_cast<std::chrono::milliseconds>(cpu_used() - before);
  CHECK(outcome.ran_out == hs::Timeout::read);
  INFO("CPU time used by a 500 ms wait: " << used.count() << " ms (a sleeping wait takes about 1)");
  CHECK(used < 100ms);
}
