// Exercise 3.3 (reference): the listener.
// Exercise 3.4 (reference): the graceful stop.
// The accept loop and the stop are written once, for any executor, in listener.hpp: chapter 04's
// server runs them on its strand, with its limits between the accept and the session.
#include "ch03/server.hpp"

#include <exception>
#include <utility>

#include <asio/co_spawn.hpp>
#include <fmt/format.h>

#include "ch03/listener.hpp"
#include "hs/cli.hpp"
#include "hs/server_log.hpp"

namespace hs::ch03 {

namespace {

// What runs when a session coroutine ends: count it, log it, and never swallow an exception.
struct SessionDone {
  const Logger& log;
  ServerStats& stats;
  asio::ip::tcp::endpoint peer;
  Clock::time_point start;

  void operator()(std::exception_ptr thrown, const SessionResult& result) const {
    --stats.open;
    if (thrown) {
      ++stats.accept.failed;
      log_or_rethrow(thrown, log, fmt::format("{}: the session", endpoint_of(peer).to_string()));
      return;  // (a stub's ExerciseNotDone is rethrown: run() throws it, and main() says so)
    }
    ++(result.status == Status::done ? stats.accept.completed : stats.accept.failed);
    // The peer's text costs an allocation: make it only for a line that is shown.
    if (!log.quiet()) log_outcome(log, endpoint_of(peer), result, Clock::now() - start);
  }
};

}  // namespace

Server::Server(Acceptor acceptor, ServerOptions options, const Logger& log, ServerStats& stats)
    : acceptor_{std::move(acceptor)}, backoff_{acceptor_.get_executor()}, options_{options}, log_{log}, stats_{stats} {}

Awaitable<void> Server::listen() {
  co_await accept_until_closed<Executor>(acceptor_, backoff_, options_.accept_backoff, log_, stats_.accept,
                                         [this](Socket socket, const asio::ip::tcp::endpoint& peer) {
                                           const auto open = ++stats_.open;
                                           if (open > stats_.open_peak) stats_.open_peak = open;
                                           // Start the session and go straight back to accepting. The session gets
                                           // everything by value; the completion handler refers only to what the caller
                                           // keeps alive until run() returns.
                                           asio::co_spawn(acceptor_.get_executor(),
                                                          session(std::move(socket), options_.session),
                                                          SessionDone{log_, stats_, peer, Clock::now()});
                                         });
}

void Server::stop() {
  if (!stop_accepting(acceptor_, backoff_, log_)) return;  // stopped already
  log_stopping(log_, stats_.open.load(), options_.session.handshake_timeout);
}

}  // namespace hs::ch03
