/// @file
/// The load itself: one worker's handshakes as Asio C++20 coroutines on one io_context and one
/// thread. A launcher coroutine ramps new connections up to the plan's concurrency; each handshake
/// is its own coroutine, raced against its timeout. Chapter 05's README walks through it.
#pragma once

#include <asio/awaitable.hpp>

#include "given/ch05/live_counters.hpp"
#include "given/ch05/options.hpp"
#include "given/ch05/stats.hpp"

namespace hs::load {

/// Runs `plan` on the calling coroutine's executor and returns its tally once every handshake has
/// ended. Updates `live` as handshakes go; `live` must outlive the io_context that runs this.
///
/// The ramp: new connects start at most plan.ramp per millisecond (a token bucket checked every
/// 1 ms tick; a late tick may catch up by at most 10 ms worth), and only while fewer than plan.conns
/// handshakes are in flight and fewer than plan.max_opening still wait for the server's first
/// reply. That last bound is what protects the server's listen backlog (4096 here): a connection
/// the server has not accepted and answered yet sits in that backlog, so with the default of 1000
/// we can never overflow it, however slowly the server accepts. The rate only spreads the SYNs.
asio::awaitable<Tally> run_worker(WorkerPlan plan, LiveCounters& live);

}  // namespace hs::load
