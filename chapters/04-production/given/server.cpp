// The chapter 04 listener (given): chapter 03's accept loop, with a connection limit and a rate
// limit in front of the sessions, a strand per connection, and metrics. See server.hpp.
#include "given/ch04/server.hpp"

#include <cerrno>
#include <exception>
#include <initializer_list>
#include <string>
#include <system_error>
#include <utility>

#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
#include <asio/strand.hpp>

#include "ch01/accept_loop.hpp"
#include "hs/exercise.hpp"

namespace hs::ch04 {

namespace {

using asio::ip::tcp;

bool errno_is(const std::error_code& error, std::initializer_list<int> values) {
  if (error.category() != asio::error::get_system_category()) return false;
  for (int value : values) {
    if (error.value() == value) return true;
  }
  return false;
}

bool out_of_resources(const std::error_code& error) { return errno_is(error, {EMFILE, ENFILE, ENOBUFS, ENOMEM}); }

bool transient(const std::error_code& error) {
  return errno_is(error, {ECONNABORTED, EPROTO, EPERM, EINTR, EAGAIN, ENETDOWN, ENETUNREACH, EHOSTUNREACH, EHOSTDOWN,
                          ENONET, ENOPROTOOPT, EOPNOTSUPP});
}

std::string describe(const tcp::endpoint& peer) {
  return peer.address().is_v6() ? fmt::format("[{}]:{}", peer.address().to_string(), peer.port())
                                : fmt::format("{}:{}", peer.address().to_string(), peer.port());
}

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

void log_outcome(const Logger& log, const tcp::endpoint& peer, const SessionResult& result, Clock::duration took) {
  if (log.quiet() && result.status == Status::done) return;
  const double ms = std::chrono::duration<double, std::milli>(took).count();
  if (result.status == Status::done) {
    log.info("{} done in {:.1f} ms", describe(peer), ms);
  } else if (result.error) {
    std::string line = error_line(*result.error);
    line.pop_back();
    log.info("{} failed after {:.1f} ms: {}{}", describe(peer), ms, line,
             result.io_error ? fmt::format(" ({})", result.io_error.message()) : "");
  } else {
    log.info("{} failed after {:.1f} ms: {}", describe(peer), ms, result.io_error.message());
  }
}

}  // namespace

Server::Server(asio::io_context& io, Acceptor acceptor, ServerOptions options, Work& work, ServerMetrics& metrics,
               const Logger& log)
    : io_{io},
      acceptor_{std::move(acceptor)},
      backoff_{acceptor_.get_executor()},
      idle_{acceptor_.get_executor()},
      options_{std::move(options)},
      work_{work},
      metrics_{metrics},
      log_{log},
      limiter_{options_.max_conns} {
  if (options_.rate) rate_.emplace(options_.rate->per_second, options_.rate->burst);
}

Awaitable<void> Server::listen() {
  bool in_backoff = false;
  while (acceptor_.is_open()) {
    tcp::endpoint peer;
    // Each connection gets a strand of its own: its handlers never run two at once, while
    // different connections' handlers run on all the io threads.
    auto [error, socket] = co_await acceptor_.async_accept(asio::make_strand(io_), peer, as_tuple);
    if (!error) {
      in_backoff = false;
      admit(std::move(socket), peer);
      continue;
    }
    if (error == asio::error::operation_aborted || !acceptor_.is_open()) break;  // the drain
    if (out_of_resources(error)) {
      if (!in_backoff) {
        log_.warn("accept failed: {}; pausing {} ms between retries", error.message(), options_.accept_backoff.count());
      }
      in_backoff = true;
      backoff_.expires_after(options_.accept_backoff);
      [[maybe_unused]] auto [cancelled] = co_await backoff_.async_wait(as_tuple);
      continue;
    }
    if (!transient(error)) throw std::system_error(error, "accept");
  }
}

// The limits come before the session: a refused client costs one accept, one short write and a
// close, and never holds a permit. We answer `ERROR busy` rather than stop accepting: a client
// told "busy" can back off at once, one left in the kernel's queue only learns by timing out.
void Server::admit(Socket socket, const tcp::endpoint& peer) {
  metrics_.accepted.add();
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
  const auto strand = socket.get_executor();
  asio::co_spawn(strand, session(std::move(socket), options_.session, work_, sessions_),
                 [this, peer, start = Clock::now(), permit = std::move(*permit)](std::exception_ptr thrown,
                                                                                 SessionResult result) mutable {
                   permit.release();
                   const auto took = Clock::now() - start;
                   if (thrown) {
                     metrics_.reset.add();  // counted somewhere: the connection is gone without its answer
                     session_ended();
                     try {
                       std::rethrow_exception(thrown);
                     } catch (const ExerciseNotDone&) {
                       throw;  // a stub: stop the program and say so (run() rethrows it)
                     } catch (const std::exception& e) {
                       log_.error("{}: the session threw: {}", describe(peer), e.what());
                     }
                     return;
                   }
                   count(metrics_, result, took);
                   log_outcome(log_, peer, result, took);
                   session_ended();
                 });
}

void Server::refuse_now(Socket socket, ErrorReason reason, std::string detail) {
  ProtocolError why{reason, std::move(detail)};
  metrics_.failures(reason).add();
  const auto strand = socket.get_executor();
  const auto linger = std::min(options_.session.read_timeout, std::chrono::milliseconds{1000});
  asio::co_spawn(strand, refuse(std::move(socket), std::move(why), linger), [this](std::exception_ptr thrown) {
    if (!thrown) return;
    try {
      std::rethrow_exception(thrown);
    } catch (const std::exception& e) {
      log_.error("refusing a connection threw: {}", e.what());
    }
  });
}

// The metrics first, then live_: once the drain sees 0, every count is in.
void Server::session_ended() {
  metrics_.open.sub(1);
  if (--live_ == 0 && draining_) {
    asio::post(idle_.get_executor(), [this] { idle_.cancel(); });  // on our strand: the drain's timer
  }
}

void Server::stop_accepting() {
  if (!acceptor_.is_open()) return;
  std::error_code ignored;
  acceptor_.non_blocking(true, ignored);
  ch01::refuse_queued(acceptor_.native_handle(), log_);  // queued connections: `ERROR shutdown`
  acceptor_.close(ignored);                              // the pending accept ends: listen() returns
  backoff_.cancel();
}

}  // namespace hs::ch04
