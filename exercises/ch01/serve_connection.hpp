/// @file
/// Exercise 1.2: serve one connection from start to end, on this thread. Reads feed the chapter 00
/// server machine; what it returns is written back; deadlines turn silence into `ERROR timeout`.
/// While this runs, the thread does nothing else: that is the blocking model.
#pragma once

#include <chrono>
#include <optional>
#include <system_error>

#include "hs/protocol.hpp"

namespace hs::ch01 {

/// How a connection is served.
struct ServeOptions {
  std::chrono::milliseconds read_timeout{5000};        ///< for each message to arrive (`--read-timeout`)
  std::chrono::milliseconds handshake_timeout{10000};  ///< for the whole handshake (`--handshake-timeout`)
  std::chrono::milliseconds work{0};                   ///< `--work-ms`: simulated work before answering HELLO X
};

/// How serving one connection ended.
struct ServeResult {
  Status status = Status::in_progress;  ///< done or failed
  std::optional<ProtocolError> error;   ///< why it failed (the ERROR line we sent, or tried to)
  std::error_code io_error;             ///< set when the connection itself broke (reset, broken pipe)
};

/// Serves the client connected on `fd` until the handshake is done or has failed. Writes exactly
/// what the machine returns; a clock that runs out is an event for it (on_timeout(): Timeout::read
/// for the message's, Timeout::handshake for the whole handshake's, and the handshake's when both
/// run out at once); the client's end of stream is one too (on_eof()), whose ERROR line is still
/// written, since a half-closed client can read it. A broken connection (a read or write error)
/// ends it as failed, with io_error set as read_some() and write_all() report it. After a failure,
/// or with unread bytes left, it closes gracefully so that the last line is not lost to a reset:
/// hs::shutdown_and_drain() for hs::linger_time() (a second at most, so that a client that keeps
/// sending cannot hold the server; the end of the stream reaches the client at once, before that).
/// The caller closes `fd`. Blocks this thread the whole time.
ServeResult serve_connection(int fd, const ServeOptions& options);

}  // namespace hs::ch01
