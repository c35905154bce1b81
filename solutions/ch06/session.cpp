// Exercise 6.4 (reference, 1 of 2): the session. The coroutine below is only the waiting: every
// step that does not wait is a plain function, so that its locals (the read buffer, above all)
// live on the stack for a moment instead of in the frame for the connection's whole life, and
// the rare waits (the work, a full send buffer, the lingering close) are Tasks of their own, whose
// frames exist only while they last (README, "Where the bytes go").
#include "ch06/session.hpp"

#include <sys/socket.h>

#include <array>
#include <chrono>
#include <utility>

#include "hs/protocol.hpp"

namespace hs::ch06 {

namespace {

/// Everything one connection needs while it is open, in its session's frame: the socket and the
/// handshake's state and clocks (given: Conversation).
struct Connection {
  Connection(Fd fd, const SessionOptions& options, TimePoint now) : io{std::move(fd)}, talk{options, now} {}

  WatchedFd io;       ///< the socket, watched by the runtime
  Conversation talk;  ///< the machine, what is unsent, the deadlines
};

/// What the session waits for next: the socket to be readable or writable, its work, or nothing (over).
enum class WaitFor { readable, writable, work, nothing };

/// Does everything that needs no waiting: writes what is unsent, reads what the kernel has and
/// feeds the machine, until the handshake is over or the kernel has nothing more for us. Says what
/// to wait for.
WaitFor advance(Connection& c, TimePoint now) {
  for (;;) {
    if (!c.talk.unsent().empty() && !c.talk.work_due()) {
      const Transfer sent = c.io.write_some(c.talk.unsent());
      if (sent.would_block()) return WaitFor::writable;  // a client that does not read: wait, with the deadline
      if (sent.error != 0) {
        c.talk.broken(sent.error);
      } else {
        c.talk.sent(sent.bytes);
      }
      continue;
    }
    if (c.talk.over()) return WaitFor::nothing;
    if (c.talk.work_due()) return WaitFor::work;

    std::array<char, max_line_bytes> buffer;  // on the stack: only bytes the kernel has already
    const Transfer got = c.io.read_some(buffer);
    if (got.would_block()) return WaitFor::readable;
    if (got.error != 0) {
      c.talk.broken(got.error);
    } else if (got.bytes == 0) {
      c.talk.end_of_stream();  // half-closed: it can still read our ERROR line
    } else {
      c.talk.received({buffer.data(), got.bytes}, now);
    }
  }
}

/// Waits until the socket takes more of our answer, or a deadline passes.
Task<Wake> writable(Runtime& runtime, Connection& c) { co_return co_await runtime.writable(c.io, c.talk.deadline()); }

/// The lingering close: the end of our stream goes out at once, then what the client still sends
/// is read and dropped until it closes, `how_long` passes, or hs::linger_max_reads reads (as
/// chapter 03). After every 16 reads the other tasks have their turn.
Task<void> linger(Runtime& runtime, WatchedFd& io, std::chrono::milliseconds how_long) {
  ::shutdown(io.fd(), SHUT_WR);
  const TimePoint until = runtime.now() + how_long;
  std::array<char, 512> sink;
  for (int reads = 1; reads <= linger_max_reads && runtime.now() < until; ++reads) {
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

}  // namespace

Task<SessionResult> session(Runtime& runtime, Fd fd, SessionOptions options) {
  Connection c{std::move(fd), options, runtime.now()};
  runtime.watch(c.io);
  for (WaitFor next = advance(c, runtime.now()); next != WaitFor::nothing; next = advance(c, runtime.now())) {
    if (next == WaitFor::work) {
      co_await work(runtime, c.talk);
      continue;
    }
    if (runtime.now() >= c.talk.deadline()) {  // a deadline passed while we were reading: the wheel
      c.talk.time_out(runtime.now());          // may not have woken us yet (I/O comes first in a turn)
      continue;
    }
    if (next == WaitFor::writable) {
      const Wake wake = co_await writable(runtime, c);
      if (wake == Wake::timeout) c.talk.time_out(runtime.now());
      continue;
    }
    // Wait for the client, with the earlier deadline on the wheel: whichever comes first wakes us,
    // and says which.
    const Wake wake = co_await runtime.readable(c.io, c.talk.deadline());
    if (wake == Wake::timeout) c.talk.time_out(runtime.now());
  }
  if (c.talk.needs_linger(unread_bytes(c.io.fd()))) co_await linger(runtime, c.io, c.talk.linger_time());
  co_return c.talk.result();
}

}  // namespace hs::ch06
