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

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
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
#include "hs/testing/log_recorder.hpp"

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

/// A listening socket on 127.0.0.1, port chosen by the OS (written to `port`): for a Server the
/// test drives by hand.
inline Fd loopback_listener(std::uint16_t& port) {
  Fd listener = listen_tcp("127.0.0.1", 0);
  port = local_endpoint(listener.get()).port;
  return listener;
}

/// How a spawned task ended, as the test sees it.
template <typename T>
struct Outcome {
  bool done = false;          ///< on_done was called
  std::exception_ptr thrown;  ///< what it threw
  std::optional<T> value;     ///< what it returned
};

/// Rethrows `thrown`, if any: what a test does with what a task threw, and spawn()'s callback for
/// a task whose exception must end the loop's turn (and so run()).
inline void rethrow(std::exception_ptr thrown) {
  if (thrown) std::rethrow_exception(thrown);
}

/// Fails the test unless the task of `outcome` has ended; rethrows what it threw.
template <typename T>
void require_done(const Outcome<T>& outcome) {
  REQUIRE(outcome.done);
  rethrow(outcome.thrown);
}

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

/// What the fixtures below run session() and the Server on, made from a clock (the real one by
/// default): `engine()` is what they are built on, which has poll() (run what can run without
/// waiting) and run() (until nothing is left); `when_readable(fd, then)` calls `then()` on the loop
/// once `fd` is readable, as the chapter's program hears SIGTERM (a signalfd). Chapter 06's is the
/// Runtime alone (chapter 07's: a Ring beside one).
struct RuntimeLoop {
  using Server = ch06::Server;

  RuntimeLoop() = default;
  explicit RuntimeLoop(const Clock& clock) : runtime{clock} {}
  Runtime& engine() { return runtime; }
  void when_readable(int fd, std::function<void()> then) {
    watched.emplace(Fd{::dup(fd)});
    runtime.watch(*watched);
    spawn(
        [](Runtime& r, WatchedFd& io, std::function<void()> call) -> Task<void> {
          if (co_await r.readable(io) == Wake::ready) call();
        }(runtime, *watched, std::move(then)),
        rethrow);
  }

  Runtime runtime;
  std::optional<WatchedFd> watched;  ///< when_readable()'s descriptor, watched for the runtime's whole life
};

/// session() on the server's end of a loopback connection, on a `Loop` (real clock) in a
/// background thread: for the fixture tests/support/session_behaviour.hpp expects.
template <typename Loop>
class RunSession {
 public:
  using Options = SessionOptions;
  RunSession(Fd fd, SessionOptions options)
      : result_{std::async(std::launch::async, [fd = non_blocking(std::move(fd)), options]() mutable {
          Fd owned = std::move(fd);  // closed here even if what follows throws: the client's reads end at once
          Loop loop;
          Outcome<SessionResult> outcome;
          spawn_into(session(loop.engine(), std::move(owned), options), outcome);
          loop.engine().run();  // returns once the session has ended
          rethrow(outcome.thrown);
          return std::move(outcome.value).value_or(SessionResult{});
        })} {}
  SessionResult result() { return result_.get(); }

 private:
  std::future<SessionResult> result_;
};
using Session = testing::Session<RunSession<RuntimeLoop>>;

/// session() on the test's own thread, over a socketpair, on a `Loop` whose clock is a
/// VirtualClock: the fixture tests/support/virtual_time_behaviour.hpp expects.
template <typename Loop>
class OnVirtualTime {
 public:
  using Options = SessionOptions;
  explicit OnVirtualTime(SessionOptions options) {
    auto pair = LocalPair::make();
    client = std::move(pair.test);
    spawn_into(session(loop_.engine(), std::move(pair.code), options), outcome_);
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
    loop_.engine().poll();
    rethrow(outcome_.thrown);
  }

  VirtualClock clock_;              ///< moved only by jump()
  Outcome<SessionResult> outcome_;  ///< how the session ended, once it has (outlives the loop)
  Loop loop_{clock_};               ///< on clock_
};

using VirtualSession = OnVirtualTime<RuntimeLoop>;

/// The Server of exercise 6.4 on a Runtime, for the fixture tests/support/server_behaviour.hpp
/// expects. The test's stop request reaches it the way SIGTERM reaches hs-ch06-server: through a
/// descriptor the runtime watches.
struct RunServer {
  using Options = ServerOptions;
  using Stats = ServerStats;
  static void run(const ServerOptions& options, int listen_fd, int stop_fd, const Logger& log, ServerStats& stats) {
    Runtime runtime;
    Server server{runtime, Fd{::dup(listen_fd)}, options, log, stats};
    serve(runtime, server, stop_fd);
  }
};
using InProcessServer = testing::Server<RunServer>;

/// The hs-ch06-server program (or its -ref twin, in the reference tests) on port 0.
inline constexpr char server_program[] = "hs-ch06-server";
using ServerProgram = testing::Program<server_program>;

/// "stop: listen() returns at once, and the handshakes in progress finish before run() returns",
/// for the Server of `Loop` (chapter 06's on a Runtime, chapter 07's on a Ring) on a loop in a
/// thread of the test's, wired as its program wires it: listen(), and a stop request through a
/// descriptor that calls stop() (twice: a second SIGTERM does nothing). By hand rather than
/// through serve(), to see listen() return apart from the loop.
template <typename Loop>
void stop_lets_the_handshakes_in_progress_finish() {
  Loop loop;
  testing::LogRecorder recorded;
  const Logger log = recorded.logger();
  ServerStats stats;
  std::uint16_t port = 0;
  const auto times = behaviour::generous_times();
  typename Loop::Server server{loop.engine(), loopback_listener(port),
                               ServerOptions{{times.read_timeout, times.handshake_timeout}}, log, stats};
  EventFd stop_request;
  std::promise<void> listen_returned;
  std::future<void> listened = listen_returned.get_future();
  spawn(server.listen(), [&](std::exception_ptr thrown) {
    rethrow(thrown);
    listen_returned.set_value();
  });
  loop.when_readable(stop_request.fd(), [&] {
    server.stop();
    server.stop();  // a second SIGTERM: does nothing
  });
  std::atomic<bool> ran{false};
  std::thread running{[&] {
    loop.engine().run();
    ran = true;
  }};
  behaviour::handshakes_in_progress_finish_after_stop(
      port, stats, recorded, [&] { stop_request.notify(); }, listened, running, [&] { return ran.load(); });
}

}  // namespace hs::ch06::test
