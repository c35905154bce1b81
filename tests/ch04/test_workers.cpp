// run_workers() (given code, given/ch04/workers.hpp): `--workers K`'s parent. Each test runs it in a
// child process of its own (a fresh process has one thread, as run_workers() wants), with workers
// whose serve() the test chooses, and reads what the parent logged and how it exited. A fork()
// that fails is made to happen: this file defines fork(), which the dynamic linker prefers to the C
// library's for the whole test program, and which fails on request (skipped under the sanitizers,
// which intercept fork() themselves). It uses none of this chapter's exercises, so it runs once,
// against the reference (GIVEN_TESTS in CMakeLists.txt).
#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "given/ch04/workers.hpp"
#include "hs/testing/raw_socket.hpp"
#include "hs/testing/sanitized.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// -1: every fork() works; n >= 0: n more work, then the next one fails (EAGAIN, as when the system
// has no process to give). Set in the process that calls run_workers(), never in the test's.
std::atomic<int> forks_before_failure{-1};

}  // namespace

#ifndef HS_SANITIZED
extern "C" pid_t fork() {
  using Real = pid_t (*)();
  static const auto real = reinterpret_cast<Real>(::dlsym(RTLD_NEXT, "fork"));
  int left = forks_before_failure.load();
  while (left >= 0 && !forks_before_failure.compare_exchange_weak(left, left - 1)) {
  }
  if (left == 0) {
    errno = EAGAIN;
    return -1;
  }
  return real();
}
#endif

namespace {

// Reads `fd` until end of stream or `deadline`; false if the deadline came first.
bool read_until_end(int fd, std::string& out, Clock::time_point deadline) {
  char buffer[512];
  while (Clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0))) <= 0) continue;
    const auto n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) return n == 0;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return false;
}

struct Run {
  int exit_status = -1;  ///< run_workers()'s return value (-1: the parent did not exit normally)
  std::string log;       ///< every line it logged, "level message"
  std::string ready;     ///< one byte per worker that reached serve()
  std::string out;       ///< what the parent and the workers printed on stdout
};

// A worker's serve(): `index` is its listener's place in run_workers()'s vector, `ready` the pipe
// to say "started" on.
using Serve = std::function<int(int index, int ready)>;

// What the test may do while run_workers() runs: signal `pid`, read `ready`, look for the
// listeners (their sockets' inode numbers) among a process's descriptors.
using Meanwhile = std::function<void(pid_t pid, int ready, const std::vector<ino_t>& listeners)>;

// Runs run_workers() with `count` loopback listeners in a child process; `meanwhile` runs in the
// test while it does. Before the call the process prints "before the workers" without flushing;
// every worker prints "worker I" the same way, and first checks that it holds its own listener and
// none of the others' (exit 42 if not) and that it got the caller's signal mask (exit 43 if not),
// then closes its listener (it never accepts). After the call, the process checks that its signal
// mask is its own again (exit 44 if not). `forks_allowed`: that many fork() calls of run_workers()
// work, and the next one fails (-1: all work).
Run run_workers_in_child(
    int count, const Serve& serve, const Meanwhile& meanwhile = [](pid_t, int, const auto&) {},
    int forks_allowed = -1) {
  std::vector<hs::Fd> listeners;
  std::vector<ino_t> inodes;
  for (int i = 0; i < count; ++i) {
    listeners.push_back(hs::listen_tcp("127.0.0.1", 0));
    struct stat about {};
    REQUIRE(::fstat(listeners.back().get(), &about) == 0);
    inodes.push_back(about.st_ino);
  }
  int log_pipe[2], ready_pipe[2], out_pipe[2];
  REQUIRE(::pipe(log_pipe) == 0);
  REQUIRE(::pipe(ready_pipe) == 0);
  REQUIRE(::pipe(out_pipe) == 0);
  std::fflush(nullptr);  // the test's own output stays the test's
  const pid_t parent = ::fork();
  REQUIRE(parent >= 0);
  if (parent == 0) {
    // Catch2's handlers would report a stop signal or a crash here as a failure of this test
    // (and print a second report): this process and its workers get the default actions back.
    for (const int signal : {SIGINT, SIGTERM, SIGABRT, SIGSEGV, SIGILL, SIGFPE}) std::signal(signal, SIG_DFL);
    ::close(log_pipe[0]);
    ::close(ready_pipe[0]);
    ::close(out_pipe[0]);
    ::dup2(out_pipe[1], STDOUT_FILENO);
    ::close(out_pipe[1]);
    const int log_fd = log_pipe[1];
    const hs::Logger log{false, [log_fd](std::string_view level, std::string_view message) {
                           const std::string line = fmt::format("{} {}\n", level, message);
                           [[maybe_unused]] const auto n = ::write(log_fd, line.data(), line.size());
                         }};
    std::vector<int> numbers;
    for (const auto& listener : listeners) numbers.push_back(listener.get());
    // As hs-ch04-server does, the stop signals stay blocked until a worker's server takes them
    // (here: serve_until_stopped()'s sigwait()), so that none is lost, or kills a worker that is
    // still starting.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &stop, nullptr);
    const int ready = ready_pipe[1];
    forks_before_failure = forks_allowed;
    sigset_t callers;
    ::pthread_sigmask(SIG_BLOCK, nullptr, &callers);
    std::fputs("before the workers\n", stdout);
    const int status = hs::ch04::run_workers(
        std::move(listeners),
        [&](hs::Fd mine) {
          ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the parent, whatever the test does
          int open = 0, index = -1;
          for (int i = 0; i < count; ++i) {
            if (::fcntl(numbers[i], F_GETFD) != -1) ++open;
            if (numbers[i] == mine.get()) index = i;
          }
          if (open != 1 || index < 0 || ::fcntl(mine.get(), F_GETFD) == -1) return 42;
          sigset_t mask;
          ::pthread_sigmask(SIG_BLOCK, nullptr, &mask);
          for (const int signal : {SIGINT, SIGTERM, SIGCHLD}) {
            if (sigismember(&mask, signal) != sigismember(&callers, signal)) return 43;
          }
          mine = hs::Fd{};
          fmt::print("worker {}\n", index);
          return serve(index, ready);
        },
        log);
    sigset_t after;  // run_workers() gives the caller its signal mask back (exit 44 if not)
    ::pthread_sigmask(SIG_BLOCK, nullptr, &after);
    for (const int signal : {SIGINT, SIGTERM, SIGCHLD}) {
      if (sigismember(&after, signal) != sigismember(&callers, signal)) std::_Exit(44);
    }
    std::_Exit(status);
  }
  ::close(log_pipe[1]);
  ::close(ready_pipe[1]);
  ::close(out_pipe[1]);
  listeners.clear();  // the child has them
  meanwhile(parent, ready_pipe[0], inodes);
  Run run;
  // The log pipe ends when the parent and every worker (which inherit it) have exited.
  const bool ended = read_until_end(log_pipe[0], run.log, Clock::now() + hs::testing::generous);
  if (!ended) ::kill(parent, SIGKILL);  // its workers follow it (PR_SET_PDEATHSIG)
  read_until_end(ready_pipe[0], run.ready, Clock::now() + std::chrono::seconds{1});
  read_until_end(out_pipe[0], run.out, Clock::now() + std::chrono::seconds{1});
  int status = 0;
  ::waitpid(parent, &status, 0);
  ::close(log_pipe[0]);
  ::close(ready_pipe[0]);
  ::close(out_pipe[0]);
  CHECK(ended);
  if (WIFEXITED(status)) run.exit_status = WEXITSTATUS(status);
  return run;
}

// How many of the sockets `inodes` process `pid` holds (Linux: /proc/PID/fd/N -> "socket:[INODE]").
int holds(pid_t pid, const std::vector<ino_t>& inodes) {
  int held = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator{fmt::format("/proc/{}/fd", pid), error}) {
    const std::string target = std::filesystem::read_symlink(entry.path(), error).string();
    for (const ino_t inode : inodes) held += target == fmt::format("socket:[{}]", inode) ? 1 : 0;
  }
  return held;
}

// A worker that says it started, then serves until SIGINT or SIGTERM and exits 0 (as a worker
// drains and exits 0 on a stop signal).
int serve_until_stopped(int index, int ready) {
  sigset_t stop;  // (blocked since before the fork)
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  const char digit = static_cast<char>('0' + index);
  [[maybe_unused]] const auto n = ::write(ready, &digit, 1);
  int signal = 0;
  ::sigwait(&stop, &signal);
  return 0;
}

// Waits until `count` workers have said they started (each is waiting for its stop signal then);
// returns their indexes, in order.
std::string wait_started(int ready, int count) {
  std::string started;
  const auto deadline = Clock::now() + hs::testing::generous;
  char c;
  while (static_cast<int>(started.size()) < count && Clock::now() < deadline) {
    pollfd p{ready, POLLIN, 0};
    if (::poll(&p, 1, 100) > 0 && ::read(ready, &c, 1) == 1) started += c;
  }
  REQUIRE(static_cast<int>(started.size()) == count);
  std::sort(started.begin(), started.end());
  return started;
}

}  // namespace

TEST_CASE("run_workers: each worker serves its own listener and SIGTERM or SIGINT to the parent stops them all",
          "[given]") {
  for (const int signal : {SIGTERM, SIGINT}) {
    INFO("signal " << signal);
    std::string started;
    const Run run = run_workers_in_child(3, serve_until_stopped, [&](pid_t parent, int ready, const auto& listeners) {
      started = wait_started(ready, 3);
      // The workers have them (each its own, then closed): the parent holds none, once it has
      // forked the last worker (a worker may say it started before the parent gets there).
      const auto deadline = Clock::now() + hs::testing::generous;
      while (holds(parent, listeners) != 0 && Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds{1});  // polling a state, not synchronising
      }
      CHECK(holds(parent, listeners) == 0);
      ::kill(parent, signal);
    });
    CHECK(started == "012");  // (a worker holding another's listener, or none, exits 42)
    INFO(run.log);
    CHECK(run.exit_status == 0);  // every worker exited 0
    CHECK(run.log == fmt::format("info {}: stopping 3 worker(s)\n", ::sigdescr_np(signal)));
    // Printed once each: the caller's unflushed line is not copied into the workers, and what a
    // worker printed is not lost when it ends.
    std::string out = run.out;
    CHECK(out.find("before the workers\n") == 0);
    CHECK(out.find("before the workers\n", 1) == std::string::npos);
    for (const char* line : {"worker 0\n", "worker 1\n", "worker 2\n"}) {
      INFO(out);
      CHECK(out.find(line) != std::string::npos);
    }
    CHECK(out.size() == std::string{"before the workers\n"}.size() + 3 * std::string{"worker 0\n"}.size());
  }
}

TEST_CASE("run_workers: a worker that ends on its own stops the others and the parent exits 1", "[given]") {
  // Worker 0 ends at once; the others serve until the parent stops them. The port is only partly
  // served then: the parent stops the rest and exits 1, even if the worker that ended said 0.
  SECTION("with status 0") {
    const Run run = run_workers_in_child(
        3, [](int index, int ready) { return index == 0 ? 0 : serve_until_stopped(index, ready); });
    INFO(run.log);
    CHECK(run.exit_status == 1);
    CHECK(run.log.empty());  // status 0 is no error; the early end is what the exit status says
  }
  SECTION("with a status") {
    const Run run = run_workers_in_child(
        3, [](int index, int ready) { return index == 0 ? 7 : serve_until_stopped(index, ready); });
    INFO(run.log);
    CHECK(run.exit_status == 1);
    CHECK(run.log.find("error worker ") == 0);
    CHECK(run.log.find(" exited with status 7\n") != std::string::npos);
    CHECK(run.log.find("stopping") == std::string::npos);  // not asked to stop: nothing said so
  }
  SECTION("killed by a signal") {
    const Run run = run_workers_in_child(3, [](int index, int ready) {
      if (index == 0) ::raise(SIGKILL);
      return serve_until_stopped(index, ready);
    });
    INFO(run.log);
    CHECK(run.exit_status == 1);
    CHECK(run.log.find(" was killed by signal 9\n") != std::string::npos);
  }
}

TEST_CASE("run_workers: a worker that fails while stopping makes the parent exit 1 and says which", "[given]") {
  const Run run = run_workers_in_child(
      2,
      [](int index, int ready) {
        serve_until_stopped(index, ready);
        return index == 1 ? 3 : 0;
      },
      [](pid_t parent, int ready, const auto&) {
        wait_started(ready, 2);
        ::kill(parent, SIGTERM);
      });
  INFO(run.log);
  CHECK(run.exit_status == 1);
  CHECK(run.log.find(" exited with status 3\n") != std::string::npos);
  CHECK(run.log.find("error worker ") != std::string::npos);
}

#ifndef HS_SANITIZED
TEST_CASE("run_workers: when a fork fails it says so and stops the workers already started and exits 1", "[given]") {
  std::string started;
  const Run run = run_workers_in_child(
      3, serve_until_stopped, [&](pid_t, int ready, const auto&) { started = wait_started(ready, 2); }, 2);
  CHECK(started == "01");
  INFO(run.log);
  CHECK(run.exit_status == 1);
  CHECK(run.log == "error fork failed: Resource temporarily unavailable\n");  // and the two exited 0
}
#else
TEST_CASE("run_workers: when a fork fails (skipped under the sanitizers as they intercept fork)", "[given]") {
  WARN("skipped: a sanitizer intercepts fork(), so this test cannot replace it");
}
#endif
