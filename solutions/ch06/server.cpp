// Exercise 6.4 (reference, 2 of 2): the listener and the graceful stop.
#include "ch06/server.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>
#include <memory>
#include <utility>

#include "hs/server_log.hpp"

namespace hs::ch06 {

Server::Server(Runtime& runtime, Fd listener, ServerOptions options, const Logger& log, ServerStats& stats)
    : runtime_{runtime},
      listener_{std::move(listener)},
      pacer_{runtime, options, log, stats},
      options_{options},
      log_{log},
      stats_{stats} {
  ::fcntl(listener_.fd(), F_SETFL, ::fcntl(listener_.fd(), F_GETFL) | O_NONBLOCK);  // accept4() must not block
  runtime_.watch(listener_);
}

Task<void> Server::listen() {
  while (listener_.fd() >= 0) {
    if (pacer_.turn_due()) {  // a flood of new clients must not starve the ones we have
      co_await runtime_.next_turn();
      continue;
    }
    sockaddr_storage from{};
    socklen_t from_size = sizeof from;
    Fd client{::accept4(listener_.fd(), reinterpret_cast<sockaddr*>(&from), &from_size, SOCK_NONBLOCK | SOCK_CLOEXEC)};
    if (client) {
      pacer_.accepted();
      auto peer = log_.quiet() ? nullptr : std::make_unique<Endpoint>(to_endpoint(from));
      // The session runs now, until its first wait; then we are back here, accepting.
      spawn(session(runtime_, std::move(client), options_.serve),
            SessionDone{log_, stats_, std::move(peer), runtime_.now(), runtime_});
      continue;
    }
    const int error = errno;
    if (error == EAGAIN || error == EWOULDBLOCK) {
      listener_.forget_readable();
      const Wake wake = co_await runtime_.readable(listener_);
      if (wake == Wake::cancelled) break;  // stop()
      pacer_.waited();
      continue;
    }
    if (!pacer_.failed(error)) continue;        // one connection died in the queue: take the next
    const Wake wake = co_await pacer_.pause();  // out of descriptors or memory: retrying would spin
    if (wake == Wake::cancelled) break;         // stop()
  }
}

void Server::stop() {
  if (listener_.fd() < 0) return;  // stopped already
  ch01::refuse_queued(listener_.fd(), log_);
  runtime_.cancel(listener_);  // listen() wakes with Wake::cancelled...
  pacer_.cancel();             // ...whether it waits for a client or pauses
  listener_.close();
  log_stopping(log_, stats_.open.load(), options_.serve.handshake_timeout);
}

}  // namespace hs::ch06
