/// @file
/// Exercise 0.2: turn a byte stream into lines. TCP delivers bytes, not messages: one read may
/// hold half a line or several lines. The framer keeps the unfinished part between reads, hands
/// out complete lines, and refuses a line longer than max_line_bytes without reading further.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include "hs/protocol.hpp"

namespace hs::ch00 {

/// What LineFramer::next() found.
enum class FrameKind {
  need_more,  ///< no complete line yet: every input byte was taken, read more
  line,       ///< a complete line: Frame::line holds it
  too_long,   ///< the line exceeds max_line_bytes; the framer stays in this state
};

/// One result of LineFramer::next().
struct Frame {
  FrameKind kind = FrameKind::need_more;  ///< what was found
  std::string_view line;                  ///< without `\n` or `\r\n`; valid until the next call to next()
};

/// Splits a byte stream into lines of at most max_line_bytes (terminator included).
/// Its memory is fixed: one line's worth of bytes, whatever the peer sends.
class LineFramer {
 public:
  /// Takes bytes from the front of `input` up to and including the first `\n`, and returns the
  /// line they complete; bytes after that `\n` stay in `input` for the next call. When `input`
  /// holds no `\n`, takes all of it, keeps it, and returns need_more.
  /// @code
  /// std::string_view input = received;
  /// for (auto frame = framer.next(input); frame.kind == FrameKind::line; frame = framer.next(input)) {
  ///   handle(frame.line);
  /// }
  /// @endcode
  Frame next(std::string_view& input);

  /// How many bytes of an unfinished line are held (0 between lines).
  std::size_t buffered() const noexcept { return size_; }

 private:
  std::array<char, max_line_bytes> buffer_{};  ///< the unfinished line; a complete one is returned from here
  std::size_t size_ = 0;                       ///< bytes of the unfinished line in buffer_
  bool too_long_ = false;                      ///< once refused, always refused
};

}  // namespace hs::ch00
