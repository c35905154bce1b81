/// @file
/// One connection's handshake without its I/O (given: no exercise): the chapter 00 machine, the
/// answer waiting to be written, and the two deadlines of chapter 01 (each message within
/// read_timeout, the whole handshake within handshake_timeout). A session is then only the
/// waiting: chapter 06's waits for readiness and then reads and writes (exercise 6.4), chapter 07's
/// submits the reads and writes and waits for their completion (exercise 7.2). Both feed this the
/// same events, so both answer byte for byte as chapters 01 and 03 do.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "ch00/server_handshake.hpp"
#include "ch01/serve_connection.hpp"
#include "ch06/runtime.hpp"
#include "ch06/task.hpp"
#include "given/ch06/clock.hpp"
#include "hs/net.hpp"
#include "hs/protocol.hpp"

namespace hs::ch06 {

/// The handshake's state and clocks, fed with what the socket did.
class Conversation {
 public:
  /// A handshake starting `now`, with chapter 01's options (read_timeout, handshake_timeout, work).
  Conversation(const ch01::ServeOptions& options, TimePoint now) noexcept
      : read_timeout_{options.read_timeout},
        work_{options.work},
        message_{now + options.read_timeout},
        handshake_{now + options.handshake_timeout} {}

  /// What the server still has to write (the machine's answer, or its ERROR line).
  std::string_view unsent() const noexcept { return unsent_; }
  /// `bytes` more of it were written.
  void sent(std::size_t bytes) { unsent_.erase(0, bytes); }

  /// The client sent `bytes`: the machine's answer becomes what is unsent. When they complete
  /// HELLO X, the work is due (work() nonzero: the read clock pauses) or Z's clock starts `now`.
  void received(std::span<const char> bytes, TimePoint now);
  /// The client closed its sending side (a read of 0 bytes): it can still read our ERROR line.
  void end_of_stream() { unsent_ = machine_.on_eof().out; }
  /// The connection broke (`error`: the errno of a read or write): nobody is left to read an
  /// ERROR line, so nothing is unsent and nothing more happens.
  void broken(int error);
  /// A deadline passed (the earlier of the two, which()): the machine's ERROR timeout line replaces
  /// whatever was unsent and has hs::linger_time() to be written; once the handshake is over there
  /// is nothing more to say, and over() becomes true when it is written.
  void time_out(TimePoint now);

  /// HELLO X came and `--work-ms` is set: the work comes before HELLO Y is written.
  bool work_due() const noexcept { return work_due_; }
  /// The work starts `now`: when to wake, the work's end or the handshake's deadline, whichever
  /// is first.
  TimePoint start_work(TimePoint now) noexcept;
  /// Woken after start_work(): if the work would have ended at or after the handshake's deadline,
  /// that is a time_out(); otherwise HELLO Y may go, and Z's clock starts `now`. Decided by when
  /// the work was to end, not by when a timer woke us (a wheel wakes up to a tick late).
  void work_over(TimePoint now);

  /// The earlier of the two deadlines: a wait must end by then.
  TimePoint deadline() const noexcept { return std::min(message_, handshake_); }
  /// Over, and everything said: the machine is done or has failed, and its answer is written.
  bool over() const noexcept;
  /// Whether the close should linger (hs::shutdown_and_drain's reason): after a failure, or when
  /// the client sent more than was read (`unread`: hs::unread_bytes()); never when it broke.
  bool needs_linger(std::size_t unread) const noexcept;
  /// How long a lingering close may last: hs::linger_time() of the read timeout.
  std::chrono::milliseconds linger_time() const noexcept { return hs::linger_time(read_timeout_); }
  /// How it ended: the machine's status and ERROR line, and the connection's error if it broke.
  ch01::ServeResult result();

 private:
  /// Which clock runs out first: the handshake's when they are equal (it is the one that cannot move).
  Timeout which() const noexcept { return handshake_ <= message_ ? Timeout::handshake : Timeout::read; }

  ch00::ServerHandshake machine_;           ///< the protocol, from chapter 00; its framer is our buffer
  std::chrono::milliseconds read_timeout_;  ///< each message's allowance
  std::chrono::milliseconds work_;          ///< --work-ms
  TimePoint message_;                       ///< the message awaited must have arrived by then
  TimePoint handshake_;                     ///< the whole handshake must be over by then
  TimePoint work_end_{};                    ///< while the work is due: when it ends
  std::string unsent_;                      ///< the machine's answer, until it is written
  int io_error_ = 0;                        ///< the errno that broke the connection, if one did
  bool work_due_ = false;                   ///< HELLO X came: the work comes before the answer goes
};

/// `--work-ms`, as both sessions do it once `talk.work_due()`: a sleep on `runtime`'s wheel from
/// start_work() to work_over(), cut short by the handshake's deadline. While the server works the
/// client is not late: the read clock restarts for Z once the work is over.
Task<void> work(Runtime& runtime, Conversation& talk);

}  // namespace hs::ch06
