/// @file
/// Exercise 2.1: thread per connection. The accept loop starts a new thread for each client, so a
/// slow client only holds its own thread: no more head-of-line blocking. The loop owns the threads
/// (no detach): it joins each one that has finished, and all of them before it returns.
#pragma once

#include "ch01/accept_loop.hpp"
#include "given/ch02/server_stats.hpp"
#include "hs/log.hpp"

namespace hs::ch02 {

/// Accepts clients (ch01::accept_next()) and serves each on a thread of its own
/// (ch01::serve_client()) until `stop_fd` is readable; then refuses what is still queued and joins
/// every thread (each finishes its client first, within the handshake timeout). If no thread can
/// be created, the client is answered `ERROR busy`.
void thread_per_connection_loop(int listen_fd, int stop_fd, const ch01::ServerOptions& options, const Logger& log,
                                ServerStats& stats);

}  // namespace hs::ch02
