// The chapter 04 listener (given): chapter 03's accept loop (its reference, solutions/ch03/
// listener.hpp), with a connection limit and a rate limit in front of the sessions, a strand per
// connection, and metrics. See server.hpp.
#include "given/ch04/server.hpp"

#include <exception>
#include <string>
#include <utility>

#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
#include <asio/strand.hpp>
#include <fmt/format.h>

#include "ch03/listener.hpp"
#include "hs/server_log.hpp"

namespace hs::ch04 {

namespace {

using asio::ip::tcp;

// Counts a session's outcome: exactly one of completed, failed[reason] (its ERROR line was sent),
// reset (the connection broke: a reset, a broken pipe).
void count(ServerMetrics& metrics, const SessionResult& result, Clock::duration took) {
  if (result.status == Status::done) {
    metrics.completed.add();
    metrics.handshake_seconds.observe(took);
  } else if (result.io_error || !result.error) {  // broken: whatever we meant to say never arrived
    metrics.reset.add();
  } else {
    metrics.failures(result.error->reason).add();
    if (result.timed_out) (*result.timed_out == Timeout::read ? metrics.timeout_read : metrics.timeout_handshake).add();
  }
}

}  // namespace

Server::Server(asio::io_context& io, Acceptor acceptor, ServerOptions options, Work& work, ServerMetrics& metrics,
               const Logger& log)
    : io_{io},
      strand_{asio::make_strand(io)},
      acceptor_{std::move(acceptor)},
      backoff_{io},
      idle_{io},
      options_{std::move(options)},
      work_{work},
      metrics_{metrics},
      log_{log},
      limiter_{options_.max_conns} {
  if (options_.rate) rate_.emplace(options_.rate->per_second, options_.rate->burst);
}

Awaitable<void> Server::listen() {
  co_await ch03::accept_until_closed<Executor>(
      acceptor_, backoff_, options_.accept_backoff, log_, metrics_.listener,
      [this](Socket socket, const tcp::endpoint& peer) { admit(std::move(socket), peer); });
}

// The limits come before the session: a refused client costs one accept, one short write and a
// close, and never holds a permit. We answer `ERROR busy` rather than stop accepting: a client
// told "busy" can back off at once, one left in the kernel's queue only learns by timing out.
void Server::admit(Socket socket, const tcp::endpoint& peer) {  // (the listener has counted it accepted)
  auto permit = limiter_.try_acquire();
  if (!permit) {
    metrics_.refused_max_conns.add();
    refuse_now(std::move(socket), ErrorReason::busy, fmt::format("server full ({} connections)", options_.max_conns));
    return;
  }
  if (rate_ && !rate_->allow(peer.address().to_string(), Clock::now())) {
    metrics_.refused_rate.add();
    refuse_now(std::move(socket), ErrorReason::busy, fmt::format("rate limit {}/s", options_.rate->per_second));
    return;
  }
  ++live_;
  metrics_.open.add(1);
  // Each connection gets a strand of its own: its coroutines never run two at once, while
  // different connections' run on all the io threads.
  asio::co_spawn(asio::make_strand(io_), session(std::move(socket), options_.session, work_, sessions_),
                 [this, peer, start = Clock::now(), permit = std::move(*permit)](std::exception_ptr thrown,
                                                                                 const SessionResult& result) mutable {
                   permit.release();
                   const auto took = Clock::now() - start;
                   if (thrown) {
                     metrics_.reset.add();  // counted somewhere: the connection is gone without its answer
                     session_ended();
                     log_or_rethrow(thrown, log_, fmt::format("{}: the session", ch03::endpoint_of(peer).to_string()));
                     return;
                   }
                   count(metrics_, result, took);
                   if (!log_.quiet()) log_outcome(log_, ch03::endpoint_of(peer), result, took);  // (only if shown)
                   session_ended();
                 });
}

void Server::refuse_now(Socket socket, ErrorReason reason, std::string detail) {
  ProtocolError why{reason, std::move(detail)};
  metrics_.failures(reason).add();
  asio::co_spawn(asio::make_strand(io_),
                 refuse(std::move(socket), std::move(why), linger_time(options_.session.read_timeout)),
                 [this](std::exception_ptr thrown) { log_or_rethrow(thrown, log_, "refusing a connection"); });
}

// The metrics first, then live_: once the drain sees 0, every count is in.
void Server::session_ended() {
  metrics_.open.sub(1);
  if (--live_ == 0 && draining_) {
    asio::post(strand_, [this] { idle_.cancel(); });  // on our strand: the drain's timer
  }
}

void Server::stop_accepting() { ch03::stop_accepting(acceptor_, backoff_, log_); }

}  // namespace hs::ch04
