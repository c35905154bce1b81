/// @file
/// Command-line parsing shared by every Handshake program: `--name value` or `--name=value`,
/// `--help`, durations with a unit (`250ms`, `5s`), and exit status 2 with a clear message for
/// any usage error: the conventions every program of the course follows.
///
/// @code
/// hs::Duration read_timeout = std::chrono::seconds{5};
/// hs::Cli cli{"hs-ch01-server", "The blocking, single-threaded HELLO server."};
/// cli.add("--read-timeout", read_timeout, "DURATION", "time allowed for each message");
/// cli.parse(argc, argv);   // exits 0 after --help, 2 after a usage error
/// @endcode
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hs {

/// Durations on the command line and in configuration: millisecond resolution.
using Duration = std::chrono::milliseconds;

/// The longest duration an option accepts: longer ones are surely typos, and would overflow a clock.
inline constexpr Duration max_duration = std::chrono::hours{24};

/// Reads a duration with its unit: `250ms`, `5s`, `2min` (a bare number is refused: which unit?).
std::optional<Duration> parse_duration(std::string_view text);

/// Writes a duration the way parse_duration() reads it, in the largest exact unit: `5s`, `250ms`.
std::string format_duration(Duration d);

/// A declarative command-line parser: bind options to variables, then parse.
class Cli {
 public:
  /// @param program  the name shown in usage, e.g. "hs-client"
  /// @param summary  one line saying what the program does
  Cli(std::string program, std::string summary);

  /// An option that takes a string.
  void add(std::string name, std::string& value, std::string value_name, std::string help);
  /// An option that takes a duration with its unit (parse_duration()).
  void add(std::string name, Duration& value, std::string value_name, std::string help);
  /// A flag: present means true.
  void add(std::string name, bool& flag, std::string help);
  /// An option that takes an integer; values outside T's range are refused.
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  // NOLINTNEXTLINE(performance-unnecessary-value-param): they are moved; clang-tidy 14 misreads it
  void add(std::string name, T& value, std::string value_name, std::string help) {
    constexpr auto lowest = std::numeric_limits<T>::min();
    constexpr auto highest = std::numeric_limits<T>::max();
    constexpr auto ll_max = std::numeric_limits<long long>::max();
    add_integer(std::move(name), std::move(value_name), std::move(help), std::to_string(value),
                static_cast<long long>(lowest),
                std::cmp_greater(highest, ll_max) ? ll_max : static_cast<long long>(highest),
                [&value](long long v) { value = static_cast<T>(v); });
  }

  /// Parses argv. Prints usage and exits 0 on `--help`; prints the problem and exits 2 on a
  /// usage error.
  void parse(int argc, char** argv) const;

  /// Parses `args` (without the program name). Returns the usage error, if any, instead of exiting;
  /// `--help` is reported as the error text "help".
  std::optional<std::string> try_parse(std::span<const std::string_view> args) const;

  /// The --help text; it ends by saying how to write a duration if an option takes one.
  std::string usage() const;

  /// Prints `message` as a usage error (for checks across options) and exits 2.
  [[noreturn]] void fail(std::string_view message) const;

 private:
  struct Option {
    std::string name;
    std::string value_name;  ///< empty for a flag
    std::string help;
    std::string default_text;
    std::function<std::optional<std::string>(std::string_view)> set;  ///< returns an error
  };

  void add_integer(std::string name, std::string value_name, std::string help, std::string default_text, long long min,
                   long long max, std::function<void(long long)> store);
  const Option* find(std::string_view name) const;

  std::string program_;
  std::string summary_;
  std::vector<Option> options_;
  bool takes_duration_ = false;  ///< an option takes a duration: usage() says how to write one
};

}  // namespace hs
