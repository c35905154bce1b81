// Outcome classification for hs-load (see hs/load/outcome.hpp): pure functions of an error code
// or of the protocol error chapter 00's client state machine reported.
#include "given/ch05/outcome.hpp"

#include <asio/error.hpp>

namespace hs::load {

std::string_view result_name(Result result) noexcept {
  switch (result) {
    case Result::ok: return "ok";
    case Result::refused: return "refused";
    case Result::reset: return "reset";
    case Result::timeout: return "timeout";
    case Result::bad_reply: return "bad-reply";
    case Result::wrong_sequence: return "wrong-sequence";
    case Result::server_error: return "server-error";
    case Result::connect_error: return "connect-error";
    case Result::io_error: return "io-error";
  }
  return "unknown";
}

Outcome outcome_of_connect_error(std::error_code error) {
  if (error == asio::error::connection_refused) return {Result::refused, {}, {}};
  return {Result::connect_error, {}, error.message()};
}

Outcome outcome_of_io_error(std::error_code error) {
  if (error == asio::error::connection_reset || error == asio::error::broken_pipe ||
      error == asio::error::connection_aborted) {
    return {Result::reset, {}, {}};
  }
  return {Result::io_error, {}, error.message()};
}

Outcome outcome_of_protocol_error(const ProtocolError& error) {
  if (error.from_peer) return {Result::server_error, error.reason, {}};
  if (error.reason == ErrorReason::sequence) return {Result::wrong_sequence, {}, {}};
  return {Result::bad_reply, {}, {}};
}

}  // namespace hs::load
