/// @file
/// The wiring of hs-ch06-server (given: no exercise), shared with hs-ch07-server's epoll backend:
/// the server's listener and a task that turns SIGINT/SIGTERM into Server::stop(), on one runtime.
#pragma once

#include "ch06/runtime.hpp"
#include "ch06/server.hpp"
#include "hs/log.hpp"
#include "hs/net.hpp"

namespace hs::ch06 {

/// Runs `server` on `runtime` until a signal on `signals` has stopped it (logging `<signal>:
/// stopping`) and its last session has ended, or until its listener ends by itself. Exceptions
/// out of the listener or the sessions (an exercise not done yet) propagate.
void serve(Runtime& runtime, Server& server, const SignalFd& signals, const Logger& log);

/// Reads the signal waiting on the signalfd `fd` and logs `<its description>: stopping`.
void log_signal(int fd, const Logger& log);

}  // namespace hs::ch06
