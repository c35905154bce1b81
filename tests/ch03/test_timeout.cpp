// Exercise 3.1: with_deadlines(), an operation raced against a watchdog timer. Each test runs the
// race on its own io_context; drained() checks that nothing was left behind (a watchdog still
// waiting for an hour, or an operation that was never cancelled).
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "fixtures.hpp"

using namespace hs::ch03;
using namespace hs::ch03::test;

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

TEST_CASE("an operation that finishes first wins, and the watchdog is cancelled", "[ex3.1]") {
  const auto now = Clock::now();
  bool drained = false;
  const Outcome outcome = run_race(10ms, {now + an_hour, now + an_hour}, drained);
  CHECK_FALSE(outcome.ran_out);
  CHECK(outcome.operation_over);
  CHECK_FALSE(outcome.seen.error);
  INFO("the io_context still had work after the race: was the watchdog's timer left waiting?");
  CHECK(drained);
}

TEST_CASE("when a deadline passes first, the operation is cancelled, and is over before the race returns", "[ex3.1]") {
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
