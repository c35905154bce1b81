/// @file
/// Exercise 1.4: the blocking client. The mirror of serve_connection(): the chapter 00 client
/// machine, fed by blocking reads with the same two deadlines.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <system_error>

#include "hs/protocol.hpp"

namespace hs::ch01 {

/// How the client runs its handshake.
struct ClientOptions {
  std::int64_t x = 1;                                  ///< the number to open with (`--seq`)
  std::chrono::milliseconds read_timeout{5000};        ///< for each reply (`--read-timeout`)
  std::chrono::milliseconds handshake_timeout{10000};  ///< for the whole handshake (`--handshake-timeout`)
  std::chrono::milliseconds think{0};                  ///< `--think-ms`: pause between Y and Z
};

/// Which way some bytes went (for ClientObserver).
enum class Direction {
  sent,     ///< from this client to the server
  received  ///< from the server to this client
};

/// Called with every chunk of bytes sent or received, so a program can print the exchange: once
/// per Step::out written (all of it, once written) and once per read_some() that returned data, in
/// the order they happen, never with no bytes. A full handshake is: sent X, received Y, sent Z.
using ClientObserver = std::function<void(Direction, std::string_view bytes)>;

/// How the handshake ended.
struct ClientResult {
  Status status = Status::in_progress;  ///< done or failed
  std::optional<ProtocolError> error;   ///< why it failed (from_peer: the server's ERROR line)
  std::error_code io_error;             ///< set when the connection itself broke
};

/// Runs the client's handshake on the connected socket `fd` (the caller connects and closes). Sends
/// only what the machine returns; waits at most options.read_timeout for each reply (and for the
/// server's close after Z), and options.handshake_timeout in all. A broken connection ends it as
/// failed, with io_error set as read_some() and write_all() report it.
ClientResult run_client(int fd, const ClientOptions& options, const ClientObserver& observe = {});

}  // namespace hs::ch01
