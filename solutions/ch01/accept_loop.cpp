// Exercise 1.3 (reference): the accept loop.
#include "ch01/accept_loop.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <system_error>
#include <utility>

#include "ch01/blocking_io.hpp"
#include "hs/net.hpp"
#include "hs/server_log.hpp"

namespace hs::ch01 {
namespace {

// Waits until a client or a stop request arrives. Returns true if stop was requested.
bool stop_before_next_client(int listen_fd, int stop_fd) {
  pollfd fds[2] = {{stop_fd, POLLIN, 0}, {listen_fd, POLLIN, 0}};
  ::poll(fds, 2, -1);  // interrupted (EINTR): revents stay 0, and the caller's loop waits again
  return (fds[0].revents & POLLIN) != 0;
}

}  // namespace

Fd accept_next(int listen_fd, int stop_fd, const ServerOptions& options, const Logger& log, AcceptStats& stats) {
  // Non-blocking listener: poll() may say "readable" for a connection that is reset before we
  // accept it, and a blocking accept() would then hang with the stop request unseen.
  ::fcntl(listen_fd, F_SETFL, ::fcntl(listen_fd, F_GETFL) | O_NONBLOCK);
  bool in_backoff = false;  // log the first failure of a burst, not every retry
  while (!stop_before_next_client(listen_fd, stop_fd)) {
    Fd client{::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC)};
    if (client) {
      ++stats.accepted;
      return client;
    }
    const int error = errno;
    if (error == EAGAIN || error == EWOULDBLOCK) continue;  // the pending connection went away
    ++stats.accept_errors;
    switch (classify_accept_failure(error)) {
      case AcceptFailure::skip: continue;
      case AcceptFailure::back_off:
        if (!in_backoff) {
          log.warn("accept failed: {}; pausing {} ms between retries", std::generic_category().message(error),
                   options.accept_backoff.count());
        }
        in_backoff = true;
        ++stats.backoffs;
        if (wait_readable(stop_fd, options.accept_backoff)) return Fd{};
        continue;
      case AcceptFailure::fatal: throw std::system_error(error, std::generic_category(), "accept");  // a bug
    }
  }
  return Fd{};  // stop requested
}

void refuse_queued(int listen_fd, const Logger& log) {
  int refused = 0;
  for (; refused < 4096; ++refused) {  // bounded: clients may keep arriving
    const Fd client{::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC)};
    if (!client) {
      // EAGAIN: the queue is empty. Out of descriptors: what is left will be reset, say so.
      if (classify_accept_failure(errno) == AcceptFailure::back_off) {
        log.warn("stopping: {}: connections still queued could not be answered",
                 std::generic_category().message(errno));
      }
      break;
    }
    refuse_connection(client.get(), {ErrorReason::shutdown, "server stopping"});
  }
  if (refused > 0) log.info("stopping: refused {} waiting connection(s) with ERROR shutdown", refused);
}

void serve_client(Fd client, const ServeOptions& options, const Logger& log, AcceptStats& stats) {
  const Endpoint peer = peer_endpoint(client.get());
  const auto start = Clock::now();
  const ServeResult result = serve_connection(client.get(), options);
  client.reset();  // close before logging: the client is free to go
  ++(result.status == Status::done ? stats.completed : stats.failed);
  log_outcome(log, peer, result, Clock::now() - start);
}

void accept_loop(int listen_fd, int stop_fd, const ServerOptions& options, const Logger& log, AcceptStats& stats) {
  while (Fd client = accept_next(listen_fd, stop_fd, options, log, stats)) {
    serve_client(std::move(client), options.serve, log, stats);  // everyone else waits here
  }
  refuse_queued(listen_fd, log);
}

}  // namespace hs::ch01
