/// @file
/// Test support (Catch2 tests only, header-only): a chapter's server loop running in a background
/// thread of the test (ServerThread), with its statistics at hand. The destructor stops the loop;
/// if the loop threw (an untouched stub, say), the test fails with that message.
#pragma once

#include <catch2/catch.hpp>

#include <functional>

#include "hs/log.hpp"
#include "hs/testing/log_recorder.hpp"
#include "hs/testing/server_thread.hpp"

namespace hs::testing {

/// A server loop under test. `Stats` is the chapter's counters type.
template <typename Stats>
class InProcessServer {
 public:
  /// The loop to run: accept on `listen_fd` until `stop_fd` is readable.
  using Loop = std::function<void(int listen_fd, int stop_fd, const Logger& log, Stats& stats)>;

  /// Starts `loop` on a fresh loopback listener.
  explicit InProcessServer(Loop loop)
      : loop_{std::move(loop)}, thread_{[this](int listen_fd, int stop_fd) {
          loop_(listen_fd, stop_fd, log_, stats_);
        }} {}
  InProcessServer(const InProcessServer&) = delete;
  InProcessServer& operator=(const InProcessServer&) = delete;
  ~InProcessServer() {
    thread_.stop();
    if (const auto error = thread_.error(); !error.empty()) FAIL_CHECK("the server loop threw: " << error);
  }

  /// The port it listens on (127.0.0.1).
  std::uint16_t port() const { return thread_.port(); }
  /// A scripted client connected to it.
  RawSocket connect() const { return thread_.connect(); }
  /// Its counters, live.
  Stats& stats() { return stats_; }
  /// What it logged so far.
  const LogRecorder& log() const { return recorded_; }
  /// Waits until `condition` holds; false if `timeout` passes or the loop returns first.
  bool eventually(const std::function<bool()>& condition, Duration timeout = generous) const {
    return thread_.eventually(condition, timeout);
  }
  /// Asks the loop to stop.
  void request_stop() const { thread_.request_stop(); }
  /// Asks the loop to stop and waits for it to return.
  void stop() { thread_.stop(); }

 private:
  Loop loop_;
  LogRecorder recorded_;
  Logger log_ = recorded_.logger();
  Stats stats_;
  ServerThread thread_;  // last: starts the loop once everything above exists
};

}  // namespace hs::testing
