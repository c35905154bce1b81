/// @file
/// Exercise 0.3: the server's side of the handshake as a state machine with no I/O ("sans-I/O").
/// The caller reads bytes from wherever it likes, feeds them in, writes back what comes out, and
/// tells the machine when the stream ended or a clock ran out. Every server in the course (blocking,
/// threads, coroutines) drives this same class; only how it waits changes.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "ch00/line_framer.hpp"
#include "hs/protocol.hpp"

namespace hs::ch00 {

/// The server side: `HELLO X` in, `HELLO X+1` out, `HELLO X+2` in, done.
class ServerHandshake {
 public:
  /// Where the handshake stands.
  enum class Phase {
    awaiting_hello,  ///< waiting for `HELLO X`
    awaiting_z,      ///< `HELLO Y` was produced; waiting for `HELLO Z`
    done,            ///< Z was right: close the connection
    failed,          ///< an ERROR line was produced: send it, then close
  };

  /// Feeds bytes received from the client (any split: half a line, several lines).
  /// Returns what to send (`HELLO Y\n`, an `ERROR ...\n` line, or both when input was pipelined)
  /// and the status. A line parse_hello() refuses fails with its reason (so a Z too big for 64 bits
  /// is `overflow`, not `sequence`); a valid Z other than X + 2 fails with `sequence`, whose detail
  /// is exactly `expected <X+2> got <Z>`. Every failure has a detail saying what was wrong. Bytes
  /// after Z or after a refused line, even in the same call, are not looked at. After done or
  /// failed, more bytes change nothing: the same status and error again, and no output.
  Step on_bytes(std::string_view bytes);

  /// The client closed its side before the handshake finished: fails with `malformed`
  /// (a half-closed client can still read the ERROR line), the detail naming the line that never
  /// came: `HELLO X` or `HELLO Z` (or saying that the stream ended inside a line). After done or
  /// failed, changes nothing: the same status and error again, and no output.
  Step on_eof();

  /// A clock the caller owns ran out: fails with `timeout`, unless already finished (then it
  /// changes nothing, as on_eof()). The detail says which clock: the handshake's `deadline`, or the
  /// read timeout, naming the line it waited for (`HELLO X` or `HELLO Z`).
  Step on_timeout(Timeout which);

  /// The current phase.
  Phase phase() const noexcept { return phase_; }

 private:
  void on_line(std::string_view line, Step& step);
  void fail(Step& step, ErrorReason reason, std::string detail);
  Step finished() const;

  LineFramer framer_;  ///< bytes to lines, with the 64-byte cap
  Phase phase_ = Phase::awaiting_hello;
  std::int64_t expected_z_ = 0;         ///< X + 2, known once HELLO X is accepted
  std::optional<ProtocolError> error_;  ///< why it failed, repeated by later calls
};

}  // namespace hs::ch00
