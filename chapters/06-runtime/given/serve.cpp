// How a Server runs until it is told to stop (see serve.hpp).
#include "given/ch06/serve.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cstring>
#include <exception>

#include "ch06/task.hpp"

namespace hs::ch06 {

namespace {

// Waits until `stop` is readable, then stops the server. Cancelled (the listener ended by itself),
// it returns: nothing is left to stop.
Task<void> stop_when_readable(Runtime& runtime, WatchedFd& stop, Server& server,
                              const std::function<void(int)>& before_stop) {
  const Wake wake = co_await runtime.readable(stop);
  if (wake == Wake::cancelled) co_return;
  if (before_stop) before_stop(stop.fd());
  server.stop();
}

}  // namespace

void log_signal(int fd, const Logger& log) {
  signalfd_siginfo info{};
  if (::read(fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    log.info("{}: stopping", ::sigdescr_np(static_cast<int>(info.ssi_signo)));
  }
}

void serve(Runtime& runtime, Server& server, int stop_fd, const std::function<void(int)>& before_stop) {
  // A duplicate, watched for the runtime's whole life: closing it cannot leave epoll holding it.
  WatchedFd stop{Fd{::dup(stop_fd)}};
  runtime.watch(stop);
  spawn(server.listen(), [&](std::exception_ptr thrown) {
    runtime.cancel(stop);  // nothing left to stop: let run() return once the sessions are done
    if (thrown) std::rethrow_exception(thrown);
  });
  spawn(stop_when_readable(runtime, stop, server, before_stop), [](std::exception_ptr thrown) {
    if (thrown) std::rethrow_exception(thrown);
  });
  runtime.run();
}

}  // namespace hs::ch06
