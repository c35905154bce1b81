// Fixtures for the chapter 06 tests. Two ways to run the code under test:
//   - on a Runtime with the real clock, in a background thread of the test, on one side of a real
//     loopback TCP connection (the behaviour suites every chapter runs);
//   - on a Simulation (exercise 6.5), or a Runtime on a VirtualClock moved by hand, on the test's
//     own thread, over a socketpair, with virtual time: what every deadline test of this chapter
//     uses, so none of them sleeps.
// An exception the code under test throws (an untouched stub, say) is never lost: the session
// fixture rethrows it from result(), and the server fixture reports it when the test ends.
#pragma once

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <exception>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <catch2/catch.hpp>

#include "../support/event_loop_behaviour.hpp"
#include "../support/fixtures.hpp"
#include "../support/virtual_time_behaviour.hpp"
#include "ch06/runtime.hpp"
#include "ch06/server.hpp"
#include "ch06/session.hpp"
#include "ch06/simulation.hpp"
#include "ch06/task.hpp"
#include "given/ch06/serve.hpp"
#include "hs/net.hpp"

namespace hs::ch06::test {

using namespace hs::testing::prelude;
using behaviour::machine_timeout;

/// `fd` made non-blocking, as the runtime needs its descriptors.
inline Fd non_blocking(Fd fd) {
  ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) | O_NONBLOCK);
  return fd;
}

/// Two connected stream sockets (AF_UNIX): what the code under test holds, and the test's end, a
/// RawSocket. A byte written on one is readable on the other as soon as write() returns, so a
/// test on one thread sees the same thing every run.
struct LocalPair {
  Fd code;         ///< non-blocking: for the runtime
  RawSocket test;  ///< the test's end

  static LocalPair make() {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    return {non_blocking(Fd{fds[0]}), RawSocket{fds[1]}};
  }
};

/// How a spawned task ended, as the test sees it.
template <typename T>
struct Outcome {
  bool done = false;          ///< on_done was called
  std::exception_ptr thrown;  ///< what it threw
  std::optional<T> value;     ///< what it returned
};

/// Spawns `task` and records its end in `outcome` (which must outlive it).
inline void spawn_into(Task<void> task, Outcome<std::monostate>& outcome) {
  spawn(std::move(task), [&outcome](std::exception_ptr thrown) {
    outcome.done = true;
    outcome.thrown = thrown;
    if (!thrown) outcome.value.emplace();
  });
}
template <typename T>
void spawn_into(Task<T> task, Outcome<T>& outcome) {
  spawn(std::move(task), [&outcome](std::exception_ptr thrown, T value) {
    outcome.done = true;
    outcome.thrown = thrown;
    if (!thrown) outcome.value = std::move(value);
  });
}

/// session() on the server's end of a loopback connection, on a Runtime (real clock) in a
/// background thread. The fixture tests/support/session_behaviour.hpp expects.
class RunSession {
 public:
  using Options = SessionOptions;
  RunSession(Fd fd, SessionOptions options)
      : result_{std::async(std::launch::async, [fd = non_blocking(std::move(fd)), options]() mutable {
          Fd owned = std::move(fd);  // closed here even if what follows throws: the client's reads end at once
          Runtime runtime;
          Outcome<SessionResult> outcome;
          spawn_into(session(runtime, std::move(owned), options), outcome);
          runtime.run();  // returns once the session has ended
          if (outcome.thrown) std::rethrow_exception(outcome.thrown);
          return std::move(outcome.value).value_or(SessionResult{});
        })} {}
  SessionResult result() { return result_.get(); }

 private:
  std::future<SessionResult> result_;
};
using Session = testing::Session<RunSession>;

/// session() on the test's own thread, over a socketpair, on a runtime whose clock is a
/// VirtualClock: the fixture tests/support/virtual_time_behaviour.hpp expects. `Loop` is what runs
/// the session, made from the clock: `start(fd, options, outcome)` spawns it, `poll()` runs what can
/// run without time moving (chapter 06: a Runtime; chapter 07: a Ring beside one).
template <typename Loop>
class OnVirtualTime {
 public:
  using Options = SessionOptions;
  explicit OnVirtualTime(SessionOptions options) {
    auto pair = LocalPair::make();
    client = std::move(pair.test);
    loop_.start(std::move(pair.code), options, outcome_);
    run();
  }
  /// The client goes, and the session runs to its end (a runtime destroyed with a task still
  /// suspended would leak its frame). What an unfinished exercise throws here is dropped: a
  /// destructor must not throw, and the test has failed already.
  ~OnVirtualTime() {
    try {
      client.close();
      jump(std::chrono::hours{24});  // longer than any deadline of these tests
    } catch (...) {
    }
  }
  OnVirtualTime(const OnVirtualTime&) = delete;
  OnVirtualTime& operator=(const OnVirtualTime&) = delete;

  /// Sends `bytes` as the client, and lets the session react.
  void send(std::string_view bytes) {
    client.send(bytes);
    run();
  }
  /// Moves the clock `by` later in one step, and lets the session react.
  void jump(Duration by) {
    clock_.set(clock_.now() + by);
    run();
  }
  /// What the session has written so far (without waiting).
  std::string received() { return client.read_all(std::chrono::milliseconds{0}); }

  RawSocket client{-1};  ///< the test's end

 private:
  /// Runs what can run; rethrows what the session threw.
  void run() {
    loop_.poll();
    if (outcome_.thrown) std::rethrow_exception(outcome_.thrown);
  }

  VirtualClock clock_;              ///< moved only by jump()
  Outcome<SessionResult> outcome_;  ///< how the session ended, once it has (outlives the loop)
  Loop loop_{clock_};               ///< on clock_
};

/// Chapter 06's loop for OnVirtualTime: the Runtime alone.
struct RuntimeLoop {
  explicit RuntimeLoop(const Clock& clock) : runtime{clock} {}
  void start(Fd fd, SessionOptions options, Outcome<SessionResult>& outcome) {
    spawn_into(session(runtime, std::move(fd), options), outcome);
  }
  void poll() { runtime.poll(); }

  Runtime runtime;
};
using VirtualSession = OnVirtualTime<RuntimeLoop>;

/// The Server of exercise 6.4 on a Runtime in a background thread, listening on a loopback port
/// picked by the OS; see hs/testing/in_process_server.hpp. The test's stop request reaches it the
/// way SIGTERM reaches hs-ch06-server: through a descriptor the runtime watches. The fixture
/// tests/support/server_behaviour.hpp expects.
class InProcessServer : public testing::InProcessServer<ServerStats> {
 public:
  explicit InProcessServer(ServerOptions options = {})
      : testing::InProcessServer<ServerStats>{
            [options](int listen_fd, int stop_fd, const Logger& log, ServerStats& stats) {
              Runtime runtime;
              Server server{runtime, Fd{::dup(listen_fd)}, options, log, stats};
              serve(runtime, server, stop_fd);
            }} {}
  /// The server-behaviour suite's: the pause after EMFILE & co., the rest as by default.
  explicit InProcessServer(std::chrono::milliseconds accept_backoff)
      : InProcessServer{ServerOptions{{}, accept_backoff}} {}
  /// The event-loop suite's: each session's timeouts and work.
  explicit InProcessServer(behaviour::SessionTimes t)
      : InProcessServer{ServerOptions{{t.read_timeout, t.handshake_timeout, t.work}}} {}
  /// What it counted so far.
  behaviour::Counts counts() { return behaviour::counts_of(stats()); }
};

/// The hs-ch06-server program (or its -ref twin, in the reference tests) on port 0.
inline constexpr char server_program[] = "hs-ch06-server";
using ServerProgram = testing::Program<server_program>;

}  // namespace hs::ch06::test
