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

/// Forks one worker per socket in `listeners`; worker i holds listeners[i] alone, runs
/// `serve(listeners[i])` and exits with what it returns. The parent forwards SIGINT and SIGTERM to
/// every worker (logging the first: `<signal>: stopping K worker(s)`), waits for all of them, and
/// returns 0 if they all exited 0 after a stop signal. A worker that ends before any stop signal,
/// even with 0, leaves the port partly served: the parent stops the others (SIGTERM) and returns 1.
/// Each worker that did not exit 0 is logged as an error (`worker PID exited with status N`, or
/// `was killed by signal N`). Each worker gets the caller's signal mask, and so does the caller on
/// return; what the caller had printed but not flushed is printed once (not once per worker), and
/// what a worker prints is flushed when it ends. Call it before creating any thread (fork() copies
/// only the caller), with SIGINT and SIGTERM blocked until the workers' servers take them.
int run_workers(std::vector<Fd> listeners, const std::function<int(Fd)>& serve, const Logger& log);

}  // namespace hs::ch04
