// Fixtures for the chapter 07 tests: chapter 06's, with a Ring beside the Runtime. Every test of
// this chapter needs io_uring: where the machine refuses it, the test is reported Skipped, with the
// reason, before any fixture is built: the shared suites check first for the fixtures that say so
// (needs_io_uring, at the end), and each test written here begins with HS_SKIP_WITHOUT_IO_URING().
#pragma once

#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <utility>

#include <catch2/catch.hpp>

#include "../ch06/fixtures.hpp"
#include "../support/io_uring.hpp"
#include "ch07/ring.hpp"
#include "ch07/server.hpp"
#include "ch07/session.hpp"
#include "given/ch07/serve.hpp"
#include "hs/net.hpp"

namespace hs::ch07::test {

using namespace hs::testing::prelude;
using ch06::test::LocalPair;
using ch06::test::Outcome;
using ch06::test::require_done;
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
  /// Spawns receive_once() on `op`, for the runtime's side of the pair: how it ends is recorded in
  /// `into`, the bytes in `got`.
  void receive(Outcome<Completion>& into, TimePoint deadline = never) {
    spawn_into(receive_once(ring, op, pair.code.get(), got, deadline), into);
  }

  Runtime runtime;
  Ring ring{runtime};
  LocalPair pair = LocalPair::make();
  Operation op;
  std::string got;
};

/// Chapter 07's loop for chapter 06's fixtures and stop test (see ch06::test::RuntimeLoop): a Ring
/// beside the Runtime, which hears a stop request through a poll.
struct RingLoop {
  using Server = ch07::Server;

  RingLoop() = default;
  explicit RingLoop(const ch06::Clock& clock) : runtime{clock} {}
  Ring& engine() { return ring; }
  void when_readable(int fd, std::function<void()> then) {
    spawn(
        [](Ring& r, Operation& op, int polled, std::function<void()> call) -> Task<void> {
          r.poll_readable(op, polled);
          if ((co_await r.completion(op)).why == Wake::ready) call();
        }(ring, stop_poll, fd, std::move(then)),
        ch06::test::rethrow);
  }

  Runtime runtime;
  Ring ring{runtime};
  Operation stop_poll;  ///< when_readable()'s poll
};

/// session() on a Ring in a background thread: the fixture tests/support/session_behaviour.hpp
/// expects.
using Session = testing::Session<ch06::test::RunSession<RingLoop>>;
/// The same on virtual time: the fixture tests/support/virtual_time_behaviour.hpp expects.
using VirtualSession = ch06::test::OnVirtualTime<RingLoop>;

/// The Server of exercise 7.3 on a Ring, for the fixture tests/support/server_behaviour.hpp
/// expects. The test's stop request is a poll on the ring, as SIGTERM is in hs-ch07-server.
struct RunServer {
  using Options = ServerOptions;
  using Stats = ServerStats;
  static void run(const ServerOptions& options, int listen_fd, int stop_fd, const Logger& log, ServerStats& stats) {
    Runtime runtime;
    Ring ring{runtime};
    Server server{ring, Fd{::dup(listen_fd)}, options, log, stats};
    serve(ring, server, stop_fd);
  }
};
using InProcessServer = testing::Server<RunServer>;

}  // namespace hs::ch07::test

// Each fixture the shared suites build needs io_uring: their test cases check first
// (tests/support/suite.hpp).
namespace hs::testing {
template <>
inline constexpr bool needs_io_uring<ch07::test::Session> = true;
template <>
inline constexpr bool needs_io_uring<ch07::test::VirtualSession> = true;
template <>
inline constexpr bool needs_io_uring<ch07::test::InProcessServer> = true;
}  // namespace hs::testing
