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

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>

#include <fmt/format.h>

extern char** environ;

namespace hs::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Every ChildProcess not yet destroyed, for stop_child_processes(): a test stopped at its
// deadline ends with _exit(), which runs no destructor, and a server it started must not outlive
// it; what they said on stderr tells the learner what the test was waiting for.
struct Living {
  pid_t pid;
  std::string name;  // the program's file name
  int stderr_fd;     // the memfd holding its stderr, closed only after it leaves this list
  bool reaped;       // its process id may be another process's by now: never signal it
};
std::mutex living_mutex;
std::map<const ChildProcess*, Living> living;

void forget(const ChildProcess* child) {
  const std::lock_guard lock{living_mutex};
  living.erase(child);
}

// waitpid() that also marks the child it reaps, under the lock: stop_child_processes() never
// signals a process id that was reaped.
pid_t reap(const ChildProcess* child, pid_t pid, int* raw, int options) {
  const std::lock_guard lock{living_mutex};
  const pid_t done = ::waitpid(pid, raw, options);
  if (auto it = living.find(child); done == pid && it != living.end()) it->second.reaped = true;
  return done;
}

// Whether a child (not reaped yet) has exited: it is a zombie, or gone.
bool has_exited(pid_t pid) {
  std::ifstream stat{fmt::format("/proc/{}/stat", pid)};
  std::string line;
  if (!std::getline(stat, line)) return true;
  const auto paren = line.rfind(')');
  return paren == std::string::npos || line.compare(paren + 1, 3, " Z ") == 0;
}

// Everything written to a memfd.
std::string memfd_text(int fd) {
  std::string text;
  char chunk[4096];
  for (off_t offset = 0;;) {
    const auto n = ::pread(fd, chunk, sizeof chunk, offset);
    if (n <= 0) break;
    text.append(chunk, static_cast<std::size_t>(n));
    offset += n;
  }
  return text;
}

// The last `lines` lines of a text.
std::string tail_of(const std::string& text, std::size_t lines) {
  std::size_t start = text.size();
  for (std::size_t seen = 0; start > 0; --start) {
    if (text[start - 1] == '\n' && ++seen > lines) break;
  }
  return text.substr(start);
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
  int rc = 0;
  {
    // Started and listed at once, or not at all while stop_child_processes() runs: a child it
    // did not see would outlive the test.
    const std::lock_guard lock{living_mutex};
    rc = ::posix_spawn(&pid_, program.c_str(), &actions, &attr, argv.data(), environ);
    if (rc == 0) living[this] = {pid_, program.substr(program.rfind('/') + 1), stderr_, false};
  }
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(out[1]);
  if (rc != 0) {
    throw std::runtime_error(
        fmt::format("test support: cannot start {}: {}", program, std::generic_category().message(rc)));
  }
}

std::string stop_child_processes() {
  const std::lock_guard lock{living_mutex};
  // SIGTERM first, as a test would stop a server, so that what a server says as it stops (an
  // exercise not done yet, work it was waiting for) is in its stderr; SIGKILL what is left.
  const auto running = [] {
    return std::count_if(living.begin(), living.end(),
                         [](const auto& entry) { return !entry.second.reaped && !has_exited(entry.second.pid); });
  };
  for (const auto& [object, child] : living) {
    if (!child.reaped) ::kill(child.pid, SIGTERM);
  }
  for (const auto until = Clock::now() + std::chrono::seconds{2}; running() > 0 && Clock::now() < until;) {
    std::this_thread::sleep_for(std::chrono::milliseconds{10});  // a bounded grace, not synchronisation
  }
  std::string said;
  for (const auto& [object, child] : living) {
    if (!child.reaped) ::kill(child.pid, SIGKILL);
    const std::string text = tail_of(memfd_text(child.stderr_fd), 20);
    said += fmt::format("    {} (process {}) said on stderr{}\n", child.name, child.pid,
                        text.empty() ? ": nothing" : ", last lines:");
    std::size_t at = 0;
    while (at < text.size()) {  // each line indented under it
      const auto end = std::min(text.find('\n', at), text.size());
      said += fmt::format("      {}\n", std::string_view{text}.substr(at, end - at));
      at = end + 1;
    }
  }
  return said;
}

ChildProcess::~ChildProcess() {
  if (!status_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    reap(this, pid_, nullptr, 0);
  }
  forget(this);
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
    const pid_t done = reap(this, pid_, &raw, WNOHANG);
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

std::string ChildProcess::stderr_text() const { return memfd_text(stderr_); }

std::uint16_t port_from_listening_line(std::string_view line) {
  constexpr std::string_view prefix{"listening on "};
  const auto colon = line.rfind(':');
  if (!line.starts_with(prefix) || colon == std::string_view::npos) {
    throw std::runtime_error(fmt::format("expected 'listening on ADDR:PORT' as the first line, got '{}'", line));
  }
  return static_cast<std::uint16_t>(std::stoul(std::string{line.substr(colon + 1)}));
}

}  // namespace hs::testing
