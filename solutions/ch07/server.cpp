// Exercise 7.3 (reference): the listener on a multishot accept, and the graceful stop.
#include "ch07/server.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include <memory>
#include <utility>

#include "hs/protocol.hpp"
#include "hs/server_log.hpp"

namespace hs::ch07 {

namespace {

/// The client's address, for the log (getpeername(): a multishot accept gives only descriptors).
std::unique_ptr<Endpoint> peer_of(int fd) {
  sockaddr_storage address{};
  socklen_t size = sizeof address;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) return std::make_unique<Endpoint>();
  return std::make_unique<Endpoint>(to_endpoint(address));
}

}  // namespace

Server::Server(Ring& ring, Fd listener, ServerOptions options, const Logger& log, ServerStats& stats)
    : ring_{ring},
      listener_{std::move(listener)},
      pacer_{ring.runtime(), options, log, stats},
      options_{options},
      log_{log},
      stats_{stats} {
  ::fcntl(listener_.get(), F_SETFL, ::fcntl(listener_.get(), F_GETFL) | O_NONBLOCK);
}

Task<void> Server::listen() {
  Runtime& runtime = ring_.runtime();
  if (!stopping_) ring_.accept(accepts_, listener_.get());  // (stopped before it started: nothing to accept)
  // Until stopped, and then until the stream has nothing more: its last completion seen (the
  // cancel's) and every one before it taken (a descriptor left in the stream would never be closed).
  while (!stopping_ || accepts_.active() || accepts_.has_queued()) {
    if (pacer_.turn_due()) {  // a flood of new clients must not starve the ones we have
      co_await runtime.next_turn();
      continue;
    }
    const Completion got = co_await ring_.next(accepts_);
    const bool last = (got.flags & IORING_CQE_F_MORE) == 0;
    if (got.result >= 0) {
      Fd client{got.result};
      if (stopping_) {  // accepted before the cancel took effect: too late to serve it
        refuse_connection(client.get(), ProtocolError{ErrorReason::shutdown, "server stopping"});
        continue;
      }
      pacer_.accepted();
      auto peer = log_.quiet() ? nullptr : peer_of(client.get());
      spawn(session(ring_, std::move(client), options_.serve),
            ch06::SessionDone{log_, stats_, std::move(peer), runtime.now(), runtime});
    } else if (!stopping_ && pacer_.failed(got.error())) {  // out of descriptors or memory
      const Wake wake = co_await pacer_.pause();
      if (wake == Wake::cancelled) continue;  // stop(): the loop ends once the stream has nothing more
    }
    if (last && !stopping_ && !accepts_.active()) ring_.accept(accepts_, listener_.get());  // submitted again
  }
  // The listener stayed open since stop(): clients that connected meanwhile are queued in the
  // kernel, and closing it would reset them. They are answered too.
  ch01::refuse_queued(listener_.get(), log_);
  ring_.close(std::move(listener_));
}

void Server::stop() {
  if (stopping_) return;
  stopping_ = true;
  ring_.cancel(accepts_);  // its last completion (-ECANCELED): nothing more will come from the stream
  ch01::refuse_queued(listener_.get(), log_);
  pacer_.cancel();
  log_stopping(log_, stats_.open.load(), options_.serve.handshake_timeout);
}

}  // namespace hs::ch07
