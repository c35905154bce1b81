// Exercise 6.4 (reference, 2 of 2): the listener and the graceful stop.
#include "ch06/server.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>
#include <exception>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "hs/cli.hpp"
#include "hs/server_log.hpp"

namespace hs::ch06 {

Server::Server(Runtime& runtime, Fd listener, ServerOptions options, const Logger& log, ServerStats& stats)
    : runtime_{runtime},
      listener_{std::move(listener)},
      backoff_{runtime},
      options_{options},
      log_{log},
      stats_{stats} {
  ::fcntl(listener_.fd(), F_SETFL, ::fcntl(listener_.fd(), F_GETFL) | O_NONBLOCK);  // accept4() must not block
  runtime_.watch(listener_);
}

Task<void> Server::listen() {
  bool in_backoff = false;  // log the first failure of a burst, not every retry
  int in_a_row = 0;         // accepted since the other tasks last had a turn
  while (listener_.fd() >= 0) {
    if (in_a_row == accept_batch) {  // a flood of new clients must not starve the ones we have
      in_a_row = 0;
      co_await runtime_.next_turn();
      continue;
    }
    sockaddr_storage from{};
    socklen_t from_size = sizeof from;
    Fd client{::accept4(listener_.fd(), reinterpret_cast<sockaddr*>(&from), &from_size, SOCK_NONBLOCK | SOCK_CLOEXEC)};
    if (client) {
      in_backoff = false;
      ++in_a_row;
      count_accepted(stats_);
      auto peer = log_.quiet() ? nullptr : std::make_unique<Endpoint>(to_endpoint(from));
      // The session runs now, until its first wait; then we are back here, accepting.
      spawn(session(runtime_, std::move(client), options_.serve),
            SessionDone{log_, stats_, std::move(peer), runtime_.now(), runtime_});
      continue;
    }
    const int error = errno;
    if (error == EAGAIN || error == EWOULDBLOCK) {
      in_a_row = 0;
      listener_.forget_readable();
      const Wake wake = co_await runtime_.readable(listener_);
      if (wake == Wake::cancelled) break;  // stop()
      continue;
    }
    ++stats_.accept.accept_errors;
    const AcceptFailure failure = classify_accept_failure(error);
    if (failure == AcceptFailure::fatal) throw std::system_error(error, std::generic_category(), "accept");
    if (failure == AcceptFailure::skip) continue;  // one connection died in the queue
    if (!in_backoff) {
      log_.warn("accept failed: {}; pausing {} ms between retries", std::generic_category().message(error),
                options_.accept_backoff.count());
    }
    in_backoff = true;
    ++stats_.accept.backoffs;
    const Wake wake = co_await backoff_.wait_until(runtime_.now() + options_.accept_backoff);
    if (wake == Wake::cancelled) break;  // stop()
  }
}

void Server::stop() {
  if (listener_.fd() < 0) return;  // stopped already
  ch01::refuse_queued(listener_.fd(), log_);
  runtime_.cancel(listener_);  // listen() wakes with Wake::cancelled...
  backoff_.cancel();           // ...whether it waits for a client or pauses
  listener_.close();
  log_stopping(log_, stats_.open.load(), options_.serve.handshake_timeout);
}

}  // namespace hs::ch06
