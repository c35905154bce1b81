/// @file
/// Exercise 0.1: read and write one HELLO message (docs/protocol.md, "Messages").
/// A message is exactly `HELLO`, one space, then a number: an optional `-` and 1-19 decimal
/// digits that fit a signed 64-bit integer. Framing (finding the `\n`) is the framer's job.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hs/protocol.hpp"

namespace hs::ch00 {

/// What parse_hello() found: the number, or why the line was refused.
struct ParsedHello {
  std::int64_t number = 0;             ///< valid only when there is no error
  std::optional<ProtocolError> error;  ///< malformed or overflow

  /// True when the line was a valid HELLO.
  explicit operator bool() const noexcept { return !error; }
};

/// Reads `line` (its `\n` or `\r\n` already removed) as `HELLO <number>`.
/// Anything else is `malformed`, more than 19 digits too, whatever their value; 1 to 19 digits
/// that do not fit in 64 bits are `overflow`. The error's detail says what was wrong (one line,
/// never empty).
ParsedHello parse_hello(std::string_view line);

/// The message for `number`, terminator included: `HELLO -42\n`.
std::string format_hello(std::int64_t number);

}  // namespace hs::ch00
