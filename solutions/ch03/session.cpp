// Exercise 3.2 (reference): the session coroutine.
#include "ch03/session.hpp"

#include <algorithm>
#include <array>

#include <asio/this_coro.hpp>
#include <asio/write.hpp>

#include "ch00/server_handshake.hpp"
#include "ch03/timeout.hpp"

namespace hs::ch03 {

namespace {

using Phase = ch00::ServerHandshake::Phase;

// Every co_await below uses as_tuple: errors come back as values, not exceptions. Cheaper, and
// with_deadlines() needs it (an operation that throws does not end the race).

// Everything one connection needs while it is open, in the session's coroutine frame. The
// exchange below works on it by reference: safe, because with_deadlines() returns only after the
// exchange has finished.
struct Connection {
  Socket socket;
  const SessionOptions& options;
  ch00::ServerHandshake machine;  // the protocol, from chapter 00
  Deadlines deadlines;
  SessionResult result;
};

// Writes `bytes` whole. Our replies are at most two lines (< 2 * 64 bytes), which always fit in a
// socket's send buffer, so this cannot wait for a client that does not read.
Awaitable<std::error_code> write_line(Socket& socket, const std::string& bytes) {
  auto [error, written] = co_await asio::async_write(socket, asio::buffer(bytes), as_tuple);
  co_return error;
}

// Simulated work, done the event-loop way: a timer, so other sessions run meanwhile. False if a
// deadline cancelled it.
Awaitable<bool> work(std::chrono::milliseconds how_long) {
  Timer timer{co_await asio::this_coro::executor, how_long};
  auto [error] = co_await timer.async_wait(as_tuple);
  co_return !error;
}

// The handshake from the first byte to the last: read, feed the machine, write its reply, until
// it is done or failed. The caller races it against the deadlines. One coroutine frame for the
// whole loop: every frame alive while a client thinks costs memory per connection.
Awaitable<void> exchange(Connection& c) {
  std::array<char, max_line_bytes> buffer;  // one line's worth: never read far ahead
  while (c.result.status == Status::in_progress) {
    auto [error, size] = co_await c.socket.async_read_some(asio::buffer(buffer), as_tuple);
    if (error == asio::error::operation_aborted) co_return;  // a deadline passed: the caller answers
    Step step;
    if (!error) {
      const Phase before = c.machine.phase();
      step = c.machine.on_bytes({buffer.data(), size});
      const Phase after = c.machine.phase();
      if (before == Phase::awaiting_hello && (after == Phase::awaiting_z || after == Phase::done)) {  // HELLO X in
        if (c.options.work.count() > 0) {
          // While we work, the client is not late: its clock for Z starts when we answer. Move the
          // deadline *later* only: the watchdog sleeps until the earliest deadline it last read,
          // and would notice one moved earlier only when it wakes (at the handshake deadline).
          c.deadlines.message = Clock::now() + c.options.work + c.options.read_timeout;
          const bool finished = co_await work(c.options.work);
          if (!finished) co_return;
        }
        c.deadlines.message = Clock::now() + c.options.read_timeout;  // Z's clock starts now
      }
    } else if (error == asio::error::eof) {
      step = c.machine.on_eof();  // half-closed: it can still read our ERROR line
    } else {
      c.result.io_error = error;  // reset: nobody is left to read an ERROR line
      step = c.machine.on_eof();
      step.out.clear();
    }
    if (!step.out.empty()) {
      if (auto write_error = co_await write_line(c.socket, step.out)) {
        c.result.io_error = write_error;
        if (step.status == Status::in_progress) step = c.machine.on_eof();  // cannot go on without writing
      }
    }
    c.result.status = step.status;
    c.result.error = std::move(step.error);
  }
}

// Shut down our sending side and read (and drop) what the client still sends, until it closes or a
// short while passes. Closing with unread input would send a reset, which can destroy our last line.
Awaitable<void> linger(Connection& c) {
  std::error_code ignored;
  c.socket.shutdown(Socket::shutdown_send, ignored);
  const auto until = Clock::now() + std::min(c.options.read_timeout, std::chrono::milliseconds{1000});
  const Deadlines drain{until, until};
  co_await with_deadlines(
      [](Socket& socket) -> Awaitable<void> {
        std::array<char, 512> sink;
        for (int reads = 0; reads < 10'000; ++reads) {  // bounded, like every loop here
          auto [error, size] = co_await socket.async_read_some(asio::buffer(sink), as_tuple);
          if (error) co_return;
        }
      }(c.socket),
      drain);
}

}  // namespace

Awaitable<SessionResult> session(Socket socket, SessionOptions options) {
  const auto start = Clock::now();
  Connection c{std::move(socket), options, {}, {start + options.read_timeout, start + options.handshake_timeout}, {}};
  if (auto ran_out = co_await with_deadlines(exchange(c), c.deadlines)) {
    Step step = c.machine.on_timeout(*ran_out);
    if (!step.out.empty() && !c.result.io_error) {
      if (auto error = co_await write_line(c.socket, step.out)) c.result.io_error = error;
    }
    c.result.status = step.status;
    c.result.error = std::move(step.error);
  }
  std::error_code ignored;
  if (!c.result.io_error && (c.result.status == Status::failed || c.socket.available(ignored) > 0)) {
    co_await linger(c);
  }
  co_return std::move(c.result);
}

}  // namespace hs::ch03
