// Child processes for tests (see hs/testing/child_process.hpp): posix_spawn, a stdout pipe read
// with poll() deadlines, and stderr captured in a memfd.
#include "hs/testing/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <mutex>
#include <set>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>

#include <fmt/format.h>

extern char** environ;

namespace hs::testing {
namespace {

using Clock = std::chrono::steady_clock;

// The children not yet reaped, for kill_child_processes(): a test stopped at its deadline ends
// with _exit(), which runs no destructor, and a server it started must not outlive it.
std::mutex living_mutex;
std::set<pid_t> living;

void remember(pid_t pid) {
  const std::lock_guard lock{living_mutex};
  living.insert(pid);
}

// waitpid() that also forgets a child it reaps, under the lock: kill_child_processes() never
// signals a process id that was reaped and may be another process's by now.
pid_t reap(pid_t pid, int* raw, int options) {
  const std::lock_guard lock{living_mutex};
  const pid_t done = ::waitpid(pid, raw, options);
  if (done == pid) living.erase(pid);
  return done;
}

std::string self_path() {
  char buffer[PATH_MAX] = {};
  const auto n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (n <= 0) throw std::runtime_error("test support: cannot read /proc/self/exe");
  return {buffer, static_cast<std::size_t>(n)};
}

}  // namespace

std::string program_path(std::string_view name) {
  const std::string self = self_path();
  const auto slash = self.rfind('/');
  const std::string dir = self.substr(0, slash + 1);
  const bool reference = self.substr(slash + 1).ends_with("-ref-tests");
  std::string path = dir + std::string{name} + (reference ? "-ref" : "");
  if (::access(path.c_str(), X_OK) != 0) {
    throw std::runtime_error(fmt::format("test support: {} is not built (build the chapter's target first)", path));
  }
  return path;
}

ChildProcess::ChildProcess(const std::string& program, const std::vector<std::string>& args) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("test support: pipe2 failed");
  stdout_ = out[0];
  stderr_ = ::memfd_create("child-stderr", MFD_CLOEXEC);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, stderr_, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  // The child starts with no signals blocked, whatever this test process blocks.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);

  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const int rc = ::posix_spawn(&pid_, program.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(out[1]);
  if (rc != 0) {
    throw std::runtime_error(
        fmt::format("test support: cannot start {}: {}", program, std::generic_category().message(rc)));
  }
  remember(pid_);
}

void kill_child_processes() {
  const std::lock_guard lock{living_mutex};
  for (const pid_t pid : living) ::kill(pid, SIGKILL);
}

ChildProcess::~ChildProcess() {
  if (!status_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    reap(pid_, nullptr, 0);
  }
  ::close(stdout_);
  ::close(stderr_);
}

std::string ChildProcess::read_line(Duration timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd p{stdout_, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) break;
    char chunk[4096];
    const auto n = ::read(stdout_, chunk, sizeof chunk);
    if (n <= 0) break;  // the child closed stdout (or exited)
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
  return std::exchange(buffer_, {});
}

void ChildProcess::signal(int signal) {
  if (!status_) ::kill(pid_, signal);
}

std::optional<int> ChildProcess::wait(Duration timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!status_) {
    int raw = 0;
    const pid_t done = reap(pid_, &raw, WNOHANG);
    if (done == pid_) {
      status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
    } else if (Clock::now() >= deadline) {
      return std::nullopt;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds{5});  // polling a child's exit, not synchronising
    }
  }
  return status_;
}

std::string ChildProcess::rest_of_stdout() {
  std::string text = std::exchange(buffer_, {});
  while (true) {
    pollfd p{stdout_, POLLIN, 0};
    if (::poll(&p, 1, status_ ? 1000 : 0) <= 0) break;
    char chunk[4096];
    const auto n = ::read(stdout_, chunk, sizeof chunk);
    if (n <= 0) break;
    text.append(chunk, static_cast<std::size_t>(n));
  }
  return text;
}

std::string ChildProcess::stderr_text() const {
  std::string text;
  char chunk[4096];
  off_t offset = 0;
  while (true) {
    const auto n = ::pread(stderr_, chunk, sizeof chunk, offset);
    if (n <= 0) break;
    text.append(chunk, static_cast<std::size_t>(n));
    offset += n;
  }
  return text;
}

std::uint16_t port_from_listening_line(std::string_view line) {
  constexpr std::string_view prefix{"listening on "};
  const auto colon = line.rfind(':');
  if (!line.starts_with(prefix) || colon == std::string_view::npos) {
    throw std::runtime_error(fmt::format("expected 'listening on ADDR:PORT' as the first line, got '{}'", line));
  }
  return static_cast<std::uint16_t>(std::stoul(std::string{line.substr(colon + 1)}));
}

}  // namespace hs::testing
