/// @file
/// Exercise 7.2: the session on completions. Chapter 06's session asked "may I read?" and then
/// read; this one submits the read and is woken with what was read. The handshake's bookkeeping is
/// chapter 06's given Conversation, untouched: the only difference is how the session waits.
#pragma once

#include "ch06/session.hpp"
#include "ch06/task.hpp"
#include "ch07/ring.hpp"
#include "given/ch06/conversation.hpp"
#include "hs/net.hpp"

namespace hs::ch07 {

using ch06::SessionOptions;
using ch06::SessionResult;
using ch06::Task;

/// Serves the client on `fd` (non-blocking) through `ring` until the handshake is done or has
/// failed, then closes it through the ring. Byte for byte what chapters 01, 03 and 06 do, with the
/// same deadlines (ch06::session() says them all). What is new is that every read and write is a
/// submission: a receive() with the earlier deadline, a send() of what is unsent with it too, and a
/// deadline that passes *cancels* the operation (IORING_OP_ASYNC_CANCEL); the session still waits
/// for that operation's completion (-ECANCELED, or what it did if it finished first: bytes that
/// arrived are read, whatever the clock says) before it answers ERROR timeout. An answer already
/// due is sent first, even past the deadline; a deadline that has passed is answered before the
/// next receive, unless the client's bytes are waiting already (they came in time: received first). -ENOBUFS (every
/// provided buffer in use) waits a turn and receives again. Each receive's buffer goes back to the ring as soon as its
/// bytes are given to the Conversation. The lingering close (after a failure, or with unread bytes) receives and drops
/// until the client closes, hs::linger_time() passes, or hs::linger_max_reads receives.
Task<SessionResult> session(Ring& ring, Fd fd, SessionOptions options);

}  // namespace hs::ch07
