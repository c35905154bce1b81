/// @file
/// Exercise 1.3: the accept loop of a blocking, single-threaded server. Accept one client, serve it
/// to the end, accept the next. Simple and correct; and while one client is served, every other
/// client waits in the kernel's backlog (head-of-line blocking).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "ch01/serve_connection.hpp"
#include "hs/log.hpp"
#include "hs/net.hpp"

namespace hs::ch01 {

/// How the server runs.
struct ServerOptions {
  ServeOptions serve;                             ///< per-connection timeouts and work
  std::chrono::milliseconds accept_backoff{100};  ///< pause after accept() fails for lack of resources
};

/// What a listener counts, whatever the concurrency model (chapters 03 and 04 count the same).
/// Atomic so that another thread (a test, later a metrics endpoint) may read it while the loop runs.
struct ListenerStats {
  std::atomic<std::uint64_t> accepted{0};       ///< connections accepted
  std::atomic<std::uint64_t> accept_errors{0};  ///< accept() calls that failed
  std::atomic<std::uint64_t> backoffs{0};       ///< one pause per accept() failed with EMFILE, ENFILE, ENOBUFS, ENOMEM
};

/// What the loop has done so far: the listener's counts, and how the handshakes ended.
struct AcceptStats : ListenerStats {
  std::atomic<std::uint64_t> completed{0};  ///< handshakes done
  std::atomic<std::uint64_t> failed{0};     ///< handshakes failed (any reason)
};

/// What a server whose sessions run on their own counts (chapter 03's coroutines, chapter 06's
/// tasks): the accept loop's counts and the outcomes, and how many sessions are open. Atomic only
/// so that another thread (a test) may read it while the server runs.
struct ServerStats {
  AcceptStats accept;                       ///< accepted, completed, failed, accept errors, back-offs
  std::atomic<std::uint64_t> open{0};       ///< sessions running now
  std::atomic<std::uint64_t> open_peak{0};  ///< the most sessions running at once
};

/// Waits for the next client on `listen_fd` and accepts it; returns an empty Fd once `stop_fd` is
/// readable. Connections that fail in the queue are skipped; running out of file descriptors or
/// memory (EMFILE, ENFILE, ENOBUFS, ENOMEM) makes it pause options.accept_backoff between attempts
/// instead of spinning, with one warning for such a burst (`accept failed: ...`), not one per retry.
/// Counts in `stats` each client accepted, each accept() that failed, and each pause. Every server
/// of chapters 01 and 02 accepts through this.
Fd accept_next(int listen_fd, int stop_fd, const ServerOptions& options, const Logger& log, AcceptStats& stats);

/// Accepts the connections still queued on `listen_fd` and answers each with `ERROR shutdown`
/// (otherwise closing the listener would reset them without a word). Call it when stopping, with
/// `listen_fd` non-blocking (as accept_next() leaves it), so that an empty queue ends it. Answers
/// at most 4096, so that a flood of new clients cannot hold up the stop. Logs how many it answered
/// (`refused N waiting connection(s)`), if any; out of descriptors, it logs that the clients still
/// queued could not be answered.
void refuse_queued(int listen_fd, const Logger& log);

/// Serves one accepted client to the end (serve_connection()), closes it, counts the outcome in
/// `stats` and logs one line. What every thread of chapter 02 runs, too.
void serve_client(Fd client, const ServeOptions& options, const Logger& log, AcceptStats& stats);

/// Accepts connections on `listen_fd` and serves each to the end, one at a time, until `stop_fd`
/// becomes readable (checked between connections); then answers the connections still queued with
/// `ERROR shutdown` and returns. A failed connection never stops the loop; running out of file
/// descriptors makes it pause (options.accept_backoff) instead of spinning. Logs one line per
/// connection through `log`.
void accept_loop(int listen_fd, int stop_fd, const ServerOptions& options, const Logger& log, AcceptStats& stats);

}  // namespace hs::ch01
