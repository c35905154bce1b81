/// @file
/// What runs when a server's session ends (given: no exercise): count it, log it, and never
/// swallow an exception. spawn()'s on_done for chapter 06's Server and chapter 07's; its start is
/// counted by their AcceptPacer (accept_pacer.hpp).
#pragma once

#include <exception>
#include <memory>
#include <string>

#include "ch01/accept_loop.hpp"
#include "ch01/serve_connection.hpp"
#include "ch06/runtime.hpp"
#include "given/ch06/clock.hpp"
#include "hs/log.hpp"
#include "hs/net.hpp"
#include "hs/server_log.hpp"

namespace hs::ch06 {

/// The on_done of a session's spawn(). It lives in spawn()'s frame for the whole connection: the
/// peer's text is made (and takes room) only when it will be shown, so `peer` is null with --quiet.
struct SessionDone {
  const Logger& log;               ///< where the outcome goes (nowhere with --quiet)
  ch01::ServerStats& stats;        ///< counted here
  std::unique_ptr<Endpoint> peer;  ///< the client, when it will be logged
  TimePoint start;                 ///< when it was accepted
  const Runtime& runtime;          ///< whose clock says how long it took

  /// Counts and logs the session's end: the `result`, or the exception `thrown` out of it (logged
  /// with the peer, or rethrown if it is an ExerciseNotDone: the runtime's run() throws it).
  void operator()(std::exception_ptr thrown, const ch01::ServeResult& result) const {
    --stats.open;
    if (thrown) {
      ++stats.accept.failed;
      std::string who = peer ? peer->to_string() : "a client";
      who += ": the session";
      log_or_rethrow(thrown, log, who);
      return;
    }
    ++(result.status == Status::done ? stats.accept.completed : stats.accept.failed);
    if (peer) log_outcome(log, *peer, result, runtime.now() - start);
  }
};

}  // namespace hs::ch06
