/// @file
/// How one handshake of hs-load ended, and the pure rules that decide it from what the network
/// said (an error code) or what the server sent (read by chapter 00's client state machine).
/// stats.hpp counts these outcomes; client.hpp produces them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "hs/protocol.hpp"

namespace hs::load {

/// The kinds of outcome hs-load tells apart. The names on reports are those of result_name().
enum class Result : std::uint8_t {
  ok,              ///< HELLO Y was right and the server closed cleanly after HELLO Z
  refused,         ///< connect: ECONNREFUSED (nothing listening, or the listen backlog overflowed)
  reset,           ///< the connection was reset (ECONNRESET, EPIPE, ECONNABORTED)
  timeout,         ///< our per-handshake timeout (--timeout) ran out first
  bad_reply,       ///< not a HELLO or ERROR line, too long, or the server closed early / sent extra bytes
  wrong_sequence,  ///< a HELLO line with the wrong number (Y != X + 1)
  server_error,    ///< the server sent `ERROR <reason> ...` (the reason is counted too)
  connect_error,   ///< any other error opening or connecting the socket: a CLIENT limit, e.g.
                   ///< EADDRNOTAVAIL (out of ephemeral ports) or EMFILE (out of file descriptors)
  io_error,        ///< any other error on a connected socket (unexpected: the cause is reported)
};

/// How many Result values there are (for arrays indexed by Result).
inline constexpr std::size_t result_count = 9;

/// How many ErrorReason values there are (for arrays indexed by the server's ERROR reason).
inline constexpr std::size_t reason_count = 7;

/// Every Result, in declaration order.
inline constexpr std::array<Result, result_count> all_results = {
    Result::ok,           Result::refused,       Result::reset,
    Result::timeout,      Result::bad_reply,     Result::wrong_sequence,
    Result::server_error, Result::connect_error, Result::io_error};

/// Every ErrorReason, in declaration order.
inline constexpr std::array<ErrorReason, reason_count> all_reasons = {
    ErrorReason::malformed, ErrorReason::overflow, ErrorReason::sequence, ErrorReason::too_long,
    ErrorReason::timeout,   ErrorReason::busy,     ErrorReason::shutdown};

/// The name used in reports and JSON: "ok", "refused", "bad-reply", "wrong-sequence", ...
std::string_view result_name(Result result) noexcept;

/// One handshake's outcome.
struct Outcome {
  Result result = Result::ok;                          ///< what happened
  ErrorReason server_reason = ErrorReason::malformed;  ///< meaningful only for Result::server_error
  std::string cause;  ///< for connect_error and io_error: the system's message ("Too many open files")
};

/// A failed connect (or socket open/bind): refused, or a client-side connect_error with its cause.
Outcome outcome_of_connect_error(std::error_code error);

/// A failed read or write on a connected socket: reset, or io_error with its cause. (The end of
/// the stream is not an error here: the client state machine judges it, see client.hpp.)
Outcome outcome_of_io_error(std::error_code error);

/// A handshake that chapter 00's ClientHandshake failed: server_error when the server sent an
/// ERROR line, wrong_sequence for a wrong Y, bad_reply for anything else it refused.
Outcome outcome_of_protocol_error(const ProtocolError& error);

}  // namespace hs::load
