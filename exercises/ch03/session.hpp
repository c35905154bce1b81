/// @file
/// Exercise 3.2: the session coroutine. One per connection: it drives the chapter 00 server
/// machine with asynchronous reads and writes, under the two deadlines of with_deadlines(). Where
/// chapter 01 blocked a thread, this suspends: the thread serves other connections meanwhile.
#pragma once

#include <chrono>
#include <optional>
#include <system_error>

#include "given/ch03/asio_types.hpp"

#include "hs/protocol.hpp"

namespace hs::ch03 {

/// How a connection is served.
struct SessionOptions {
  std::chrono::milliseconds read_timeout{5000};        ///< for each message to arrive (`--read-timeout`)
  std::chrono::milliseconds handshake_timeout{10000};  ///< for the whole handshake (`--handshake-timeout`)
  std::chrono::milliseconds work{0};                   ///< `--work-ms`: an awaited timer before answering HELLO X
};

/// How a session ended.
struct SessionResult {
  Status status = Status::in_progress;  ///< done or failed
  std::optional<ProtocolError> error;   ///< why it failed (the ERROR line we sent, or tried to)
  std::error_code io_error;             ///< set when the connection itself broke (reset, broken pipe)
};

/// Serves the client on `socket` until the handshake is done or has failed, then closes it: after a
/// failure, or with unread bytes left, gracefully (shut down sending first, so that the client sees
/// the end of the stream at once; then read what is left for a short while) so that the last line
/// is not lost to a reset. The socket is taken by value: the coroutine owns it for its whole life,
/// however long the caller's frame lives.
Awaitable<SessionResult> session(Socket socket, SessionOptions options);

}  // namespace hs::ch03
