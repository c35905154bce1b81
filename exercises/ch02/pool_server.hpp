/// @file
/// Exercise 2.3: the pool server. The accept loop hands each client to a bounded ThreadPool
/// (exercise 2.2). When every worker is busy and the queue is full, the overload policy decides:
/// wait (stop accepting; new clients wait in the kernel's backlog) or refuse (`ERROR busy`, now).
#pragma once

#include <cstddef>

#include "ch01/accept_loop.hpp"
#include "given/ch02/server_stats.hpp"
#include "hs/log.hpp"

namespace hs::ch02 {

/// What to do with a new client when the pool's queue is full.
enum class Overload {
  wait,    ///< stop accepting until there is room: the kernel's listen backlog absorbs the burst
  refuse,  ///< accept and answer `ERROR busy` at once: the client knows, and can retry elsewhere
};

/// The pool's shape.
struct PoolOptions {
  std::size_t threads = 16;            ///< workers (`--threads`)
  std::size_t queue = 64;              ///< accepted clients waiting for a worker (`--queue`)
  Overload overload = Overload::wait;  ///< `--overload`
};

/// Accepts clients and serves them on a pool of `pool.threads` workers until `stop_fd` is
/// readable; then refuses what is still in the backlog, serves what the pool has already queued
/// (nothing accepted is dropped), and joins the workers. With Overload::refuse, a client that finds
/// the queue full reads `ERROR busy server at capacity` and is counted in `stats.refused_busy`.
void pool_loop(int listen_fd, int stop_fd, const ch01::ServerOptions& options, const PoolOptions& pool,
               const Logger& log, ServerStats& stats);

}  // namespace hs::ch02
