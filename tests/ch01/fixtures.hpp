// Fixtures for the chapter 01 tests. The servers and clients under test run on one side of a real
// loopback TCP connection; the other side is test support's scripted RawSocket, which is
// independent of the code under test.
//
// An exception thrown by the code under test in a background thread (an untouched stub, say) is
// never lost: the fixture closes the sockets so the test's reads end at once, and reports the
// exception when the test ends. So tests use CHECK (not REQUIRE) for what they read, and end by
// collecting the result.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <exception>
#include <atomic>
#include <functional>
#include <future>
#include <thread>

#include <catch2/catch.hpp>

#include "ch00/server_handshake.hpp"
#include "ch01/accept_loop.hpp"
#include "ch01/blocking_io.hpp"
#include "ch01/serve_connection.hpp"
#include "hs/net.hpp"
#include "hs/testing/child_process.hpp"
#include "hs/testing/raw_socket.hpp"

namespace hs::ch01::test {

using namespace std::chrono_literals;
using hs::testing::RawListener;
using hs::testing::RawSocket;
using hs::testing::ReadEnd;

/// A connected pair: `server` is a plain blocking socket for the code under test, `client` the
/// scripted test peer.
struct TcpPair {
  Fd server;
  RawSocket client;
};

inline TcpPair tcp_pair() {
  const Fd listener = listen_tcp("127.0.0.1", 0);
  RawSocket client = RawSocket::connect("127.0.0.1", local_endpoint(listener.get()).port);
  Fd server{::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC)};
  REQUIRE(server);
  return {std::move(server), std::move(client)};
}

/// What the chapter 00 reference machine answers to `input`: the exact bytes a server built on it
/// must send. (The ch01 code drives the ch00 *reference* machine, so its ERROR lines are these.)
inline std::string machine_reply(std::string_view input) { return ch00::ServerHandshake{}.on_bytes(input).out; }
inline std::string machine_timeout(Timeout which, std::string_view input = {}) {
  ch00::ServerHandshake machine;
  machine.on_bytes(input);
  return machine.on_timeout(which).out;
}

/// Waits (polling) until `condition` holds or a generous deadline passes; returns whether it held.
inline bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 30s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);  // polling for a condition, with a deadline
  }
  return true;
}

/// serve_connection() on the server side of a pair, in a background thread.
class Serving {
 public:
  Serving(Fd fd, ServeOptions options)
      : result_{std::async(std::launch::async, [fd = std::move(fd), options]() mutable {
          const Fd owned = std::move(fd);  // closed here even if serve_connection throws
          return serve_connection(owned.get(), options);
        })} {}
  /// Waits for serve_connection() to return; rethrows what it threw.
  ServeResult result() { return result_.get(); }

 private:
  std::future<ServeResult> result_;
};

/// accept_loop() on a loopback listener (port chosen by the OS), in a background thread. The
/// destructor requests a stop and joins; if the loop threw, the test fails with that message.
class InProcessServer {
 public:
  explicit InProcessServer(ServerOptions options = {})
      : listener_{listen_tcp("127.0.0.1", 0)},
        port_{local_endpoint(listener_.get()).port},
        options_{options},
        thread_{[this] {
          try {
            accept_loop(listener_.get(), stop_.fd(), options_, log_, stats_);
          } catch (...) {
            error_ = std::current_exception();
            listener_.reset();  // clients are refused at once instead of waiting
          }
          returned_ = true;
        }} {}
  InProcessServer(const InProcessServer&) = delete;
  InProcessServer& operator=(const InProcessServer&) = delete;

  ~InProcessServer() {
    stop();
    if (error_) {
      try {
        std::rethrow_exception(error_);
      } catch (const std::exception& e) {
        FAIL_CHECK("accept_loop() threw: " << e.what());
      }
    }
  }

  std::uint16_t port() const { return port_; }
  /// Waits until `condition` holds; gives up early (returning false) if the loop has returned.
  bool eventually(const std::function<bool()>& condition) {
    return test::eventually([&] { return condition() || returned_; }) && condition();
  }
  RawSocket connect() { return RawSocket::connect("127.0.0.1", port_); }
  AcceptStats& stats() { return stats_; }
  /// Asks the loop to stop; it sees this between connections.
  void request_stop() { stop_.notify(); }
  /// Asks the loop to stop and waits for it to return.
  void stop() {
    request_stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  Fd listener_;
  std::uint16_t port_;
  EventFd stop_;
  ServerOptions options_;
  Logger log_{true};
  AcceptStats stats_;
  std::exception_ptr error_;
  std::atomic<bool> returned_{false};
  std::thread thread_;  // last: starts once everything above exists
};

/// The hs-ch01-server program (or its -ref twin, in the reference tests) as a child process on
/// port 0. If it exits before the test stops it, the test fails, showing what it printed.
class ServerProgram {
 public:
  explicit ServerProgram(std::vector<std::string> args = {})
      : child_{testing::program_path("hs-ch01-server"), with_port0(std::move(args))} {
    first_line_ = child_.read_line();
    if (first_line_.starts_with("listening on ")) port_ = testing::port_from_listening_line(first_line_);
  }
  ServerProgram(const ServerProgram&) = delete;
  ServerProgram& operator=(const ServerProgram&) = delete;
  ~ServerProgram() {
    // Not stopped by the test: it ended early. If the server exited by itself, say so (a test
    // that failed first may be why; a server that threw is the other).
    if (!stopped_ && child_.wait(2s)) {
      FAIL_CHECK("the server exited by itself. Its first line was '" << first_line_ << "', its stderr:\n"
                                                                      << child_.stderr_text());
    }
  }

  std::uint16_t port() const { return port_; }
  const std::string& first_line() const { return first_line_; }
  /// Sends `signal` and returns the exit status (nothing if it did not exit in time).
  std::optional<int> stop(int signal) {
    stopped_ = true;
    child_.signal(signal);
    return child_.wait();
  }
  std::string stderr_text() const { return child_.stderr_text(); }

 private:
  static std::vector<std::string> with_port0(std::vector<std::string> args) {
    args.insert(args.begin(), {"--port", "0"});
    return args;
  }

  testing::ChildProcess child_;
  std::string first_line_;
  std::uint16_t port_ = 0;
  bool stopped_ = false;
};

}  // namespace hs::ch01::test
