/// @file
/// Test support (Catch2 tests only, header-only): one of the course's server programs as a child
/// process on port 0, the way a learner runs it. If it exits before the test stops it, the test
/// fails and shows what the server printed (an untouched stub's "not done yet" message, say).
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "hs/testing/child_process.hpp"

namespace hs::testing {

/// A server program (`name`, or its -ref twin in reference tests) started with `--port 0` + args.
class ServerProgram {
 public:
  /// Starts program `name` (see program_path()) with `--port 0` and `args`; reads its first line.
  ServerProgram(std::string_view name, std::vector<std::string> args)
      : child_{program_path(name), with_port0(std::move(args))} {
    first_line_ = child_.read_line();
    if (first_line_.starts_with("listening on ")) port_ = port_from_listening_line(first_line_);
  }
  ServerProgram(const ServerProgram&) = delete;
  ServerProgram& operator=(const ServerProgram&) = delete;
  ~ServerProgram() {
    // Not stopped by the test: it ended early. If the server exited by itself, say so (a test
    // that failed first may be why; a server that threw is the other).
    if (!stopped_ && child_.wait(std::chrono::seconds{2})) {
      FAIL_CHECK("the server exited by itself. Its first line was '" << first_line_ << "', its stderr:\n"
                                                                     << child_.stderr_text());
    }
  }

  /// The port from its `listening on` line (0 if there was none).
  std::uint16_t port() const { return port_; }
  /// Its first line of output.
  const std::string& first_line() const { return first_line_; }
  /// Its next line on stdout, after the first (e.g. `metrics on ADDR:PORT`); empty at end or deadline.
  std::string read_line(Duration timeout = generous) { return child_.read_line(timeout); }
  /// Sends `signal` and returns the exit status (nothing if it did not exit in time).
  std::optional<int> stop(int signal) {
    stopped_ = true;
    child_.signal(signal);
    return child_.wait();
  }
  /// Sends `signal` and returns at once (wait() collects the exit status).
  void signal(int signal) {
    stopped_ = true;
    child_.signal(signal);
  }
  /// Waits for it to exit; its status, or nothing if it is still running at the deadline.
  std::optional<int> wait() { return child_.wait(); }
  /// What it wrote to stderr so far.
  std::string stderr_text() const { return child_.stderr_text(); }
  /// Waits until its stderr contains `text` (a log line saying it got somewhere); false if the
  /// deadline passes first.
  bool stderr_eventually_contains(std::string_view text, Duration timeout = generous) const {
    const auto give_up = std::chrono::steady_clock::now() + timeout;
    while (child_.stderr_text().find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() > give_up) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds{10});  // polling a file: nothing to wait on
    }
    return true;
  }

 private:
  static std::vector<std::string> with_port0(std::vector<std::string> args) {
    args.insert(args.begin(), {"--port", "0"});
    return args;
  }

  ChildProcess child_;
  std::string first_line_;
  std::uint16_t port_ = 0;
  bool stopped_ = false;
};

}  // namespace hs::testing
