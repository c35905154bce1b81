// Scale-out past one process (given): see workers.hpp.
#include "given/ch04/workers.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <system_error>
#include <utility>

namespace hs::ch04 {

int run_workers(std::vector<Fd> listeners, const std::function<int(Fd)>& serve, const Logger& log) {
  // Block the signals we wait for before forking: none can slip between fork() and sigwaitinfo().
  sigset_t waited, previous;
  sigemptyset(&waited);
  for (int signal : {SIGINT, SIGTERM, SIGCHLD}) sigaddset(&waited, signal);
  ::pthread_sigmask(SIG_BLOCK, &waited, &previous);

  // Nothing buffered may be copied into the workers: each would print it again.
  std::fflush(nullptr);
  const std::size_t wanted = listeners.size();
  std::vector<pid_t> workers;  // 0 once reaped: never signal a pid that may have been reused
  auto signal_all = [&workers](int signal) {
    for (pid_t pid : workers) {
      if (pid > 0) ::kill(pid, signal);
    }
  };
  for (std::size_t i = 0; i < wanted; ++i) {
    const pid_t pid = ::fork();
    if (pid < 0) {
      log.error("fork failed: {}", std::generic_category().message(errno));
      break;
    }
    if (pid == 0) {  // the worker: keep its own socket, give back the signal mask, serve
      Fd mine = std::move(listeners[i]);
      listeners.clear();
      ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
      const int status = serve(std::move(mine));
      std::fflush(nullptr);  // what the worker printed: _Exit() flushes nothing
      std::_Exit(status);    // and runs no atexit handlers: they belong to the parent
    }
    workers.push_back(pid);
  }
  listeners.clear();  // the workers have them now

  bool stopping = workers.size() < wanted;  // a fork failed: stop those that started
  bool all_ok = !stopping;
  if (stopping) signal_all(SIGTERM);
  std::size_t running = workers.size();
  while (running > 0) {
    siginfo_t info{};
    if (::sigwaitinfo(&waited, &info) < 0) continue;  // EINTR
    if (info.si_signo == SIGINT || info.si_signo == SIGTERM) {
      if (!stopping) log.info("{}: stopping {} worker(s)", ::sigdescr_np(info.si_signo), running);
      stopping = true;
      signal_all(info.si_signo);
      continue;
    }
    int status = 0;
    pid_t pid;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {  // SIGCHLD: reap every worker that ended
      --running;
      for (pid_t& worker : workers) {
        if (worker == pid) worker = 0;
      }
      const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      if (!ok) {
        all_ok = false;
        log.error("worker {} {} {}", pid, WIFEXITED(status) ? "exited with status" : "was killed by signal",
                  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
      }
      if (!stopping) {  // a worker ended on its own: the port is only partly served; stop them all
        stopping = true;
        all_ok = false;
        signal_all(SIGTERM);
      }
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return all_ok ? 0 : 1;
}

}  // namespace hs::ch04
