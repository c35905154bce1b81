/// @file
/// Test support: a scripted raw TCP peer on plain POSIX sockets. Tests use it to talk to the
/// servers (and clients) under test byte by byte: split, coalesced, malformed or slow input, and
/// replies read against a deadline. It is deliberately independent of Asio and of the learner's
/// code, so a bug in either cannot hide itself. Loopback only.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "hs/net.hpp"
#include "hs/testing/sanitized.hpp"

namespace hs::testing {

/// Deadlines in tests are generous: they only stop a broken test from hanging.
using Duration = std::chrono::milliseconds;
/// The default deadline for every wait in test support: far longer than a passing test waits for
/// anything (the slowest whole test takes about 7 s on a busy machine), longer under a sanitizer,
/// and half the learner's test deadline (test_deadline.cpp), so that what a test says when its wait runs out ("was the
/// watchdog's timer left waiting?") is what the learner reads, not only that the test was stopped.
inline constexpr Duration generous = std::chrono::seconds{10} * sanitizer_slowdown;

/// How the last read ended.
enum class ReadEnd {
  line,     ///< a complete line arrived
  closed,   ///< the peer closed the connection (end of stream)
  reset,    ///< the connection was reset (ECONNRESET)
  timeout,  ///< the deadline passed first
};

/// One connected TCP socket, owned (closed on destruction), with scripted send and deadline reads.
class RawSocket {
 public:
  /// Connects to `host` (a numeric IPv4 or IPv6 address) and `port`. Throws std::runtime_error
  /// saying what failed and where.
  static RawSocket connect(const std::string& host, std::uint16_t port, Duration timeout = generous);

  /// Takes ownership of a connected socket.
  explicit RawSocket(int fd) noexcept : fd_{fd} {}
  /// Moves the socket (and anything received but not yet read) out of `other`.
  RawSocket(RawSocket&& other) noexcept;
  /// Closes this socket, then moves `other` in.
  RawSocket& operator=(RawSocket&& other) noexcept;
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;
  ~RawSocket();

  /// Sends all of `bytes`. Returns false if the peer has gone (reset or closed): a server that has
  /// answered ERROR and closed may legitimately refuse the rest of a script.
  bool send(std::string_view bytes);

  /// Sends each piece as its own write, pausing `gap` between them (split input, slow clients).
  bool send_pieces(std::span<const std::string_view> pieces, Duration gap);

  /// Returns the next line, its `\n` included. If the stream ends, resets or the deadline passes
  /// first, returns what had arrived (possibly nothing) and last_end() says why.
  std::string read_line(Duration timeout = generous);

  /// Reads until the peer closes (or resets, or the deadline passes); returns everything read,
  /// including any bytes already buffered by read_line().
  std::string read_all(Duration timeout = generous);

  /// How the last read_line() or read_all() ended.
  ReadEnd last_end() const noexcept { return last_end_; }

  /// Half-closes: sends end of stream but can still read (like `nc -N`).
  void shutdown_write();

  /// Closes now. With `reset`, sends a TCP RST instead of a FIN (SO_LINGER 0): a client that vanishes.
  void close(bool reset = false);

  /// The file descriptor, or -1 once closed.
  int fd() const noexcept { return fd_; }

  /// The local port (useful to tell clients apart in a server's log).
  std::uint16_t local_port() const;

 private:
  ReadEnd fill(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string buffer_;  ///< received, not yet returned
  ReadEnd last_end_ = ReadEnd::line;
};

/// A listening socket on loopback, port chosen by the OS: the scripted *server* side, for testing
/// clients. Closed on destruction.
class RawListener {
 public:
  /// Listens on `host` port 0. Throws std::runtime_error on failure.
  explicit RawListener(const std::string& host = "127.0.0.1");
  RawListener(const RawListener&) = delete;
  RawListener& operator=(const RawListener&) = delete;
  ~RawListener();

  /// The port the OS picked.
  std::uint16_t port() const noexcept { return port_; }

  /// Waits for one connection. Throws std::runtime_error if none arrives before the deadline.
  RawSocket accept(Duration timeout = generous);

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

/// The two ends of a fresh loopback TCP connection: `server`, a plain blocking socket for the code
/// under test (a session fixture hands it to the chapter's session), and `client`, the scripted peer.
struct ConnectedPair {
  Fd server;         ///< the server's end, as accept() returned it
  RawSocket client;  ///< the test's end
};

/// Connects a RawSocket to a listener on 127.0.0.1 and accepts it. Throws std::runtime_error if
/// either step fails.
ConnectedPair connected_pair();

/// One full, correct handshake as a client on `c`: `HELLO x`, check `HELLO x+1`, `HELLO x+2`, and
/// check that the server then closes cleanly. Returns what went wrong, or "" if all went right.
std::string handshake(RawSocket& c, std::int64_t x, Duration timeout = generous);

}  // namespace hs::testing
