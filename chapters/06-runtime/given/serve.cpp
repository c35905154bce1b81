// The wiring of hs-ch06-server (see serve.hpp).
#include "given/ch06/serve.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cstring>
#include <exception>

#include "ch06/task.hpp"

namespace hs::ch06 {

namespace {

// Waits for SIGINT/SIGTERM on `signals`, then stops the server. Cancelled (the listener ended by
// itself), it returns: nothing is left to stop.
Task<void> stop_on_signal(Runtime& runtime, Io& signals, Server& server, const Logger& log) {
  const Wake wake = co_await runtime.readable(signals);
  if (wake == Wake::cancelled) co_return;
  log_signal(signals.fd(), log);
  server.stop();
}

}  // namespace

void log_signal(int fd, const Logger& log) {
  signalfd_siginfo info{};
  if (::read(fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    log.info("{}: stopping", ::sigdescr_np(static_cast<int>(info.ssi_signo)));
  }
}

void serve(Runtime& runtime, Server& server, const SignalFd& signals, const Logger& log) {
  Io signal_io{Fd{::dup(signals.fd())}};  // (non-blocking: it shares the signalfd's flags)
  runtime.watch(signal_io);
  spawn(server.listen(), [&](std::exception_ptr thrown) {
    runtime.cancel(signal_io);  // nothing left to stop: let run() return once the sessions are done
    if (thrown) std::rethrow_exception(thrown);
  });
  spawn(stop_on_signal(runtime, signal_io, server, log), [](std::exception_ptr thrown) {
    if (thrown) std::rethrow_exception(thrown);
  });
  runtime.run();
}

}  // namespace hs::ch06
