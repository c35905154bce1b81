/// @file
/// The reference of exercises 3.1 and 3.2, written once for any executor: a connection's deadlines
/// and watchdog, its exchange, its lingering close. Chapter 03 runs them on the io_context's own
/// executor (session.cpp, timeout.cpp); chapter 04 runs the very same code on a strand per
/// connection, with its own work and its drain (chapters/04-production/given/session.cpp).
///
/// Why templates: a coroutine's executor is part of its type (`asio::awaitable<T, Executor>`), and
/// a coroutine can only `co_await` one of its own kind. So each piece takes the executor it runs on
/// as its template parameter, e.g. `exchange<Executor>(c, work)`. The I/O objects (Socket, Timer)
/// are the same in both chapters: an operation completes through the executor of the coroutine
/// that awaits it, whatever the socket's. Your code for exercises 3.1 and 3.2 needs none of this:
/// it runs on one executor, chapter 03's.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "ch00/server_handshake.hpp"
#include "ch03/session.hpp"
#include "ch03/timeout.hpp"
#include "given/ch03/asio_types.hpp"
#include "hs/net.hpp"
#include "hs/protocol.hpp"

namespace hs::ch03 {

/// `auto [error, n] = co_await op(..., as_tuple_on<Executor>)`: as_tuple, for a coroutine that runs on
/// `Executor`. Every wait here takes errors as values: cheaper than exceptions, and `||` needs it
/// (an operation that throws does not end the race).
template <typename Executor>
inline constexpr auto as_tuple_on = asio::experimental::as_tuple(asio::use_awaitable_t<Executor>{});

/// The io_context's executor under `executor`: itself (chapter 03), or the one a strand wraps
/// (chapter 04). Timers are made on it.
template <typename Executor>
asio::io_context::executor_type io_executor(const Executor& executor) {
  if constexpr (std::is_same_v<Executor, asio::io_context::executor_type>) {
    return executor;
  } else {
    return executor.get_inner_executor();
  }
}

// ---------------------------------------------------------------------------------- exercise 3.1

/// Sleeps until the earliest of `deadlines` has passed, reading them again after each wake-up: the
/// session moves them. A wait cut short by Deadlines::wake() only makes it read them again; a wait
/// cancelled otherwise (by `||`: the operation won) ends it. One timer for the whole handshake:
/// re-arming it is cheap, making one per read is not. It returns nothing: with_deadlines() reads
/// which clock ran out from `deadlines` (a coroutine returning a value would cost `||` one more
/// frame per connection).
template <typename Executor>
asio::awaitable<void, Executor> watchdog(Deadlines& deadlines) {
  const auto executor = co_await asio::this_coro::executor;  // (named: g++ 12 would destroy a strand twice)
  Timer timer{io_executor(executor)};
  struct Waiting {  // deadlines.watchdog points at the timer exactly while this frame lives
    Deadlines& deadlines;
    ~Waiting() { deadlines.watchdog = nullptr; }
  } waiting{deadlines};
  deadlines.watchdog = &timer;
  while (Clock::now() < deadlines.earliest()) {
    timer.expires_at(deadlines.earliest());
    deadlines.woken = false;  // (a wake-up before this wait is read here, with the deadlines)
    auto [error] = co_await timer.async_wait(as_tuple_on<Executor>);
    if (error && !deadlines.woken) break;  // cancelled, not woken: the operation won
  }
}

/// Exercise 3.1 for any executor: `operation` raced against watchdog(deadlines) with `||`. Nothing
/// if the operation finished first; which clock ran out otherwise, once the operation has been
/// cancelled and has finished.
template <typename Executor>
asio::awaitable<std::optional<Timeout>, Executor> with_deadlines(asio::awaitable<void, Executor> operation,
                                                                 Deadlines& deadlines) {
  using namespace asio::experimental::awaitable_operators;
  // `||` starts both, returns when the first succeeds, after cancelling the other and waiting for it.
  const auto winner = co_await (std::move(operation) || watchdog<Executor>(deadlines));
  if (winner.index() == 0) co_return std::nullopt;
  co_return deadlines.which();
}

// ---------------------------------------------------------------------------------- exercise 3.2

/// What the work between HELLO X and HELLO Y came to.
struct WorkOutcome {
  bool cancelled = false;              ///< it ended early: a deadline passed (the session answers that)
  std::optional<ProtocolError> error;  ///< it failed the handshake (chapter 04's downstream): answer this
};

/// Simulated work done the event-loop way: a timer, so the thread serves others meanwhile. Cancelled
/// if a deadline passes first.
template <typename Executor>
asio::awaitable<WorkOutcome, Executor> wait_for(std::chrono::milliseconds duration) {
  const auto executor = co_await asio::this_coro::executor;  // (named: g++ 12 would destroy a strand twice)
  Timer timer{io_executor(executor), duration};
  auto [error] = co_await timer.async_wait(as_tuple_on<Executor>);
  co_return WorkOutcome{static_cast<bool>(error), std::nullopt};
}

/// Everything one connection needs while it is open, in its session's coroutine frame. The
/// exchange works on it by reference: safe, because with_deadlines() returns only after the
/// exchange has finished. (The whole of it is under 400 bytes: README, "Where the bytes go".)
struct Connection {
  /// Starts both clocks now.
  Connection(Socket accepted, std::chrono::milliseconds read, std::chrono::milliseconds handshake,
             Clock::time_point now = Clock::now())
      : socket{std::move(accepted)}, read_timeout{read}, deadlines{now + read, now + handshake} {}

  Socket socket;                           ///< owned by the session for its whole life
  std::chrono::milliseconds read_timeout;  ///< each message's allowance (Z's clock restarts after the work)
  ch00::ServerHandshake machine;           ///< the protocol, from chapter 00
  Deadlines deadlines;                     ///< the message's and the handshake's, and the watchdog's timer
  SessionResult result;                    ///< how it is going, then how it ended
};

/// Writes `line` whole. Our replies are at most two lines (< 2 * 64 bytes), which always fit in a
/// socket's send buffer, so this cannot wait for a client that does not read.
template <typename Executor>
asio::awaitable<std::error_code, Executor> write_line(Socket& socket, const std::string& line) {
  auto [error, written] = co_await asio::async_write(socket, asio::buffer(line), as_tuple_on<Executor>);
  co_return error;
}

/// Between HELLO X and HELLO Y: the server's work, `work()` (an `asio::awaitable<WorkOutcome,
/// Executor>`). While the server works the client is not late, so its clock is paused; it restarts
/// for Z afterwards. If the work failed the handshake, `step` becomes that ERROR line instead of
/// HELLO Y. False if a deadline cancelled the work. (A coroutine of its own, not part of the
/// exchange's: its frame lives only while the work does, not while every client thinks.)
template <typename Executor, typename Work>
asio::awaitable<bool, Executor> work_between(Connection& c, Work& work, Step& step) {
  c.deadlines.message = Clock::time_point::max();
  WorkOutcome outcome = co_await work();
  if (outcome.cancelled) co_return false;
  if (outcome.error) step = Step{error_line(*outcome.error), Status::failed, std::move(outcome.error)};
  c.deadlines.message = Clock::now() + c.read_timeout;  // Z's clock starts now: earlier than the
  c.deadlines.wake();                                   // watchdog last read, so wake it
  co_return true;
}

/// The handshake from the first byte to the last: read, feed the machine, write its reply, until it
/// is done or failed. Between HELLO X and HELLO Y it awaits `(*work)()` (an
/// `asio::awaitable<WorkOutcome, Executor>`), if there is work: while the server works the client
/// is not late, so its clock is paused, and restarted for Z afterwards. The caller races this
/// against the deadlines; cancelled (a deadline passed), it returns at once and the caller answers.
/// One coroutine frame for the whole loop: every frame alive while a client thinks costs memory.
template <typename Executor, typename Work>
asio::awaitable<void, Executor> exchange(Connection& c, Work* work) {
  using Phase = ch00::ServerHandshake::Phase;
  std::array<char, max_line_bytes> buffer;  // one line's worth: never read far ahead
  while (c.result.status == Status::in_progress) {
    auto [error, size] = co_await c.socket.async_read_some(asio::buffer(buffer), as_tuple_on<Executor>);
    if (error == asio::error::operation_aborted) co_return;  // a deadline passed: the caller answers
    Step step;
    if (!error) {
      const Phase before = c.machine.phase();
      step = c.machine.on_bytes({buffer.data(), size});
      const Phase after = c.machine.phase();
      const bool hello_x_in = before == Phase::awaiting_hello && (after == Phase::awaiting_z || after == Phase::done);
      if (hello_x_in && work != nullptr) {
        const bool finished = co_await work_between<Executor>(c, *work, step);
        if (!finished) co_return;  // a deadline passed during the work: the caller answers
      } else if (hello_x_in) {
        c.deadlines.message = Clock::now() + c.read_timeout;  // later than before: the watchdog sees it when it wakes
      }
    } else if (error == asio::error::eof) {
      step = c.machine.on_eof();  // half-closed: it can still read our ERROR line
    } else {
      c.result.io_error = error;  // reset: nobody is left to read an ERROR line
      step = c.machine.on_eof();
      step.out.clear();
    }
    if (!step.out.empty()) {
      if (auto write_error = co_await write_line<Executor>(c.socket, step.out)) {
        c.result.io_error = write_error;
        if (step.status == Status::in_progress) step = c.machine.on_eof();  // cannot go on without writing
      }
    }
    c.result.status = step.status;
    c.result.error = std::move(step.error);
  }
}

/// Reads and drops what the client sends until it closes (or hs::linger_max_reads reads: bounded,
/// like every loop here).
template <typename Executor>
asio::awaitable<void, Executor> discard_input(Socket& socket) {
  std::array<char, 512> sink;
  for (int reads = 0; reads < linger_max_reads; ++reads) {
    auto [error, size] = co_await socket.async_read_some(asio::buffer(sink), as_tuple_on<Executor>);
    if (error) co_return;
  }
}

/// The lingering close: shut down our sending side, then read (and drop) what the client still
/// sends, until it closes or `how_long` passes. Closing with unread input would send a reset, and a
/// reset can destroy our last line before the client reads it.
template <typename Executor>
asio::awaitable<void, Executor> linger(Socket& socket, std::chrono::milliseconds how_long) {
  std::error_code ignored;
  socket.shutdown(Socket::shutdown_send, ignored);
  const auto until = Clock::now() + how_long;
  Deadlines drain{until, until};
  co_await with_deadlines(discard_input<Executor>(socket), drain);
}

/// Whether the close should linger: after a failure (the client may still be sending), or when it
/// sent more than we read; never on a broken connection (nobody is left to read anything).
inline bool needs_linger(const Connection& c) {
  std::error_code ignored;
  return !c.result.io_error && (c.result.status == Status::failed || c.socket.available(ignored) > 0);
}

/// After the race: if a deadline won it (`ran_out`), ends the handshake with the machine's answer,
/// `ERROR timeout ...`, or with `*instead` if given (chapter 04's drain: `ERROR shutdown`), sent
/// unless the connection is broken already. Then the lingering close, if it needs one. (A coroutine
/// of its own, so that its locals take no room in the session's frame while clients think.)
template <typename Executor>
asio::awaitable<void, Executor> finish(Connection& c, std::optional<Timeout> ran_out,
                                       const ProtocolError* instead = nullptr) {
  if (ran_out) {
    Step step = instead ? Step{error_line(*instead), Status::failed, *instead} : c.machine.on_timeout(*ran_out);
    if (!step.out.empty() && !c.result.io_error) {
      if (auto error = co_await write_line<Executor>(c.socket, step.out)) c.result.io_error = error;
    }
    c.result.status = step.status;
    c.result.error = std::move(step.error);
  }
  if (needs_linger(c)) co_await linger<Executor>(c.socket, linger_time(c.read_timeout));
}

}  // namespace hs::ch03
