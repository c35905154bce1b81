// What a session on chapter 06's runtime must do in a turn where two of its clocks have passed at
// once, which only a virtual clock makes happen on demand. Chapter 06's session (on epoll) and
// chapter 07's (on io_uring) both pass these; a chapter's test file lists them once, for its fixture
// and its exercise's tag:
//
//     HS_VIRTUAL_TIME_SESSION_TEST_CASES(VirtualSession, "[ex6.5]")
//
// Why not in session_behaviour.hpp, which chapters 01, 03 and 04 run too: on the real clock such a
// turn comes only from a wake-up that happens to be late, so a test there would pass by chance for a
// session that breaks the rule. Chapters 06 and 07 wake on a timer wheel, up to a tick late, so for
// them it is an everyday turn (work that ends less than a tick before the deadline is often woken
// at the deadline's own tick), and their VirtualClock makes it come every time.
//
// A fixture `VirtualSession`:
//   - is constructed from its `VirtualSession::Options` (read_timeout, handshake_timeout, work) and
//     starts session() on the test's own thread, on a runtime whose clock is a VirtualClock, over a
//     socketpair, then runs what can run;
//   - has `client`, the RawSocket at the other end;
//   - `send(bytes)` sends them as the client, then runs what can run, the clock standing still;
//   - `jump(d)` moves the clock `d` later in one step, so that every timer and deadline in between
//     passes at once, then runs what can run;
//   - `received()` is what the session has written so far, without waiting;
//   - rethrows what the session threw (an untouched stub names its exercise).
#pragma once

#include <chrono>
#include <string>

#include <catch2/catch.hpp>

#include "hs/protocol.hpp"
#include "session_behaviour.hpp"
#include "suite.hpp"

namespace hs::testing::behaviour {

/// A handshake deadline of 1 s, work that ends 1 ms before it, and a read timeout that never
/// comes first.
template <typename Options>
Options work_ending_just_before_the_deadline() {
  Options options;
  options.read_timeout = std::chrono::minutes{1};
  options.handshake_timeout = std::chrono::milliseconds{1000};
  options.work = std::chrono::milliseconds{999};
  return options;
}

/// "work that ends just before the handshake's deadline still sends HELLO Y": an answer that was
/// due before a deadline is written before the deadline is answered. Whether the work beat the
/// deadline is decided by when it was to end, not by when the session is woken (a wheel wakes it
/// up to a tick late: here, at the deadline's own tick); and a deadline that has passed is answered
/// before the next wait for the client, never instead of an answer already due. So the client reads
/// HELLO Y, then ERROR timeout handshake.
template <typename VirtualSession>
void work_just_before_the_deadline() {
  const auto options = work_ending_just_before_the_deadline<typename VirtualSession::Options>();
  VirtualSession s{options};
  s.send("HELLO 1\n");
  CHECK(s.received().empty());  // working
  // The work's end and the deadline pass in the same step: the session wakes once, after both.
  s.jump(options.handshake_timeout);
  CHECK(s.received() == "HELLO 2\n" + machine_timeout(Timeout::handshake, "HELLO 1\n"));
}

/// "the client's next line, sent while the server worked, is read even when the deadline has passed
/// by then": bytes that arrived in time are the client's, whatever the clock says when the session
/// gets to them. The session sends HELLO Y, reads what is waiting, and only then would answer a
/// passed deadline: here the handshake is complete.
template <typename VirtualSession>
void bytes_waiting_at_the_deadline_are_read() {
  const auto options = work_ending_just_before_the_deadline<typename VirtualSession::Options>();
  VirtualSession s{options};
  s.send("HELLO 1\n");
  s.send("HELLO 3\n");  // while it works: in the socket, not read yet
  s.jump(options.handshake_timeout);
  CHECK(s.received() == "HELLO 2\n");
  CHECK(s.client.last_end() == ReadEnd::closed);  // done: closed, not lingering
}

}  // namespace hs::testing::behaviour

/// The test cases above, for the fixture `VirtualSession`, tagged `tag` (e.g. "[ex6.5]").
#define HS_VIRTUAL_TIME_SESSION_TEST_CASES(VirtualSession, tag)                                                        \
  HS_BEHAVIOUR_TEST_CASE("virtual time: work that ends just before the handshake's deadline still sends HELLO Y", tag, \
                         work_just_before_the_deadline, VirtualSession)                                                \
  HS_BEHAVIOUR_TEST_CASE(                                                                                              \
      "virtual time: the client's line sent while the server worked is read even past the deadline", tag,              \
      bytes_waiting_at_the_deadline_are_read, VirtualSession)
