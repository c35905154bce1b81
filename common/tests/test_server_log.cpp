// What every server logs: one wording for a connection's outcome, and no exception swallowed.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>

#include "hs/exercise.hpp"
#include "hs/server_log.hpp"

using namespace std::chrono_literals;

namespace {

// What `write` printed on stderr (the logger's stream).
std::string stderr_of(const std::function<void()>& write) {
  std::fflush(stderr);
  std::FILE* sink = std::tmpfile();
  REQUIRE(sink);
  const int saved = ::dup(2);
  ::dup2(::fileno(sink), 2);
  write();
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  std::rewind(sink);
  std::string text;
  for (int c = std::fgetc(sink); c != EOF; c = std::fgetc(sink)) text += static_cast<char>(c);
  std::fclose(sink);
  return text;
}

const hs::Endpoint peer{"127.0.0.1", 41000};

}  // namespace

TEST_CASE("the outcome line: done or the ERROR line sent or the broken connection", "[server_log]") {
  const hs::Logger log;
  CHECK_THAT(stderr_of([&] { hs::log_outcome(log, peer, hs::Status::done, std::nullopt, {}, 1500us); }),
             Catch::EndsWith("info  127.0.0.1:41000 done in 1.5 ms\n"));
  const hs::ProtocolError late{hs::ErrorReason::timeout, "no HELLO Z within the read timeout"};
  CHECK_THAT(
      stderr_of([&] { hs::log_outcome(log, peer, hs::Status::failed, late, {}, 5000ms); }),
      Catch::EndsWith("127.0.0.1:41000 failed after 5000.0 ms: ERROR timeout no HELLO Z within the read timeout\n"));
  // Broken: the I/O error says what happened; the ERROR line, if any, never reached the client.
  const std::error_code reset{ECONNRESET, std::generic_category()};
  CHECK_THAT(stderr_of([&] {
               hs::log_outcome(log, {"::1", 7}, hs::Status::failed, late, reset, 2ms);
             }),
             Catch::EndsWith("[::1]:7 failed after 2.0 ms: Connection reset by peer\n"));
  CHECK(stderr_of([&] { hs::log_outcome(hs::Logger{true}, peer, hs::Status::failed, late, {}, 1ms); }).empty());
}

TEST_CASE("the stop line counts in words: 1 connection and 0 or 2 connections", "[server_log]") {
  const hs::Logger log;
  CHECK_THAT(stderr_of([&] { hs::log_stopped(log, 1, 1, 0, 1); }),
             Catch::EndsWith("info  stopped: 1 connection, 1 done, 0 failed; at most 1 at once\n"));
  CHECK_THAT(stderr_of([&] { hs::log_stopped(log, 2, 1, 1, 2); }),
             Catch::EndsWith("info  stopped: 2 connections, 1 done, 1 failed; at most 2 at once\n"));
  CHECK(hs::count_of(0, "connection") == "0 connections");
  CHECK(hs::count_of(1, "serving thread") == "1 serving thread");
}

TEST_CASE("an exception from a connection is logged or rethrown if it is an untouched stub", "[server_log]") {
  const hs::Logger log{true};  // quiet: errors are still printed
  CHECK_THAT(stderr_of([&] {
               hs::log_or_rethrow(std::make_exception_ptr(std::runtime_error{"boom"}), log, "127.0.0.1:1: the session");
             }),
             Catch::EndsWith("error 127.0.0.1:1: the session threw: boom\n"));
  CHECK_THROWS_AS(hs::log_or_rethrow(std::make_exception_ptr(hs::ExerciseNotDone{"3.2", "03-coroutines"}), log, "x"),
                  hs::ExerciseNotDone);
  CHECK(stderr_of([&] { hs::log_or_rethrow(nullptr, log, "x"); }).empty());
}

TEST_CASE("accept errors: skip the connection or back off or stop as a bug", "[server_log]") {
  using hs::AcceptFailure;
  for (int e : {EMFILE, ENFILE, ENOBUFS, ENOMEM}) CHECK(hs::classify_accept_failure(e) == AcceptFailure::back_off);
  for (int e : {ECONNABORTED, EINTR, EAGAIN, EWOULDBLOCK, EPERM, EPROTO, ENETDOWN, ENETUNREACH, EHOSTUNREACH, EHOSTDOWN,
                ENONET, ENOPROTOOPT, EOPNOTSUPP}) {
    CAPTURE(e);
    CHECK(hs::classify_accept_failure(e) == AcceptFailure::skip);
  }
  for (int e : {EBADF, EINVAL, ENOTSOCK, EFAULT}) CHECK(hs::classify_accept_failure(e) == AcceptFailure::fatal);
}
