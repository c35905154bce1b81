/// @file
/// Exercise 6.4 (1 of 2): the session, on your runtime. One Task per connection drives the chapter
/// 00 machine: it reads what the kernel has, feeds the machine, writes its replies, and when the
/// kernel has nothing more it waits for readiness *with a deadline* on the wheel. A deadline that
/// passes wakes it with Wake::timeout, and it answers `ERROR timeout ...`: no watchdog coroutine,
/// no race, no cancellation to wait for (chapter 03 needed all three).
#pragma once

#include "ch01/serve_connection.hpp"
#include "ch06/runtime.hpp"
#include "ch06/task.hpp"
#include "given/ch06/conversation.hpp"
#include "hs/net.hpp"

namespace hs::ch06 {

/// How a connection is served: the same options as chapter 01's (read_timeout, handshake_timeout,
/// work), which mean the same here.
using SessionOptions = ch01::ServeOptions;
/// How a session ended: status, error (the ERROR line sent, or tried), io_error (the connection
/// broke), as in chapter 01.
using SessionResult = ch01::ServeResult;

/// Serves the client on `fd` (non-blocking, not yet watched) on `runtime` until the handshake is
/// done or has failed, then closes it. Byte for byte what chapters 01 and 03 do: each message must
/// arrive within read_timeout (Z's clock starts once HELLO Y is sent), the whole handshake within
/// handshake_timeout, and when both run out together the handshake's deadline is the one reported;
/// `--work-ms` is a sleep on the wheel between HELLO X and HELLO Y, during which the read clock is
/// paused but the handshake's is not; an end of stream or a reset ends it as chapter 01 says, and
/// so does a write that fails (the client has gone): status failed, io_error set, no lingering.
/// An answer the socket cannot take yet (a client that does not read) waits for room under the
/// same deadlines; if one passes first, ERROR timeout replaces it, and has hs::linger_time() to be
/// written. A deadline that has passed is answered before the next wait, even if bytes came in the
/// same turn. After a failure, or with unread bytes left, the close lingers (shut down sending
/// first, then read and drop until the client closes, hs::linger_time() has passed since the
/// shutdown by the runtime's clock, or hs::linger_max_reads (10,000) reads, letting the other tasks
/// run between batches), so that the last line is not lost to a reset.
Task<SessionResult> session(Runtime& runtime, Fd fd, SessionOptions options);

}  // namespace hs::ch06
