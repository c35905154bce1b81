// Exercise 3.3 (reference): the listener.
// Exercise 3.4 (reference): the graceful stop.
#include "ch03/server.hpp"

#include <cerrno>
#include <exception>
#include <initializer_list>
#include <string>
#include <system_error>
#include <utility>

#include <asio/co_spawn.hpp>

#include "hs/cli.hpp"
#include "hs/exercise.hpp"

namespace hs::ch03 {

namespace {

using asio::ip::tcp;

// Asio reports accept(2)'s errno in its own system category: compare the numbers.
bool errno_is(const std::error_code& error, std::initializer_list<int> values) {
  if (error.category() != asio::error::get_system_category()) return false;
  for (int value : values) {
    if (error.value() == value) return true;
  }
  return false;
}

// "No resources right now": retrying at once would fail again, and spin, since the waiting
// connection keeps the listener readable. Pause instead.
bool out_of_resources(const std::error_code& error) { return errno_is(error, {EMFILE, ENFILE, ENOBUFS, ENOMEM}); }

// Errors about one connection that died in the queue (accept(2) passes on pending network errors):
// take the next.
bool transient(const std::error_code& error) {
  return errno_is(error, {ECONNABORTED, EPROTO, EPERM, EINTR, EAGAIN, ENETDOWN, ENETUNREACH, EHOSTUNREACH, EHOSTDOWN,
                          ENONET, ENOPROTOOPT, EOPNOTSUPP});
}

std::string describe(const tcp::endpoint& peer) {
  return peer.address().is_v6() ? fmt::format("[{}]:{}", peer.address().to_string(), peer.port())
                                : fmt::format("{}:{}", peer.address().to_string(), peer.port());
}

void log_outcome(const Logger& log, const tcp::endpoint& peer, const SessionResult& result, Clock::duration took) {
  if (log.quiet() && result.status == Status::done) return;  // formatting costs: skip what is not shown
  const double ms = std::chrono::duration<double, std::milli>(took).count();
  if (result.status == Status::done) {
    log.info("{} done in {:.1f} ms", describe(peer), ms);
  } else if (result.io_error) {
    log.info("{} failed after {:.1f} ms: {}", describe(peer), ms, result.io_error.message());
  } else if (result.error) {
    std::string line = error_line(*result.error);
    line.pop_back();  // its '\n': the logger ends the line
    log.info("{} failed after {:.1f} ms: {}", describe(peer), ms, line);
  }
}

// What runs when a session coroutine ends: count it, log it, and never swallow an exception.
struct SessionDone {
  const Logger& log;
  ServerStats& stats;
  tcp::endpoint peer;
  Clock::time_point start;

  void operator()(std::exception_ptr thrown, SessionResult result) const {
    --stats.open;
    if (thrown) {
      ++stats.accept.failed;
      try {
        std::rethrow_exception(thrown);
      } catch (const ExerciseNotDone&) {
        throw;  // a stub: stop the program and say so (run() rethrows it)
      } catch (const std::exception& e) {
        log.error("{}: the session threw: {}", describe(peer), e.what());
      }
      return;
    }
    ++(result.status == Status::done ? stats.accept.completed : stats.accept.failed);
    log_outcome(log, peer, result, Clock::now() - start);
  }
};

}  // namespace

Server::Server(Acceptor acceptor, ServerOptions options, const Logger& log, ServerStats& stats)
    : acceptor_{std::move(acceptor)}, backoff_{acceptor_.get_executor()}, options_{options}, log_{log}, stats_{stats} {}

Awaitable<void> Server::listen() {
  bool in_backoff = false;  // log the first failure of a burst, not every retry
  while (acceptor_.is_open()) {
    tcp::endpoint peer;
    auto [error, socket] = co_await acceptor_.async_accept(peer, as_tuple);
    if (!error) {
      in_backoff = false;
      ++stats_.accept.accepted;
      const auto open = ++stats_.open;
      if (open > stats_.open_peak) stats_.open_peak = open;
      // Start the session and go straight back to accepting. The session gets everything by value;
      // the completion handler refers only to what the caller keeps alive until run() returns.
      asio::co_spawn(acceptor_.get_executor(), session(std::move(socket), options_.session),
                     SessionDone{log_, stats_, peer, Clock::now()});
      continue;
    }
    if (error == asio::error::operation_aborted || !acceptor_.is_open()) break;  // stop()
    ++stats_.accept.accept_errors;
    if (out_of_resources(error)) {
      if (!in_backoff) {
        log_.warn("accept failed: {}; pausing {} ms between retries", error.message(), options_.accept_backoff.count());
      }
      in_backoff = true;
      ++stats_.accept.backoffs;
      backoff_.expires_after(options_.accept_backoff);
      [[maybe_unused]] auto [cancelled] = co_await backoff_.async_wait(as_tuple);  // stop() may cut it short
      continue;
    }
    if (!transient(error)) throw std::system_error(error, "accept");  // EINVAL, EBADF...: a bug, not a client
  }
}

void Server::stop() {
  if (!acceptor_.is_open()) return;
  std::error_code ignored;
  acceptor_.non_blocking(true, ignored);
  ch01::refuse_queued(acceptor_.native_handle(), log_);  // else closing would reset them without a word
  acceptor_.close(ignored);                              // the pending accept ends: listen() returns
  backoff_.cancel();
  if (const auto open = stats_.open.load(); open > 0) {
    log_.info(
        "stopping: no new connections; waiting for {} handshake(s) in progress (at most {}, plus up to "
        "1s to close cleanly)",
        open, format_duration(options_.session.handshake_timeout));
  }
}

}  // namespace hs::ch03
