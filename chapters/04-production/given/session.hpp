/// @file
/// The session (given): chapter 03's session, grown up for several io threads. It is made of the
/// pieces of chapter 03's reference (solutions/ch03/connection.hpp: the exchange, the deadlines and
/// their watchdog, the lingering close), run on its connection's strand. What this chapter adds:
/// the handshake's work is done by a shared Work (work.hpp), and the server can ask a session to
/// end now, answering `ERROR shutdown` (the last step of a drain).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>

#include "ch03/session.hpp"
#include "given/ch04/asio_types.hpp"
#include "given/ch04/work.hpp"
#include "hs/protocol.hpp"

namespace hs::ch04 {

/// How a connection is served.
struct SessionOptions {
  std::chrono::milliseconds read_timeout{5000};        ///< for each message to arrive (`--read-timeout`)
  std::chrono::milliseconds handshake_timeout{10000};  ///< for the whole handshake (`--handshake-timeout`)
};

/// How a session ended: chapter 03's status, error and io_error, and which clock ran out.
struct SessionResult : ch03::SessionResult {
  std::optional<Timeout> timed_out;  ///< which clock ran out, when the error is a timeout (for the metrics)
};

/// The sessions alive right now, so that a drain can reach those still running at its deadline.
/// Thread-safe. A session enters when it starts and leaves when its race is over (it answers and
/// closes on its own then), both on its own strand.
class SessionRegistry {
 public:
  /// What the registry calls, on the session's strand, to end it now.
  using ShutDown = std::function<void()>;

  /// Registers a session running on `strand`; returns its ticket for leave().
  std::uint64_t enter(Executor strand, ShutDown shut_down);
  /// Unregisters it (call on the session's strand).
  void leave(std::uint64_t ticket);
  /// Asks every registered session to end now with `ERROR shutdown`. Returns at once: each session
  /// does it on its own strand, and those that ended meanwhile are skipped.
  void shut_down_all();
  /// How many are registered.
  std::size_t size() const;

 private:
  struct Entry {
    Executor strand;
    ShutDown shut_down;
  };
  void shut_down_one(std::uint64_t ticket);

  mutable std::mutex mutex_;
  std::map<std::uint64_t, Entry> live_;  ///< by ticket
  std::uint64_t next_ticket_ = 0;
};

/// Serves the client on `socket` until the handshake is done or has failed, or the registry asks it
/// to stop; then closes it (gracefully after a failure: the last line is not lost to a reset). It
/// leaves the registry as soon as its answer is decided, before it closes: a drain during the close
/// changes nothing (a timeout stays a timeout, in the metrics too). Runs on the strand it is spawned
/// on, the connection's own. `work` and `registry` must outlive it.
Awaitable<SessionResult> session(Socket socket, SessionOptions options, Work& work, SessionRegistry& registry);

/// Answers a connection we will not serve with `error` (e.g. `ERROR busy`), then closes it
/// gracefully, lingering up to `linger`.
Awaitable<void> refuse(Socket socket, ProtocolError error, std::chrono::milliseconds linger);

}  // namespace hs::ch04
