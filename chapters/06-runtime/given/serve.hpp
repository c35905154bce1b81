/// @file
/// How a Server runs until it is told to stop (given: no exercise): the listener, and a task that
/// waits for a descriptor to become readable (hs-ch06-server's signalfd, a test's eventfd) and then
/// calls Server::stop(). hs-ch06-server, hs-ch07-server's epoll backend and the tests run it.
#pragma once

#include <functional>

#include "ch06/runtime.hpp"
#include "ch06/server.hpp"
#include "hs/log.hpp"

namespace hs::ch06 {

/// Runs `server` on `runtime` until `stop_fd` is readable, then calls
/// `before_stop(stop_fd)` if given and server.stop(), and returns once the last session has ended;
/// or once the listener has ended by itself. Exceptions out of the listener or the sessions (an
/// exercise not done yet) propagate.
void serve(Runtime& runtime, Server& server, int stop_fd, const std::function<void(int)>& before_stop = {});

/// Reads the signal waiting on the signalfd `fd` and logs `<its description>: stopping`: the
/// servers' before_stop.
void log_signal(int fd, const Logger& log);

}  // namespace hs::ch06
