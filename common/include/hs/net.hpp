/// @file
/// Small POSIX socket helpers the course gives you, so that lessons can focus on *waiting*: an
/// owning file descriptor, listening and connecting with clear errors, endpoints as text, and two
/// pollable "stop" notifications (a signal, or a manual event). Linux only, as is the course.
#pragma once

#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>

#include "hs/protocol.hpp"

namespace hs {

/// Owns one file descriptor and closes it on destruction. Move-only.
class Fd {
 public:
  Fd() noexcept = default;
  /// Takes ownership of `fd` (-1 for none).
  explicit Fd(int fd) noexcept : fd_{fd} {}
  /// Takes the descriptor from `other`, which is left empty.
  Fd(Fd&& other) noexcept : fd_{std::exchange(other.fd_, -1)} {}
  /// Closes ours, takes `other`'s.
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  /// The descriptor, still owned (-1 when empty).
  int get() const noexcept { return fd_; }
  /// True when it holds a descriptor.
  explicit operator bool() const noexcept { return fd_ >= 0; }
  /// Closes the descriptor now (if any).
  void reset() noexcept;
  /// Gives up ownership without closing.
  int release() noexcept { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

/// An address and port, printable as `127.0.0.1:7878` or `[::1]:7878`.
struct Endpoint {
  std::string address;     ///< numeric IPv4 or IPv6 address
  std::uint16_t port = 0;  ///< TCP port

  /// `127.0.0.1:7878` or `[::1]:7878`; `an unknown peer` when empty (a client that reset before
  /// getpeername() could ask).
  std::string to_string() const;
};

/// An address as accept(2) or getpeername(2) fill it in (IPv4 or IPv6; an empty Endpoint for
/// another family).
Endpoint to_endpoint(const sockaddr_storage& address);
/// The local address of a socket (after bind with port 0, this tells the port the OS picked).
Endpoint local_endpoint(int fd);
/// The remote address of a connected socket; an empty address if it is no longer connected.
Endpoint peer_endpoint(int fd);

/// A listening TCP socket on `address` (numeric) and `port` (0 = any free port), with SO_REUSEADDR
/// and close-on-exec. Throws std::system_error whose message names the address and the cause,
/// e.g. "cannot listen on 127.0.0.1:7878: Address already in use". With `reuse_port`
/// (SO_REUSEPORT), several sockets may listen on the same address and port, each taking a share
/// of the new connections: how several processes serve one port (chapter 04, `--workers`).
Fd listen_tcp(const std::string& address, std::uint16_t port, int backlog = 4096, bool reuse_port = false);

/// A blocking TCP socket connected to `host` (a name such as localhost, or a numeric address) and
/// `port`, trying each address the name resolves to. Throws std::system_error naming host, port
/// and cause ("Connection refused", "Connection timed out") if none connects within `timeout`.
Fd connect_tcp(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout);

/// A "lingering close" (chapter 01 explains it): sends end of stream after what was written, then
/// reads and drops whatever the peer still sends, until it closes too or `linger` has passed. Closing
/// a socket that still holds unread input makes the kernel reset the connection, and a reset can
/// destroy the last line sent before the peer reads it. The caller still closes `fd`.
void shutdown_and_drain(int fd, std::chrono::milliseconds linger);

/// How long a closing connection lingers (shutdown_and_drain()): a second, or the read timeout if
/// that is shorter. Long enough for a client to read our last line and close; short enough that a
/// client that keeps sending cannot hold the server.
inline std::chrono::milliseconds linger_time(std::chrono::milliseconds read_timeout) {
  return std::min(read_timeout, std::chrono::milliseconds{1000});
}

/// How many reads an event-loop server's lingering close makes at most (chapters 03, 06, 07): a
/// client that floods us must not hold the connection for the whole linger_time(), and every loop
/// the server runs is bounded.
inline constexpr int linger_max_reads = 10'000;

/// Refuses a connection in one line: writes `ERROR <reason> <detail>` (giving up after a short
/// while if the peer does not read), then shutdown_and_drain() what the peer already sent. For
/// `ERROR busy` and `ERROR shutdown`, where no handshake is even started. The caller closes `fd`.
void refuse_connection(int fd, const ProtocolError& why);

/// What a server does after accept(2) failed: one policy for every server of the course (chapter
/// 01 explains it, "Exercise 1.3").
enum class AcceptFailure {
  /// One connection died in the queue (ECONNABORTED, and the network errors Linux passes on from
  /// it: ENETDOWN, EPROTO, EHOSTUNREACH...), or the call was interrupted (EINTR, EAGAIN, EPERM):
  /// take the next connection.
  skip,
  /// Out of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM): retrying at once would fail
  /// again and spin, since the waiting connection keeps the listener readable. Pause, then retry.
  back_off,
  /// Anything else (EBADF, EINVAL, ENOTSOCK...): a bug in the server, not a client's doing. Throw.
  fatal,
};

/// What accept(2) failing with `error` (an errno value) calls for. (Asio reports the same errno in
/// its own system category: chapter 03's asio_types.hpp has the overload for its error codes.)
AcceptFailure classify_accept_failure(int error) noexcept;

/// Waits up to `timeout` (0: just look) for `fd` to become readable; true if it is. For checking a
/// stop descriptor between other work.
bool wait_readable(int fd, std::chrono::milliseconds timeout);

/// Bytes received on `fd` and not yet read (0 if none, or on error).
std::size_t unread_bytes(int fd);

/// A pollable descriptor that becomes readable when one of `signals` arrives (signalfd). The
/// signals are blocked in the calling thread, so create it in main() before starting any thread:
/// threads started later inherit the mask, and the signals then only arrive here.
class SignalFd {
 public:
  /// Blocks `signals` in this thread and opens a signalfd for them.
  explicit SignalFd(std::initializer_list<int> signals);
  /// The descriptor to poll for readability.
  int fd() const noexcept { return fd_.get(); }

 private:
  Fd fd_;  ///< the signalfd
};

/// A pollable descriptor that a thread can make readable (eventfd): a stop request that can be
/// waited for together with sockets. notify() is thread-safe and async-signal-safe.
class EventFd {
 public:
  EventFd();
  /// Makes fd() readable (and keeps it so).
  void notify() const noexcept;
  /// The descriptor to poll for readability.
  int fd() const noexcept { return fd_.get(); }

 private:
  Fd fd_;  ///< the eventfd
};

}  // namespace hs
