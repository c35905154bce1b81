// The session (given): chapter 03's exchange loop and deadlines, on a strand, with the server's
// Work and a way for the drain to end it. See session.hpp and README, "The session, grown up".
#include "given/ch04/session.hpp"

#include <algorithm>
#include <array>
#include <exception>
#include <system_error>
#include <utility>

#include <asio/experimental/awaitable_operators.hpp>
#include <asio/post.hpp>
#include <asio/this_coro.hpp>
#include <asio/write.hpp>

#include "ch00/server_handshake.hpp"
#include "ch03/timeout.hpp"

namespace hs::ch04 {

namespace {

using namespace asio::experimental::awaitable_operators;
using Phase = ch00::ServerHandshake::Phase;
using ch03::Deadlines;

// One connection's state, in the session's frame. Everything here is touched only on the
// connection's strand: by the exchange, the watchdog, and the registry's shut-down call.
struct Connection {
  Socket socket;
  const SessionOptions& options;
  Work& work;
  ch00::ServerHandshake machine;
  Deadlines deadlines;
  SessionResult result;
  bool shutting_down = false;  // the drain asked us to end now
  bool rearm = false;          // the exchange moved a deadline earlier: the watchdog must re-read it
  Timer* watchdog = nullptr;   // the watchdog's timer while it waits: shut_down() and rearm wake it
  std::exception_ptr thrown;   // what the exchange threw: `||` would take a thrower for a loser
};

// A session's place in the registry, for exactly as long as this object lives.
class Registration {
 public:
  Registration(SessionRegistry& registry, Connection& c)
      : registry_{registry}, ticket_{registry.enter(c.socket.get_executor(), [&c] {
          c.shutting_down = true;
          if (c.watchdog) c.watchdog->cancel();
        })} {}
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;
  ~Registration() { registry_.leave(ticket_); }

 private:
  SessionRegistry& registry_;
  std::uint64_t ticket_;
};

Awaitable<std::error_code> write_line(Socket& socket, const std::string& bytes) {
  auto [error, written] = co_await asio::async_write(socket, asio::buffer(bytes), as_tuple);
  co_return error;
}

// As in chapter 03: read, feed the machine, write its reply, until done or failed. The work
// between HELLO X and the reply is Work's; its clock is paused, the handshake's is not.
Awaitable<void> exchange_loop(Connection& c) {
  std::array<char, max_line_bytes> buffer;
  while (c.result.status == Status::in_progress) {
    auto [error, size] = co_await c.socket.async_read_some(asio::buffer(buffer), as_tuple);
    if (error == asio::error::operation_aborted) co_return;  // a deadline or the drain: the caller answers
    Step step;
    if (!error) {
      const Phase before = c.machine.phase();
      step = c.machine.on_bytes({buffer.data(), size});
      const Phase after = c.machine.phase();
      if (before == Phase::awaiting_hello && (after == Phase::awaiting_z || after == Phase::done)) {
        c.deadlines.message = Clock::time_point::max();  // while we work, the client is not late
        WorkOutcome outcome = co_await c.work.run();
        if (outcome.cancelled) co_return;
        if (outcome.error) {  // the downstream failed: answer that instead of HELLO Y
          step = Step{error_line(*outcome.error), Status::failed, std::move(outcome.error)};
        }
        // Z's clock starts now. The watchdog sleeps until the deadlines it last read (the
        // handshake's, during the work): wake it to read this earlier one.
        c.deadlines.message = Clock::now() + c.options.read_timeout;
        if (c.watchdog) {
          c.rearm = true;
          c.watchdog->cancel();
        }
      }
    } else if (error == asio::error::eof) {
      step = c.machine.on_eof();
    } else {
      c.result.io_error = error;
      step = c.machine.on_eof();
      step.out.clear();
    }
    if (!step.out.empty()) {
      if (auto write_error = co_await write_line(c.socket, step.out)) {
        c.result.io_error = write_error;
        if (step.status == Status::in_progress) step = c.machine.on_eof();
      }
    }
    c.result.status = step.status;
    c.result.error = std::move(step.error);
  }
}

// The exchange, with anything it throws kept for the session to rethrow once the race is over.
// One exception is expected: once `||` has cancelled the exchange (the watchdog won), its next
// co_await throws operation_aborted, wherever it is. Work that cannot be interrupted (a call on
// the pool, hashing) ends first; then the exchange stops there.
Awaitable<void> exchange(Connection& c) {
  try {
    co_await exchange_loop(c);
  } catch (const std::system_error& e) {
    if (e.code() != asio::error::operation_aborted) c.thrown = std::current_exception();
  } catch (...) {
    c.thrown = std::current_exception();
  }
}

// Chapter 03's watchdog, woken early two ways: shut_down() (end now) and `rearm` (a deadline moved
// earlier: read them again). A cancellation with neither comes from `||`: the exchange won, and we
// lose quietly.
Awaitable<void> watchdog(Connection& c) {
  Timer timer{co_await asio::this_coro::executor};
  c.watchdog = &timer;
  while (!c.shutting_down && Clock::now() < c.deadlines.earliest()) {
    timer.expires_at(c.deadlines.earliest());
    auto [error] = co_await timer.async_wait(as_tuple);
    if (error && c.rearm) {
      c.rearm = false;
      continue;
    }
    if (error && !c.shutting_down) break;
  }
  c.watchdog = nullptr;
}

// Close without losing our last line: shut down sending, read what the client still sends until it
// closes or `linger` passes (as in chapter 03).
Awaitable<void> linger(Socket& socket, std::chrono::milliseconds how_long) {
  std::error_code ignored;
  socket.shutdown(Socket::shutdown_send, ignored);
  Timer timer{socket.get_executor(), how_long};
  auto drain = [](Socket& s) -> Awaitable<void> {
    std::array<char, 512> sink;
    for (int reads = 0; reads < 10'000; ++reads) {
      auto [error, size] = co_await s.async_read_some(asio::buffer(sink), as_tuple);
      if (error) co_return;
    }
  };
  co_await (drain(socket) || [](Timer& t) -> Awaitable<void> { co_await t.async_wait(as_tuple); }(timer));
}

std::chrono::milliseconds linger_time(const SessionOptions& options) {
  return std::min(options.read_timeout, std::chrono::milliseconds{1000});
}

}  // namespace

std::uint64_t SessionRegistry::enter(Executor strand, ShutDown shut_down) {
  const std::lock_guard lock{mutex_};
  const std::uint64_t ticket = next_ticket_++;
  live_.emplace(ticket, Entry{std::move(strand), std::move(shut_down)});
  return ticket;
}

void SessionRegistry::leave(std::uint64_t ticket) {
  const std::lock_guard lock{mutex_};
  live_.erase(ticket);
}

void SessionRegistry::shut_down_all() {
  const std::lock_guard lock{mutex_};
  for (const auto& [ticket, entry] : live_) {
    // On the session's strand, and only if it is still registered then: a session leaves on its
    // strand too, so it cannot end while its shut_down runs.
    asio::post(entry.strand, [this, ticket = ticket] { shut_down_one(ticket); });
  }
}

void SessionRegistry::shut_down_one(std::uint64_t ticket) {
  ShutDown shut_down;
  {
    const std::lock_guard lock{mutex_};
    const auto it = live_.find(ticket);
    if (it == live_.end()) return;
    shut_down = it->second.shut_down;
  }
  shut_down();
}

std::size_t SessionRegistry::size() const {
  const std::lock_guard lock{mutex_};
  return live_.size();
}

Awaitable<SessionResult> session(Socket socket, SessionOptions options, Work& work, SessionRegistry& registry) {
  const auto start = Clock::now();
  Connection c{std::move(socket),
               options,
               work,
               {},
               {start + options.read_timeout, start + options.handshake_timeout},
               {},
               false,
               false,
               nullptr,
               nullptr};
  std::optional<Registration> registration{std::in_place, registry, c};
  const auto winner = co_await (exchange(c) || watchdog(c));
  if (c.thrown) std::rethrow_exception(c.thrown);  // a bug, or an exercise not done yet: never swallowed
  if (winner.index() == 1) {                       // the watchdog won: a deadline passed, or the drain asked us to end
    Step step;
    if (c.shutting_down) {
      ProtocolError why{ErrorReason::shutdown, "server stopping"};
      step = Step{error_line(why), Status::failed, std::move(why)};
    } else {
      c.result.timed_out = c.deadlines.which();
      step = c.machine.on_timeout(*c.result.timed_out);
    }
    if (!step.out.empty() && !c.result.io_error) {
      if (auto error = co_await write_line(c.socket, step.out)) c.result.io_error = error;
    }
    c.result.status = step.status;
    c.result.error = std::move(step.error);
  }
  registration.reset();  // the drain cannot do more for us: we are closing
  std::error_code ignored;
  if (!c.result.io_error && (c.result.status == Status::failed || c.socket.available(ignored) > 0)) {
    co_await linger(c.socket, linger_time(options));
  }
  co_return std::move(c.result);
}

Awaitable<void> refuse(Socket socket, ProtocolError error, std::chrono::milliseconds linger_for) {
  if (auto write_error = co_await write_line(socket, error_line(error))) co_return;  // gone already
  co_await linger(socket, linger_for);
}

}  // namespace hs::ch04
