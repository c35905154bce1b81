/// @file
/// The Asio types of chapter 04 (given). The sockets, the acceptor and the timers are chapter 03's,
/// on the io_context. What changes is where the coroutines run. Chapter 03 ran one thread, so every
/// coroutine could run on the io_context's executor. Here several threads run the io_context, so
/// each connection's coroutines run on a *strand* of its own (an executor that never runs two of
/// its handlers at once): a session's two racing halves (the exchange and its watchdog) never run
/// at the same time on two threads, while different connections still do (README, "More than one io thread: strands").
/// An operation completes through the executor of the coroutine that awaits it: its strand.
#pragma once

#include <exception>

#include <asio/awaitable.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/strand.hpp>
#include <asio/use_awaitable.hpp>

#include "given/ch03/asio_types.hpp"

namespace hs::ch04 {

/// An io_context that can be shut down before the objects its coroutines refer to are destroyed.
/// After run() has been stopped early (io_context::stop(): an exception), coroutines are left
/// suspended; ~io_context() would destroy them, and run their destructors, *after* the Server and
/// the Work they point into. shutdown() destroys them while those still exist.
class IoContext : public asio::io_context {
 public:
  using asio::execution_context::shutdown;
  using asio::io_context::io_context;
};

/// Runs `io` on `threads` threads, the calling one included, until run() has returned on all of
/// them. The first exception one of them throws (an exercise not done yet, a bug) stops them all;
/// it is returned (null if none).
std::exception_ptr run_on_threads(asio::io_context& io, unsigned threads);

/// Where a connection's coroutines run: a strand of the io_context.
using Executor = asio::strand<asio::io_context::executor_type>;
/// A coroutine of this chapter, returning T; it runs on a strand.
template <typename T>
using Awaitable = asio::awaitable<T, Executor>;

using ch03::Acceptor;  ///< chapter 03's: a listening socket on the io_context
using ch03::Socket;    ///< chapter 03's: a connected socket on the io_context
using ch03::Timer;     ///< chapter 03's: a steady-clock timer on the io_context

/// `co_await op(..., use_awaitable)`: resume this coroutine (on its strand) when `op` completes.
inline constexpr asio::use_awaitable_t<Executor> use_awaitable;
/// `auto [error, n] = co_await op(..., as_tuple)`: the same, with the error as a value (no throw).
inline constexpr auto as_tuple = asio::experimental::as_tuple(use_awaitable);

}  // namespace hs::ch04
