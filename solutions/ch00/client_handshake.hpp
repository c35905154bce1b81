/// @file
/// Exercise 0.4: the client's side of the handshake, sans-I/O like the server's. The client
/// checks the server's reply (Y must be X + 1), answers Z = Y + 1, and counts the handshake done
/// only when the server then closes the connection without complaint.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "ch00/line_framer.hpp"
#include "hs/protocol.hpp"

namespace hs::ch00 {

/// The client side: `HELLO X` out, `HELLO X+1` in, `HELLO X+2` out, the server closes: done.
class ClientHandshake {
 public:
  /// Where the handshake stands.
  enum class Phase {
    start,           ///< nothing sent yet
    awaiting_y,      ///< `HELLO X` sent; waiting for `HELLO Y`
    awaiting_close,  ///< `HELLO Z` produced; waiting for the server to close
    done,            ///< the server closed after Z: success
    failed,          ///< see the error: from_peer when the server sent an ERROR line
  };

  /// A client that will open with `HELLO x`.
  explicit ClientHandshake(std::int64_t x) noexcept : x_{x} {}

  /// The opening message, `HELLO X\n`. Call it once, first.
  Step start();

  /// Feeds bytes received from the server (any split, as for the server's machine). A good
  /// `HELLO Y` (Y = X + 1) yields `HELLO Z\n` to send. Any other reply fails the handshake:
  ///   - an `ERROR <reason> ...` line, at any point (even after Z): the server's reason, from_peer set;
  ///     the detail may be missing (`ERROR timeout`): parse_error_line() reads either;
  ///   - a wrong Y: `sequence`, with the detail `expected 42 got 50` (the server's wording);
  ///   - a line over max_line_bytes: `too_long`;
  ///   - a valid `HELLO` reply when X + 2 does not fit in 64 bits (X = INT64_MAX - 1 or INT64_MAX,
  ///     whose Z would wrap past it): `overflow`, since no Z can answer it;
  ///   - anything else: `malformed`, including an `ERROR` line whose reason the protocol does not
  ///     know, and any line after Y other than an `ERROR` line.
  ///
  /// The client never sends an ERROR line: it reports the failure to its caller, so `out` never
  /// holds more than Z (and still holds it when Y and a bad line arrive in the same call). A
  /// failure found on this side (from_peer false) has a detail saying what was wrong. After done
  /// or failed, more bytes change nothing: the same status and error again, and no output.
  Step on_bytes(std::string_view bytes);

  /// The server closed the connection: done if it came after Z (and not inside a line), else fails
  /// with `malformed` (the detail naming the `HELLO Y` that never came, or saying that the stream
  /// ended inside a line). After done or failed, changes nothing: the same status and error again.
  Step on_eof();

  /// A clock the caller owns ran out: fails with `timeout`, unless already finished (then it
  /// changes nothing, as on_eof()). The detail says which clock: the handshake's `deadline`, or the
  /// read timeout, naming what it waited for (`HELLO Y`, or the server's `close` after Z).
  Step on_timeout(Timeout which);

  /// The current phase.
  Phase phase() const noexcept { return phase_; }

  /// The X this client opens with.
  std::int64_t x() const noexcept { return x_; }

 private:
  void on_line(std::string_view line, Step& step);
  void fail(Step& step, ProtocolError error);
  Step finished() const;

  std::int64_t x_;     ///< the number we open with
  LineFramer framer_;  ///< bytes to lines (an ERROR line fits in 64 bytes too)
  Phase phase_ = Phase::start;
  std::optional<ProtocolError> error_;  ///< why it failed, repeated by later calls
};

}  // namespace hs::ch00
