/// @file
/// Test support: runs a server loop (any chapter's accept loop) in a background thread, on a
/// loopback listener with a port chosen by the OS, with a stop notification. An exception the loop
/// throws (an untouched stub, say) is kept for the test to report, and the listener is closed at
/// once so that clients are refused instead of waiting for a reply that will never come.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <string>
#include <thread>

#include "hs/net.hpp"
#include "hs/testing/raw_socket.hpp"

namespace hs::testing {

/// A server loop in a background thread. Stopped and joined on destruction.
class ServerThread {
 public:
  /// The loop: runs until `stop_fd` is readable, accepting on `listen_fd`.
  using Loop = std::function<void(int listen_fd, int stop_fd)>;

  /// Listens on 127.0.0.1, port 0, and starts `loop` in a thread.
  explicit ServerThread(Loop loop);
  ServerThread(const ServerThread&) = delete;
  ServerThread& operator=(const ServerThread&) = delete;
  ~ServerThread();

  /// The port the OS picked.
  std::uint16_t port() const noexcept { return port_; }
  /// A scripted client connected to the server.
  RawSocket connect() const { return RawSocket::connect("127.0.0.1", port_); }
  /// Makes the stop descriptor readable.
  void request_stop() const noexcept { stop_.notify(); }
  /// Requests a stop and waits for the loop to return.
  void stop();
  /// True once the loop has returned or thrown.
  bool returned() const noexcept { return returned_; }
  /// The message of the exception the loop threw, or "" (meaningful once returned()).
  std::string error() const;
  /// Polls `condition` until it holds. Returns false if the deadline passes first, or at once if the
  /// loop has returned (a dead server will not make it true).
  bool eventually(const std::function<bool()>& condition, Duration timeout = generous) const;

 private:
  Fd listener_;
  std::uint16_t port_;
  EventFd stop_;
  Loop loop_;
  std::exception_ptr error_;
  std::atomic<bool> returned_{false};
  std::thread thread_;  ///< last: starts once everything above exists
};

}  // namespace hs::testing
