/// @file
/// One-line logging through fmt, to stderr (stdout carries the `listening on ...` line that
/// scripts read). Each line is written with one call, so lines from several threads never mix.
#pragma once

#include <functional>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace hs {

/// A logger a program creates in main() and passes to what needs it (no global state).
/// `info` lines can be silenced with `--quiet`; warnings and errors never are.
class Logger {
 public:
  /// Where a line goes instead of stderr: its level ("info", "warn", "error") and message. Tests
  /// give one (hs::testing::LogRecorder) to check what a server said. Called from any thread.
  using Sink = std::function<void(std::string_view level, std::string_view message)>;

  /// @param quiet  drop info lines (warnings and errors still print)
  /// @param sink   where lines go; stderr if empty
  explicit Logger(bool quiet = false, Sink sink = {}) : quiet_{quiet}, sink_{std::move(sink)} {}

  /// One line about normal operation, e.g. a connection's outcome.
  template <typename... Args>
  void info(fmt::format_string<Args...> format, Args&&... args) const {
    if (!quiet_) write("info", fmt::format(format, std::forward<Args>(args)...));
  }
  /// Something went wrong but the program carries on.
  template <typename... Args>
  void warn(fmt::format_string<Args...> format, Args&&... args) const {
    write("warn", fmt::format(format, std::forward<Args>(args)...));
  }
  /// Something failed.
  template <typename... Args>
  void error(fmt::format_string<Args...> format, Args&&... args) const {
    write("error", fmt::format(format, std::forward<Args>(args)...));
  }

  /// Whether info lines are silenced.
  bool quiet() const noexcept { return quiet_; }

 private:
  void write(std::string_view level, std::string_view message) const;

  bool quiet_;  ///< --quiet: drop info lines (a load test would otherwise print one per connection)
  Sink sink_;   ///< empty: stderr
};

}  // namespace hs
