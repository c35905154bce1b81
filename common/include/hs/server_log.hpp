/// @file
/// What every server of the course logs about its connections, in one wording: a line for how each
/// connection ended, what a connection's code threw, and how a server stops. Chapters 01, 03, 04 and
/// 06 log through these, so their logs read alike and a change of wording is made once.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "hs/log.hpp"
#include "hs/net.hpp"
#include "hs/protocol.hpp"

namespace hs {

/// Logs one info line for a connection that has ended: `127.0.0.1:41000 done in 0.4 ms`, or
/// `127.0.0.1:41000 failed after 5001.3 ms: ERROR timeout no HELLO Z within the read timeout`, or
/// `... failed after 2.1 ms: Connection reset by peer` when the connection itself broke (then the
/// ERROR line, if any, never reached the client). On a quiet logger a done connection costs nothing.
void log_outcome(const Logger& log, const Endpoint& peer, Status status, const std::optional<ProtocolError>& error,
                 const std::error_code& io_error, std::chrono::nanoseconds took);

/// The same, for a chapter's result type (ServeResult, SessionResult: `status`, `error`, `io_error`).
template <typename Result>
void log_outcome(const Logger& log, const Endpoint& peer, const Result& result, std::chrono::nanoseconds took) {
  log_outcome(log, peer, result.status, result.error, result.io_error, took);
}

/// The stop's line, when handshakes are still in progress (none: no line), e.g. "stopping: no new
/// connections; waiting for 3 handshake(s) in progress (at most 10s, plus up to 1s to close
/// cleanly)", with the handshake timeout given. What chapters 03 and 06 log when they stop accepting.
void log_stopping(const Logger& log, std::uint64_t in_progress, std::chrono::milliseconds handshake_timeout);

/// A server's last line: `stopped: N connections, D done, F failed; at most P at once` (for one:
/// `stopped: 1 connection, ...`).
void log_stopped(const Logger& log, std::uint64_t accepted, std::uint64_t done, std::uint64_t failed,
                 std::uint64_t peak);

/// What to do with an exception a connection's code threw (a session, a refusal), so that none is
/// ever swallowed: an ExerciseNotDone is rethrown, because an untouched stub must stop the program
/// and say so; anything else is logged as an error, `<who> threw: <what>`, and the server goes on.
/// Does nothing when `thrown` is null.
void log_or_rethrow(std::exception_ptr thrown, const Logger& log, std::string_view who);

/// What `thrown` says (its what(), for a std::exception): for a main() that prints why it stops.
std::string message_of(std::exception_ptr thrown);

/// `n` and `noun`, which takes an s unless `n` is 1: `1 connection`, `0 connections`, `3 connections`.
std::string count_of(std::uint64_t n, std::string_view noun);

}  // namespace hs
