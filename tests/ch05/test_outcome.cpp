// Classifying a handshake's outcome: from the bytes a server sends (read, as hs-load reads them,
// by chapter 00's client state machine) and from the errors the network reports.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include <asio/error.hpp>

#include "ch00/client_handshake.hpp"
#include "given/ch05/outcome.hpp"

using hs::load::Result;

namespace {

// What hs-load concludes when the server answers HELLO 41 with `reply`, then, after HELLO Z, sends
// `after_z` and closes. Mirrors the steps of exchange() in client.cpp.
hs::load::Outcome judge(std::string_view reply, std::string_view after_z = "") {
  hs::ch00::ClientHandshake machine{41};
  machine.start();
  hs::Step step = machine.on_bytes(reply);
  if (step.status == hs::Status::in_progress && step.out.empty()) step = machine.on_eof();  // closed before a line
  if (step.status == hs::Status::failed) return hs::load::outcome_of_protocol_error(*step.error);
  REQUIRE(step.out == "HELLO 43\n");
  step = machine.on_bytes(after_z);
  if (step.status == hs::Status::in_progress) step = machine.on_eof();
  if (step.status == hs::Status::failed) return hs::load::outcome_of_protocol_error(*step.error);
  return {Result::ok, {}, {}};
}

}  // namespace

TEST_CASE("a right reply and a clean close is ok", "[outcome]") {
  CHECK(judge("HELLO 42\n").result == Result::ok);
  CHECK(judge("HELLO 42\r\n").result == Result::ok);
}

TEST_CASE("HELLO with the wrong number is wrong-sequence", "[outcome]") {
  CHECK(judge("HELLO 43\n").result == Result::wrong_sequence);
  CHECK(judge("HELLO -42\n").result == Result::wrong_sequence);
}

TEST_CASE("an ERROR line counts as the server's error with its reason", "[outcome]") {
  const auto busy = judge("ERROR busy 1000 connections already\n");
  CHECK(busy.result == Result::server_error);
  CHECK(busy.server_reason == hs::ErrorReason::busy);
  CHECK(judge("ERROR shutdown server stopping\n").server_reason == hs::ErrorReason::shutdown);
  const auto after_z = judge("HELLO 42\n", "ERROR sequence expected 43 got 44\n");
  CHECK(after_z.result == Result::server_error);
  CHECK(after_z.server_reason == hs::ErrorReason::sequence);
}

TEST_CASE("anything else the server sends or an early close is bad-reply", "[outcome]") {
  CHECK(judge("HELO 42\n").result == Result::bad_reply);
  CHECK(judge("hello 42\n").result == Result::bad_reply);
  CHECK(judge("ERROR nonsense what\n").result == Result::bad_reply);     // not a reason of the protocol
  CHECK(judge("").result == Result::bad_reply);                          // closed before replying
  CHECK(judge("HELLO 4").result == Result::bad_reply);                   // closed inside the line
  CHECK(judge(std::string(70, 'A')).result == Result::bad_reply);        // longer than a line may be
  CHECK(judge("HELLO 42\nHELLO 42\n").result == Result::bad_reply);      // a second reply
  CHECK(judge("HELLO 42\n", "surprise\n").result == Result::bad_reply);  // bytes after Z
  CHECK(judge("HELLO 42\n", "x").result == Result::bad_reply);           // even a partial line
}

TEST_CASE("connect errors: refused is the server's side and the rest are client limits", "[outcome]") {
  CHECK(hs::load::outcome_of_connect_error(asio::error::connection_refused).result == Result::refused);
  const auto ports = hs::load::outcome_of_connect_error(std::make_error_code(std::errc::address_not_available));
  CHECK(ports.result == Result::connect_error);
  CHECK(ports.cause == "Cannot assign requested address");
  const auto files = hs::load::outcome_of_connect_error(std::make_error_code(std::errc::too_many_files_open));
  CHECK(files.result == Result::connect_error);
  CHECK(files.cause == "Too many open files");
}

TEST_CASE("errors on a connected socket: resets and anything unexpected with its cause", "[outcome]") {
  CHECK(hs::load::outcome_of_io_error(asio::error::connection_reset).result == Result::reset);
  CHECK(hs::load::outcome_of_io_error(asio::error::broken_pipe).result == Result::reset);
  CHECK(hs::load::outcome_of_io_error(asio::error::connection_aborted).result == Result::reset);
  const auto other = hs::load::outcome_of_io_error(asio::error::network_unreachable);
  CHECK(other.result == Result::io_error);
  CHECK_FALSE(other.cause.empty());
}

TEST_CASE("every result has its own report name", "[outcome]") {
  std::set<std::string_view> names;
  for (const auto r : hs::load::all_results) names.insert(hs::load::result_name(r));
  CHECK(names.size() == hs::load::result_count);
  CHECK(hs::load::result_name(Result::bad_reply) == "bad-reply");
  CHECK(hs::load::result_name(Result::wrong_sequence) == "wrong-sequence");
}
