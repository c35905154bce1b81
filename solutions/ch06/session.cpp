// Exercise 6.4 (reference, 1 of 2): the session. The coroutine below is only the waiting: every
// step that does not wait is a plain function, so that its locals (the read buffer, above all)
// live on the stack for a moment instead of in the frame for the connection's whole life, and
// the rare waits (the work, a full send buffer, the lingering close) are Tasks of their own, whose
// frames exist only while they last (README, "Where the bytes go").
#include "ch06/session.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <span>
#include <string>
#include <system_error>
#include <utility>

#include "ch00/server_handshake.hpp"
#include "hs/protocol.hpp"

namespace hs::ch06 {

namespace {

using Phase = ch00::ServerHandshake::Phase;

/// Everything one connection needs while it is open, in its session's frame. How the handshake
/// stands is the machine's phase; once it is over, the machine's on_eof() repeats how it ended.
struct Connection {
  Connection(Fd fd, const SessionOptions& options, TimePoint now)
      : io{std::move(fd)},
        read_timeout{options.read_timeout},
        work{options.work},
        message{now + options.read_timeout},
        handshake{now + options.handshake_timeout} {}

  Io io;                                   ///< the socket, watched by the runtime
  ch00::ServerHandshake machine;           ///< the protocol, from chapter 00; its framer is our buffer
  std::chrono::milliseconds read_timeout;  ///< each message's allowance
  std::chrono::milliseconds work;          ///< --work-ms
  TimePoint message;                       ///< the message awaited must have arrived by then
  TimePoint handshake;                     ///< the whole handshake must be over by then
  std::string unsent;                      ///< the machine's answer, until it is written
  int io_error = 0;                        ///< the errno that broke the connection, if one did
  bool work_due = false;                   ///< HELLO X came: the work comes before the answer goes

  TimePoint earliest() const noexcept { return std::min(message, handshake); }
  /// Which clock runs out first: the handshake's when they are equal (it is the one that cannot move).
  Timeout which() const noexcept { return handshake <= message ? Timeout::handshake : Timeout::read; }
  /// Over, and everything said: the machine is done or has failed, and its answer is written.
  bool over() const noexcept {
    return unsent.empty() && (machine.phase() == Phase::done || machine.phase() == Phase::failed);
  }
};

/// What the session waits for next.
enum class Next { read, write, work, done };

/// The connection broke: nobody is left to read an ERROR line.
void broken(Connection& c, int error) {
  c.io_error = error;
  c.machine.on_eof();  // fails the handshake, if it was not over
  c.unsent.clear();
  c.work_due = false;
}

/// Does everything that needs no waiting: writes what is unsent, reads what the kernel has and
/// feeds the machine, until the handshake is over or the kernel has nothing more for us. Says what
/// to wait for.
Next advance(Connection& c, TimePoint now) {
  for (;;) {
    if (!c.unsent.empty() && !c.work_due) {
      const Transfer sent = c.io.write_some(c.unsent);
      if (sent.would_block()) return Next::write;  // a client that does not read: wait, with the deadline
      if (sent.error != 0) {
        broken(c, sent.error);
      } else {
        c.unsent.erase(0, sent.bytes);
      }
      continue;
    }
    if (c.over()) return Next::done;
    if (c.work_due) return Next::work;

    std::array<char, max_line_bytes> buffer;  // on the stack: only bytes the kernel has already
    const Transfer got = c.io.read_some(buffer);
    if (got.would_block()) return Next::read;
    if (got.error != 0) {
      broken(c, got.error);
    } else if (got.bytes == 0) {
      c.unsent = c.machine.on_eof().out;  // half-closed: it can still read our ERROR line
    } else {
      const Phase before = c.machine.phase();
      c.unsent = c.machine.on_bytes({buffer.data(), got.bytes}).out;
      const Phase after = c.machine.phase();
      if (before == Phase::awaiting_hello && (after == Phase::awaiting_z || after == Phase::done)) {
        if (c.work.count() > 0) {
          c.work_due = true;  // HELLO Y waits for the work; the read clock is paused meanwhile
          c.message = TimePoint::max();
        } else {
          c.message = now + c.read_timeout;  // Z's clock starts now
        }
      }
    }
  }
}

/// A deadline passed: the machine's ERROR timeout line replaces whatever was unsent, and has
/// hs::linger_time() to be written (a client that does not read cannot hold the session longer;
/// once the handshake is over, on_timeout() has nothing more to say, and the session ends).
void time_out(Connection& c, TimePoint now) {
  c.work_due = false;
  c.unsent = c.machine.on_timeout(c.which()).out;
  c.message = c.handshake = now + linger_time(c.read_timeout);
}

/// --work-ms: a sleep on the wheel, cut short by the handshake's deadline. While the server works
/// the client is not late: the read clock restarts for Z once the work is over.
Task<void> work(Runtime& runtime, Connection& c) {
  const TimePoint done = runtime.now() + c.work;
  co_await runtime.sleep_until(std::min(done, c.handshake));
  // Decided by when the work was to end, not by when the wheel's tick woke us (up to a tick later).
  if (done >= c.handshake) {
    time_out(c, runtime.now());
  } else {
    c.work_due = false;
    c.message = runtime.now() + c.read_timeout;
  }
}

/// Waits until the socket takes more of our answer, or a deadline passes.
Task<Wake> writable(Runtime& runtime, Connection& c) { co_return co_await runtime.writable(c.io, c.earliest()); }

/// Whether the close should linger: after a failure (the client may still be sending), or when it
/// sent more than we read; never on a broken connection.
bool needs_linger(const Connection& c) {
  return c.io_error == 0 && (c.machine.phase() == Phase::failed || unread_bytes(c.io.fd()) > 0);
}

/// The lingering close: the end of our stream goes out at once, then what the client still sends
/// is read and dropped until it closes, `how_long` passes, or 10,000 reads (as chapter 03: a
/// client that floods us does not hold the connection for the whole second). After every 16 reads
/// the other tasks have their turn.
Task<void> linger(Runtime& runtime, Io& io, std::chrono::milliseconds how_long) {
  ::shutdown(io.fd(), SHUT_WR);
  const TimePoint until = runtime.now() + how_long;
  std::array<char, 512> sink;
  for (int reads = 1; reads <= 10'000 && runtime.now() < until; ++reads) {
    const Transfer got = io.read_some(sink);
    if (got.error != 0 && !got.would_block()) break;
    if (got.error == 0 && got.bytes == 0) break;  // the client closed
    if (got.would_block()) {
      const Wake wake = co_await runtime.readable(io, until);
      if (wake != Wake::ready) break;
    } else if (reads % 16 == 0) {
      co_await runtime.next_turn();
    }
  }
}

/// How it ended: the machine repeats it; the connection's error, if it broke.
SessionResult result_of(Connection& c) {
  Step end = c.machine.on_eof();
  SessionResult result{end.status, std::move(end.error), {}};
  if (c.io_error != 0) result.io_error = std::error_code{c.io_error, std::system_category()};
  return result;
}

}  // namespace

Task<SessionResult> session(Runtime& runtime, Fd fd, SessionOptions options) {
  Connection c{std::move(fd), options, runtime.now()};
  runtime.watch(c.io);
  for (Next next = advance(c, runtime.now()); next != Next::done; next = advance(c, runtime.now())) {
    if (next == Next::work) {
      co_await work(runtime, c);
      continue;
    }
    if (runtime.now() >= c.earliest()) {  // a deadline passed while we were reading: the wheel may
      time_out(c, runtime.now());         // not have woken us for it yet (I/O comes first in a turn)
      continue;
    }
    if (next == Next::write) {
      const Wake wake = co_await writable(runtime, c);
      if (wake == Wake::timeout) time_out(c, runtime.now());
      continue;
    }
    // Wait for the client, with the earlier deadline on the wheel: whichever comes first wakes us,
    // and says which.
    const Wake wake = co_await runtime.readable(c.io, c.earliest());
    if (wake == Wake::timeout) time_out(c, runtime.now());
  }
  if (needs_linger(c)) co_await linger(runtime, c.io, linger_time(c.read_timeout));
  co_return result_of(c);
}

}  // namespace hs::ch06
