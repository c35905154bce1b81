/// @file
/// Scale-out past one process (given): `--workers K` forks K copies of the server, each serving its
/// own SO_REUSEPORT socket on the same port; the kernel spreads new connections over them. One
/// process can hold at most RLIMIT_NOFILE sockets (20,000 here); K processes hold K times as many.
/// This is how nginx and others use every core and every descriptor of one machine (README,
/// "Past one process").
#pragma once

#include <functional>
#include <vector>

#include "hs/log.hpp"
#include "hs/net.hpp"

namespace hs::ch04 {

/// Forks one worker per socket in `listeners`; worker i runs `serve(listeners[i])` and exits with
/// what it returns. The parent forwards SIGINT and SIGTERM to every worker, waits for all of them,
/// and returns 0 if they all exited 0 (1 otherwise). If a worker dies before any stop signal, the
/// parent stops the others. Call it before creating any thread: fork() copies only the caller.
int run_workers(std::vector<Fd> listeners, const std::function<int(Fd)>& serve, const Logger& log);

}  // namespace hs::ch04
