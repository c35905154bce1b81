/// @file
/// Test support (header-only): a Logger whose lines a test can read, so that a test checks what a
/// server says (one warning per burst of accept failures, say) as well as what it does.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "hs/log.hpp"

namespace hs::testing {

/// Records every line, info included, as "level message"; prints nothing. Thread-safe: servers
/// log from many threads. Keep it alive as long as the Logger it made.
class LogRecorder {
 public:
  /// A Logger that writes here.
  Logger logger() {
    return Logger{false, [this](std::string_view level, std::string_view message) {
                    const std::lock_guard lock{mutex_};
                    lines_.push_back(std::string{level} + " " + std::string{message});
                  }};
  }

  /// Every line so far.
  std::vector<std::string> lines() const {
    const std::lock_guard lock{mutex_};
    return lines_;
  }

  /// How many lines so far contain `words`.
  std::size_t count(std::string_view words) const {
    const std::lock_guard lock{mutex_};
    std::size_t n = 0;
    for (const auto& line : lines_) n += line.find(words) != std::string::npos ? 1 : 0;
    return n;
  }

  /// Every line so far, one per line: for a failure's message.
  std::string text() const {
    std::string all;
    for (const auto& line : lines()) all += line + "\n";
    return all;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

}  // namespace hs::testing
