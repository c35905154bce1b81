// The session (given): chapter 03's exchange and deadlines (its reference, solutions/ch03/
// connection.hpp) on the connection's strand, with the server's Work between HELLO X and HELLO Y
// and a way for the drain to end it. See session.hpp, and the README: "More than one io thread:
// strands" and "Shutdown: the drain".
#include "given/ch04/session.hpp"

#include <exception>
#include <system_error>
#include <utility>

#include <asio/post.hpp>
#include <asio/this_coro.hpp>

#include "ch03/connection.hpp"

namespace hs::ch04 {

namespace {

// The exchange, with anything it throws kept for the session to rethrow once the race is over:
// `||` takes an operation that throws for a loser, and would wait for the deadline instead. One
// exception is expected: once `||` has cancelled the exchange (the watchdog won), its next co_await
// throws operation_aborted, wherever it is. Work that cannot be interrupted (a call on the pool,
// hashing) ends first; the exchange then stops there.
Awaitable<void> guarded(Awaitable<void> exchange, std::exception_ptr& thrown) {
  try {
    co_await std::move(exchange);
  } catch (const std::system_error& e) {
    if (e.code() != asio::error::operation_aborted) thrown = std::current_exception();
  } catch (...) {
    thrown = std::current_exception();
  }
}

// A session's place in the registry, for exactly as long as this object lives.
class Registration {
 public:
  Registration(SessionRegistry& registry, Executor strand, SessionRegistry::ShutDown shut_down)
      : registry_{registry}, ticket_{registry.enter(std::move(strand), std::move(shut_down))} {}
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;
  ~Registration() { registry_.leave(ticket_); }

 private:
  SessionRegistry& registry_;
  std::uint64_t ticket_;
};

// What a session still running at the end of a drain answers.
const ProtocolError stopping{ErrorReason::shutdown, "server stopping"};

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
  ch03::Connection c{std::move(socket), options.read_timeout, options.handshake_timeout};
  auto run_work = [&work] { return work.run(); };  // between HELLO X and HELLO Y, if there is work
  bool shutting_down = false;
  // The drain's way in, on our strand: the handshake's deadline becomes "now" and the watchdog is
  // woken, so it wins the race, and we answer ERROR shutdown instead of a timeout.
  const Executor strand = co_await asio::this_coro::executor;
  std::optional<Registration> registration{std::in_place, registry, strand, [&c, &shutting_down] {
                                             shutting_down = true;
                                             c.deadlines.handshake = Clock::time_point::min();
                                             c.deadlines.wake();
                                           }};
  std::exception_ptr thrown;
  const auto ran_out = co_await ch03::with_deadlines(
      guarded(ch03::exchange<Executor>(c, work.needed() ? &run_work : nullptr), thrown), c.deadlines);
  if (thrown) std::rethrow_exception(thrown);  // a bug, or an exercise not done yet: never swallowed
  registration.reset();                        // the drain cannot do more for us: we answer, and close
  if (ran_out || ch03::needs_linger(c))
    co_await ch03::finish<Executor>(c, ran_out, shutting_down ? &stopping : nullptr);
  SessionResult result;
  if (!shutting_down) result.timed_out = ran_out;
  static_cast<ch03::SessionResult&>(result) = std::move(c.result);
  co_return result;
}

Awaitable<void> refuse(Socket socket, ProtocolError error, std::chrono::milliseconds linger) {
  const std::string line = error_line(error);
  if (auto write_error = co_await ch03::write_line<Executor>(socket, line)) co_return;  // gone already
  co_await ch03::linger<Executor>(socket, linger);
}

}  // namespace hs::ch04
