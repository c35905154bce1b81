// Exercise 6.2: the run queue, the epoll reactor and the run loop. Every test runs on the test's
// own thread, over socketpairs: poll() runs what is ready without waiting, so each check sees the
// same thing every run.
#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fixtures.hpp"
#include "hs/testing/sanitized.hpp"

using namespace hs::ch06;
using namespace hs::ch06::test;

namespace {

/// A task that reads whatever arrives on `io` until the end of the stream, waiting for readiness
/// whenever the kernel has nothing: the shape of every reader on a readiness runtime.
Task<std::string> read_to_end(Runtime& runtime, WatchedFd& io, int& waits) {
  std::string got;
  for (;;) {
    std::array<char, 16> buffer;
    const Transfer t = io.read_some(buffer);
    if (t.would_block()) {
      ++waits;
      const Wake wake = co_await runtime.readable(io);
      if (wake != Wake::ready) co_return got + "<cancelled>";
      continue;
    }
    if (t.error != 0) co_return got + "<error>";
    if (t.bytes == 0) co_return got;
    got.append(buffer.data(), t.bytes);
  }
}

}  // namespace

TEST_CASE("readable(): a task waits until bytes arrive and reads only then", "[ex6.2]") {
  Runtime runtime;
  auto pair = LocalPair::make();
  WatchedFd io{std::move(pair.code)};
  runtime.watch(io);
  int waits = 0;
  Outcome<std::string> outcome;
  spawn_into(read_to_end(runtime, io, waits), outcome);
  CHECK(waits == 1);  // nothing there yet: it waits (and spawn() returned)
  runtime.poll();
  CHECK(waits == 1);  // nothing happened: it is still waiting, not spinning
  CHECK_FALSE(outcome.done);
  CHECK_FALSE(runtime.finished());  // a task waits for I/O: run() would not return

  pair.test.send("HELLO");
  runtime.poll();
  CHECK(waits == 2);  // woken once, read the 5 bytes, then EAGAIN again
  pair.test.send(" 1\n");
  pair.test.shutdown_write();
  runtime.poll();
  REQUIRE(outcome.done);
  CHECK(outcome.value == "HELLO 1\n");
  CHECK(runtime.finished());
}

TEST_CASE("readiness is not lost: bytes that arrive while the task is not waiting are still read", "[ex6.2]") {
  // Edge-triggered epoll reports a change once. The runtime remembers it on the WatchedFd, so a task that
  // was busy when it came (here: not yet waiting) does not then wait forever.
  Runtime runtime;
  auto pair = LocalPair::make();
  WatchedFd io{std::move(pair.code)};
  runtime.watch(io);
  pair.test.send("early\n");
  runtime.poll();  // the event is seen while nobody waits
  pair.test.shutdown_write();
  int waits = 0;
  Outcome<std::string> outcome;
  spawn_into(read_to_end(runtime, io, waits), outcome);
  runtime.poll();
  REQUIRE(outcome.done);
  CHECK(outcome.value == "early\n");
}

TEST_CASE("a hang-up or a reset wakes the reader and its next read says so", "[ex6.2]") {
  Runtime runtime;
  auto pair = LocalPair::make();
  WatchedFd io{std::move(pair.code)};
  runtime.watch(io);
  int waits = 0;
  Outcome<std::string> outcome;
  spawn_into(read_to_end(runtime, io, waits), outcome);
  SECTION("the peer closes: the end of the stream") {
    pair.test.close();
    runtime.poll();
    REQUIRE(outcome.done);
    CHECK(outcome.value == "");
  }
  SECTION("the peer resets (it closes with bytes unread): an error") {
    REQUIRE(::write(io.fd(), "unread", 6) == 6);  // in the test's receive queue, never read
    pair.test.close();
    runtime.poll();
    REQUIRE(outcome.done);
    CHECK(outcome.value == "<error>");
  }
}

TEST_CASE("writable(): a writer whose peer does not read waits and goes on once it does", "[ex6.2]") {
  Runtime runtime;
  auto pair = LocalPair::make();
  WatchedFd io{std::move(pair.code)};
  runtime.watch(io);
  std::size_t total = 0;
  int waits = 0;
  Outcome<std::monostate> outcome;
  auto writer = [](Runtime& r, WatchedFd& w, std::size_t& written, int& waited) -> Task<void> {
    const std::string chunk(4096, 'x');
    while (written < 4 * 1024 * 1024) {
      const Transfer t = w.write_some(chunk);
      if (t.would_block()) {
        ++waited;
        const Wake wake = co_await r.writable(w);
        if (wake != Wake::ready) co_return;
        continue;
      }
      REQUIRE(t.error == 0);
      written += t.bytes;
    }
  };
  spawn_into(writer(runtime, io, total, waits), outcome);
  CHECK(waits == 1);  // the socket buffer is full: it waits
  CHECK_FALSE(outcome.done);
  const std::size_t before = total;
  for (int round = 0; round < 100'000 && !outcome.done; ++round) {  // read, and let it write more
    pair.test.read_all(std::chrono::milliseconds{0});
    runtime.poll();
  }
  CHECK(outcome.done);
  CHECK(total > before);
  CHECK(waits > 1);
}

TEST_CASE("cancel(): a task waiting on a descriptor wakes with Wake::cancelled", "[ex6.2]") {
  Runtime runtime;
  auto pair = LocalPair::make();
  WatchedFd io{std::move(pair.code)};
  runtime.watch(io);
  int waits = 0;
  Outcome<std::string> outcome;
  spawn_into(read_to_end(runtime, io, waits), outcome);
  runtime.cancel(io);
  CHECK_FALSE(outcome.done);  // woken, not run: it runs in the next turn
  runtime.cancel(io);         // nobody waits any more: nothing happens
  runtime.run();              // and run() returns: nothing is left
  REQUIRE(outcome.done);
  CHECK(outcome.value == "<cancelled>");
  pair.test.send("late");  // an event after the wait ended wakes nobody
  runtime.poll();
  CHECK(runtime.finished());
}

TEST_CASE("a turn runs the tasks ready then I/O then timers and run() returns when nothing is left", "[ex6.2]") {
  Runtime runtime;
  auto pair = LocalPair::make();
  WatchedFd io{std::move(pair.code)};
  runtime.watch(io);
  std::vector<std::string> trace;
  auto waits_for = [](Runtime& r, WatchedFd& i, std::vector<std::string>& t) -> Task<void> {
    const Wake wake = co_await r.readable(i);
    t.push_back(wake == Wake::ready ? "io" : "io cancelled");
  };
  auto yields = [](Runtime& r, std::vector<std::string>& t, std::string name) -> Task<void> {
    co_await r.next_turn();  // back to the run queue: the next turn resumes it
    t.push_back(name);
  };
  spawn(waits_for(runtime, io, trace), [](std::exception_ptr) {});
  pair.test.send("x");  // I/O is ready before the next turn starts...
  spawn(yields(runtime, trace, "first"), [](std::exception_ptr) {});
  spawn(yields(runtime, trace, "second"), [](std::exception_ptr) {});
  CHECK(runtime.turn(MayBlock::no));  // ...but the ready tasks run first, in order; I/O wakes its task
  CHECK(trace == std::vector<std::string>{"first", "second"});
  CHECK(runtime.turn(MayBlock::no));  // which runs in the next turn
  CHECK(trace == std::vector<std::string>{"first", "second", "io"});
  CHECK_FALSE(runtime.turn(MayBlock::no));  // nothing to do
  CHECK(runtime.finished());
  runtime.run();  // returns at once
}

TEST_CASE("500 connections on one runtime: each task is woken by its own descriptor once", "[ex6.2]") {
  constexpr int count = 500;
  Runtime runtime;
  std::vector<LocalPair> pairs;
  std::vector<std::unique_ptr<WatchedFd>> ios;
  std::vector<int> waits(count, 0);
  std::vector<Outcome<std::string>> outcomes(count);
  for (int i = 0; i < count; ++i) {
    pairs.push_back(LocalPair::make());
    ios.push_back(std::make_unique<WatchedFd>(std::move(pairs.back().code)));
    runtime.watch(*ios.back());
    spawn_into(read_to_end(runtime, *ios.back(), waits[i]), outcomes[i]);
  }
  for (int i = count - 1; i >= 0; i -= 2) {  // every other one, backwards
    pairs[i].test.send(std::to_string(i));
    pairs[i].test.shutdown_write();
  }
  runtime.poll();
  int right = 0;
  for (int i = 0; i < count; ++i) {
    if (i % 2 == 1) right += outcomes[i].done && outcomes[i].value == std::to_string(i) && waits[i] == 1;
    if (i % 2 == 0) right += !outcomes[i].done && waits[i] == 1;
  }
  CHECK(right == count);
  for (auto& io : ios) runtime.cancel(*io);
  runtime.run();
}

TEST_CASE("an exception that escapes a task leaves run() and the tasks after it run at the next run()", "[ex6.2]") {
  Runtime runtime;
  std::vector<std::string> trace;
  auto step = [](Runtime& r, std::vector<std::string>& t, std::string name) -> Task<void> {
    co_await r.next_turn();
    t.push_back(name);
  };
  {
#if HS_LEAK_CHECKED
    // The wrapper whose on_done throws keeps its frame (see test_task.cpp): on purpose.
    __lsan::ScopedDisabler leak_on_purpose;
#endif
    spawn(step(runtime, trace, "first"), [](std::exception_ptr) { throw std::runtime_error{"on_done failed"}; });
  }
  spawn(step(runtime, trace, "second"), [](std::exception_ptr) {});
  spawn(step(runtime, trace, "third"), [](std::exception_ptr) {});
  CHECK_THROWS_WITH(runtime.run(), "on_done failed");
  CHECK(trace == std::vector<std::string>{"first"});
  runtime.run();  // the two left are still queued, in order, and nothing runs twice
  CHECK(trace == std::vector<std::string>{"first", "second", "third"});
  CHECK(runtime.finished());
}

TEST_CASE("write_some() of nothing moves nothing and that is no error", "[ex6.2]") {
  Runtime runtime;
  auto pair = LocalPair::make();
  WatchedFd io{std::move(pair.code)};
  runtime.watch(io);
  errno = EAGAIN;  // left over from an earlier call: send() leaves errno alone when it succeeds
  const Transfer t = io.write_some({});
  CHECK(t.bytes == 0);
  CHECK(t.error == 0);
  CHECK_FALSE(t.would_block());
}

namespace {

int interrupt_fd = -1;  // where the signal handler below writes

/// Whether thread `tid` of this process is blocked in epoll_wait() now: the number of the system
/// call it is blocked in is the first word of /proc/self/task/<tid>/syscall ("running" if none).
bool in_epoll_wait(pid_t tid) {
  std::ifstream in{"/proc/self/task/" + std::to_string(tid) + "/syscall"};
  long number = -1;
  if (!(in >> number)) return false;
#ifdef SYS_epoll_wait
  if (number == SYS_epoll_wait) return true;
#endif
  return number == SYS_epoll_pwait;
}

}  // namespace

TEST_CASE("a signal that interrupts epoll_wait() is not an error: run() goes on", "[ex6.2]") {
  // A signal handler runs on the runtime's thread while it waits in epoll_wait(), which then fails
  // with EINTR. The handler writes to the pipe a task waits on: run() must go on and wake it.
  int fds[2];
  REQUIRE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
  hs::Fd read_end{fds[0]}, write_end{fds[1]};
  Runtime runtime;
  WatchedFd io{std::move(read_end)};
  runtime.watch(io);
  Outcome<Wake> outcome;
  spawn_into([](Runtime& r, WatchedFd& i) -> Task<Wake> { co_return co_await r.readable(i); }(runtime, io), outcome);

  interrupt_fd = write_end.get();
  struct sigaction action {};
  action.sa_handler = [](int) {
    const char byte = 'x';
    [[maybe_unused]] const auto written = ::write(interrupt_fd, &byte, 1);
  };
  ::sigemptyset(&action.sa_mask);
  struct sigaction previous {};
  REQUIRE(::sigaction(SIGUSR1, &action, &previous) == 0);

  const pid_t runner = static_cast<pid_t>(::syscall(SYS_gettid));
  const pthread_t runner_thread = ::pthread_self();
  std::thread interrupter{[runner, runner_thread] {
    // Until the runtime's thread is blocked in epoll_wait() (nothing else wakes it: the pipe is
    // empty), then the signal. If /proc cannot say, the signal comes anyway, a little later.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds{10};
    while (!in_epoll_wait(runner) && std::chrono::steady_clock::now() < give_up) std::this_thread::yield();
    ::pthread_kill(runner_thread, SIGUSR1);
  }};
  CHECK_NOTHROW(runtime.run());
  interrupter.join();
  ::sigaction(SIGUSR1, &previous, nullptr);
  REQUIRE(outcome.done);
  CHECK(outcome.value == Wake::ready);
}
