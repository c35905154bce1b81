/// @file
/// The load itself: one worker's handshakes as Asio C++20 coroutines on one io_context and one
/// thread. A launcher coroutine ramps new connections up to the plan's concurrency; each handshake
/// is its own coroutine, raced against its timeout. Chapter 05's README walks through it.
#pragma once

#include <asio/awaitable.hpp>

#include "hs/load/live_counters.hpp"
#include "hs/load/options.hpp"
#include "hs/load/stats.hpp"

namespace hs::load {

/// Runs `plan` on the calling coroutine's executor and returns its tally once every handshake has
/// ended. Updates `live` as handshakes go; `live` must outlive the io_context that runs this.
///
/// The ramp: every 1 ms tick, at most plan.ramp new connects start, and only while fewer than
/// plan.conns handshakes are in flight and fewer than plan.max_opening still wait for the
/// server's first reply (a connection the server has not accepted and answered yet sits in its
/// listen backlog: this bound keeps us from overflowing a backlog of 4096). A late tick starts no
/// more than an early one: the ramp slows down under load, it never bursts to catch up.
asio::awaitable<Tally> run_worker(WorkerPlan plan, LiveCounters& live);

}  // namespace hs::load
