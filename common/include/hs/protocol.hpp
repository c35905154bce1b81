/// @file
/// The vocabulary of wire protocol v1 (docs/protocol.md): limits, error reasons, ERROR lines, and the
/// result type every handshake state machine returns. The protocol *logic* (parsing, framing, the
/// state machines) is chapter 00's work; this header only names things so that every chapter, the
/// tests and hs-load speak the same words.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hs {

/// A line is at most this many bytes, its terminator included.
inline constexpr std::size_t max_line_bytes = 64;

/// Why a handshake failed. The names on the wire are those of reason_name().
enum class ErrorReason {
  malformed,  ///< not `HELLO <number>` (or the stream ended mid-handshake)
  overflow,   ///< the number, or X + 2, does not fit a signed 64-bit integer
  sequence,   ///< a number arrived that was not the one expected
  too_long,   ///< a line longer than max_line_bytes
  timeout,    ///< a message or the whole handshake took too long
  busy,       ///< the server is at capacity
  shutdown,   ///< the server is stopping
};

/// The reason as written on the wire: "malformed", "too-long", ...
std::string_view reason_name(ErrorReason reason) noexcept;

/// The reason named `name` on the wire, if it is one.
std::optional<ErrorReason> reason_from_name(std::string_view name) noexcept;

/// One failure: what went wrong, and a short human-readable detail.
struct ProtocolError {
  ErrorReason reason = ErrorReason::malformed;  ///< the kind of failure, as named on the wire
  std::string detail;                           ///< one line, no newline, e.g. "expected 7 got 99"
  bool from_peer = false;                       ///< true when the other side sent it as an ERROR line

  /// Same reason, detail and origin.
  friend bool operator==(const ProtocolError&, const ProtocolError&) = default;
};

/// The ERROR line for `error`, terminator included: `ERROR sequence expected 7 got 99\n`.
/// Like every line, it is at most max_line_bytes long: a longer detail is cut and ends in "...".
std::string error_line(const ProtocolError& error);

/// Reads a received line (terminator removed) as an ERROR line. The result has from_peer set.
/// Returns nothing when the line does not start with `ERROR <known reason>`.
std::optional<ProtocolError> parse_error_line(std::string_view line);

/// Which clock ran out. Callers own time: the state machines are only told that it happened.
enum class Timeout {
  read,       ///< no complete message within the read timeout
  handshake,  ///< the whole handshake did not finish within its deadline
};

/// Where a handshake stands after a step.
enum class Status {
  in_progress,  ///< waiting for more bytes
  done,         ///< the handshake completed
  failed,       ///< it failed; `error` says why
};

/// What a state machine returns for each event: the bytes to send now, then where things stand.
/// A caller writes `out` (it may be empty) and, unless status is in_progress, closes.
struct Step {
  std::string out;                      ///< bytes to send, in order; may be empty
  Status status = Status::in_progress;  ///< where the handshake stands after this step
  std::optional<ProtocolError> error;   ///< set exactly when status is failed
};

/// `bytes` made safe to show in one line: printable ASCII as is; a quote, a backslash and any other
/// byte escaped C-style (`\\n`, `\\0`, `\\xff`, ...); cut to about `max_chars` with "..." when longer.
std::string printable(std::string_view bytes, std::size_t max_chars = 40);

}  // namespace hs
