/// @file
/// How chapter 07's Server runs until it is told to stop (given: no exercise): chapter 06's
/// ch06::serve(), with the wait for the stop submitted to the ring (a poll) like any other
/// operation. hs-ch07-server's io_uring backend and the tests run it.
#pragma once

#include <functional>

#include "ch07/ring.hpp"
#include "ch07/server.hpp"

namespace hs::ch07 {

/// Runs `server` through `ring` until `stop_fd` is readable, then calls `before_stop(stop_fd)` if
/// given and server.stop(), and returns once the last session has ended; or once the listener has
/// ended by itself. An exception out of the listener propagates once run() has returned (the
/// sessions in progress end first: the stop's poll must complete before it may go); one out of a
/// session, at once.
void serve(Ring& ring, Server& server, int stop_fd, const std::function<void(int)>& before_stop = {});

}  // namespace hs::ch07
