// Fixtures for the chapter 07 tests: chapter 06's, with a Ring beside the Runtime. Every test of
// this chapter needs io_uring: where the machine refuses it, the fixtures (and each test written
// by hand, with HS_SKIP_WITHOUT_IO_URING()) report the test Skipped, with the reason.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <exception>
#include <future>
#include <optional>
#include <string>
#include <utility>

#include <catch2/catch.hpp>

#include "../ch06/fixtures.hpp"
#include "../support/descriptors.hpp"
#include "../support/io_uring.hpp"
#include "ch07/ring.hpp"
#include "ch07/server.hpp"
#include "ch07/session.hpp"
#include "given/ch07/serve.hpp"
#include "hs/net.hpp"

namespace hs::ch07::test {

using namespace hs::testing::prelude;
using ch06::test::LocalPair;
using ch06::test::non_blocking;
using ch06::test::Outcome;
using ch06::test::spawn_into;

/// No deadline.
constexpr TimePoint never = TimePoint::max();

/// Submits a receive on `fd` and awaits its completion; the bytes, if any, are copied out and the
/// buffer given back at once (unless `keep`: then the test gives it back).
inline Task<Completion> receive_once(Ring& ring, Operation& op, int fd, std::string& got, TimePoint deadline,
                                     bool keep = false) {
  ring.receive(op, fd, deadline);
  const Completion done = co_await ring.completion(op);
  const auto bytes = ring.received_bytes(done);
  got.assign(bytes.begin(), bytes.end());
  if (!keep) ring.give_back(done);
  co_return done;
}

/// The set-up of most ring tests: a Ring on the test's own thread and one socketpair (the runtime
/// is `pair.code`'s side), an Operation and where its received bytes go. Bind its members:
/// `auto& [runtime, ring, pair, op, got] = t;`.
struct RingAndPair {
  Runtime runtime;
  Ring ring{runtime};
  LocalPair pair = LocalPair::make();
  Operation op;
  std::string got;
};

/// For the fixtures the shared suites construct, where a test cannot simply return: where
/// io_uring is refused, prints the line ctest reports as Skipped and ends the process (ctest runs
/// each test case in a process of its own).
inline void skip_process_without_io_uring() {
  if (const auto why = hs::io_uring_unavailable(); !why.empty()) {
    hs::testing::end_process_skipped_without_io_uring(why);
  }
}

/// session() on the server's end of a loopback connection, on a Ring in a background thread. The
/// fixture tests/support/session_behaviour.hpp expects.
class RunSession {
 public:
  using Options = SessionOptions;
  RunSession(Fd fd, SessionOptions options)
      : result_{(skip_process_without_io_uring(),
                 std::async(std::launch::async, [fd = non_blocking(std::move(fd)), options]() mutable {
                   Fd owned = std::move(fd);  // closed here even if what follows throws
                   Runtime runtime;
                   Ring ring{runtime};
                   Outcome<SessionResult> outcome;
                   spawn_into(session(ring, std::move(owned), options), outcome);
                   ring.run();  // returns once the session has ended
                   if (outcome.thrown) std::rethrow_exception(outcome.thrown);
                   return std::move(outcome.value).value_or(SessionResult{});
                 }))} {}
  SessionResult result() { return result_.get(); }

 private:
  std::future<SessionResult> result_;
};
using Session = testing::Session<RunSession>;

/// Chapter 07's loop for chapter 06's OnVirtualTime: a Ring beside the Runtime. The fixture
/// tests/support/virtual_time_behaviour.hpp expects is then VirtualSession.
struct RingLoop {
  explicit RingLoop(const ch06::Clock& clock) : runtime{(skip_process_without_io_uring(), clock)} {}
  void start(Fd fd, SessionOptions options, Outcome<SessionResult>& outcome) {
    spawn_into(session(ring, std::move(fd), options), outcome);
  }
  void poll() { ring.poll(); }

  Runtime runtime;
  Ring ring{runtime};
};
using VirtualSession = ch06::test::OnVirtualTime<RingLoop>;

namespace detail {

/// Made before the server (a base listed first): keeps the descriptor limit near what is open, for
/// the EMFILE test, whose multishot accept keeps the limit it was submitted with.
struct LimitFirst {
  explicit LimitFirst(bool near_open) {
    if (near_open) limit.emplace();
  }
  std::optional<testing::DescriptorLimitNearOpen> limit;  ///< while the server lives
};

}  // namespace detail

/// The Server of exercise 7.3 on a Ring in a background thread, listening on a loopback port
/// picked by the OS; the test's stop request is a poll on the ring, as SIGTERM is in
/// hs-ch07-server. The fixture tests/support/server_behaviour.hpp expects.
class InProcessServer : private detail::LimitFirst, public testing::InProcessServer<ServerStats> {
 public:
  explicit InProcessServer(ServerOptions options = {}, bool limit_near_open = false)
      : detail::LimitFirst{limit_near_open},
        testing::InProcessServer<ServerStats>{
            (skip_process_without_io_uring(),
             [options](int listen_fd, int stop_fd, const Logger& log, ServerStats& stats) {
               Runtime runtime;
               Ring ring{runtime};
               Server server{ring, Fd{::dup(listen_fd)}, options, log, stats};
               serve(ring, server, stop_fd);
             })} {}
  /// The server-behaviour suite's EMFILE test: the pause after EMFILE & co., and the descriptor
  /// limit near what is open before the server submits its accept.
  explicit InProcessServer(std::chrono::milliseconds accept_backoff)
      : InProcessServer{ServerOptions{{}, accept_backoff}, true} {}
  /// The event-loop suite's: each session's timeouts and work.
  explicit InProcessServer(behaviour::SessionTimes t)
      : InProcessServer{ServerOptions{{t.read_timeout, t.handshake_timeout, t.work}}} {}
  /// What it counted so far.
  behaviour::Counts counts() { return behaviour::counts_of(stats()); }
};

}  // namespace hs::ch07::test
