// Exercise 7.2 (reference): the session on completions. The same loop as chapter 06's session,
// with its two kinds of step swapped: there, do what needs no waiting, then wait for readiness;
// here, submit, then wait for the completion, then hand what it said to the Conversation.
#include "ch07/session.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <utility>

namespace hs::ch07 {

namespace {

using ch06::Conversation;

/// Everything one connection needs while it is open, in its session's frame: the socket, the
/// handshake, and the one operation it has in flight at a time.
struct Connection {
  Connection(Fd socket, const SessionOptions& options, TimePoint now) : fd{std::move(socket)}, talk{options, now} {}

  Fd fd;              ///< the socket
  Conversation talk;  ///< the machine, what is unsent, the deadlines (chapter 06's)
  Operation op;       ///< the receive or send in flight
};

/// Hands a receive's completion to the Conversation, and its buffer back to the ring.
void received(Ring& ring, Connection& c, const Completion& done, TimePoint now) {
  if (done.why == Wake::timeout && done.result == -ECANCELED) {
    c.talk.time_out(now);
  } else if (done.result == -ENOBUFS) {
    // Every provided buffer is in use this turn: the caller waits a turn and receives again.
  } else if (done.result < 0) {
    c.talk.broken(done.error());
  } else if (done.result == 0) {
    c.talk.end_of_stream();  // half-closed: it can still read our ERROR line
  } else {
    c.talk.received(ring.received_bytes(done), now);
  }
  ring.give_back(done);
}

/// Hands a send's completion to the Conversation.
void sent(Connection& c, const Completion& done, TimePoint now) {
  if (done.why == Wake::timeout && done.result == -ECANCELED) {
    c.talk.time_out(now);  // a client that does not read: ERROR timeout replaces the answer
  } else if (done.result < 0) {
    c.talk.broken(done.error());
  } else {
    c.talk.sent(static_cast<std::size_t>(done.result));
  }
}

/// The lingering close: the end of our stream goes out at once, then receives drop what the client
/// still sends until it closes, `how_long` passes, or hs::linger_max_reads receives. Every receive
/// is a wait, so a flooding client gets one turn at a time, like everyone else.
Task<void> linger(Ring& ring, Connection& c, std::chrono::milliseconds how_long) {
  ::shutdown(c.fd.get(), SHUT_WR);
  Runtime& runtime = ring.runtime();
  const TimePoint until = runtime.now() + how_long;
  for (int receives = 0; receives < linger_max_reads && runtime.now() < until; ++receives) {
    ring.receive(c.op, c.fd.get(), until);
    const Completion done = co_await ring.completion(c.op);
    ring.give_back(done);
    if (done.result == -ENOBUFS) {
      co_await runtime.next_turn();
    } else if (done.result <= 0) {
      break;  // the client closed, the connection broke, or the time ran out
    }
  }
}

}  // namespace

Task<SessionResult> session(Ring& ring, Fd fd, SessionOptions options) {
  Runtime& runtime = ring.runtime();
  Connection c{std::move(fd), options, runtime.now()};
  while (!c.talk.over()) {
    if (c.talk.work_due()) {
      co_await ch06::work(runtime, c.talk);  // chapter 06's, given: a sleep on the wheel
      continue;
    }
    // An answer already due goes out before a deadline that passed meanwhile is answered (HELLO Y
    // after work that ended before the deadline, even if we woke after it): send it, and answer the
    // deadline before the next receive, as chapter 06 does before its next wait. Bytes already
    // waiting came in time: receive them first, as chapter 06 reads what is there before it looks
    // at the clock (README, "Exercise 7.2").
    const bool sending = !c.talk.unsent().empty();
    if (!sending && runtime.now() >= c.talk.deadline() && unread_bytes(c.fd.get()) == 0) {
      c.talk.time_out(runtime.now());
      continue;
    }
    if (sending) {
      ring.send(c.op, c.fd.get(), c.talk.unsent(), c.talk.deadline());
    } else {
      ring.receive(c.op, c.fd.get(), c.talk.deadline());
    }
    const Completion done = co_await ring.completion(c.op);
    if (sending) {
      sent(c, done, runtime.now());
    } else {
      received(ring, c, done, runtime.now());
      if (done.result == -ENOBUFS) co_await runtime.next_turn();
    }
  }
  if (c.talk.needs_linger(unread_bytes(c.fd.get()))) co_await linger(ring, c, c.talk.linger_time());
  ring.close(std::move(c.fd));
  co_return c.talk.result();
}

}  // namespace hs::ch07
