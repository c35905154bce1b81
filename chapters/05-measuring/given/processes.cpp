// Worker processes and counters shared with them, for hs-load --procs (see hs/load/processes.hpp).
#include "given/ch05/processes.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <new>
#include <string_view>
#include <system_error>

#include <fmt/format.h>

namespace hs::load {
namespace {

[[noreturn]] void throw_errno(std::string_view what) {
  throw std::system_error(errno, std::generic_category(), std::string{what});
}

// Writes all of `text` to `fd`, blocking; false if the reader has gone.
bool write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const auto n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

[[noreturn]] void run_child(int index, int result_fd, const std::function<std::string(int)>& work) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // if the parent dies, do not load the server on our own
  int status = 0;
  try {
    status = write_all(result_fd, work(index)) ? 0 : 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "hs-load: worker {}: {}\n", index, e.what());
    status = 1;
  }
  ::_exit(status);  // not exit(): the parent's atexit handlers and stdio buffers are not ours
}

}  // namespace

SharedCounters::SharedCounters() {
  void* memory = ::mmap(nullptr, sizeof(LiveCounters), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) throw_errno("mmap for the shared counters");
  counters_ = new (memory) LiveCounters{};
}

SharedCounters::~SharedCounters() {
  counters_->~LiveCounters();
  ::munmap(counters_, sizeof(LiveCounters));
}

std::vector<WorkerProcess> start_workers(int count, const std::function<std::string(int)>& work) {
  std::vector<WorkerProcess> workers;
  try {
    for (int i = 0; i < count; ++i) {
      int pipe_fds[2];
      if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw_errno("pipe for a worker's result");
      const pid_t pid = ::fork();
      if (pid < 0) {
        ::close(pipe_fds[0]);
        ::close(pipe_fds[1]);
        throw_errno("fork a worker");
      }
      if (pid == 0) {
        ::close(pipe_fds[0]);
        for (const auto& earlier : workers) ::close(earlier.result_fd);
        run_child(i, pipe_fds[1], work);
      }
      ::close(pipe_fds[1]);
      workers.push_back({pid, pipe_fds[0]});
    }
  } catch (...) {
    for (const auto& w : workers) {
      ::kill(w.pid, SIGKILL);
      wait_for(w);
      ::close(w.result_fd);
    }
    throw;
  }
  return workers;
}

int wait_for(const WorkerProcess& worker) {
  int status = 0;
  while (::waitpid(worker.pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

}  // namespace hs::load
