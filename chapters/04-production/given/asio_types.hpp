/// @file
/// The Asio types of chapter 04 (given). Chapter 03 ran one thread, so every coroutine could use the
/// io_context's executor directly. Here several threads run the io_context: each connection runs on
/// its own *strand* (an executor that never runs two of its handlers at once), so a session's two
/// racing halves (the exchange and its watchdog) never run at the same time on two threads, while
/// different connections still do (README, "Strands").
#pragma once

#include <chrono>

#include <asio/awaitable.hpp>
#include <asio/basic_socket_acceptor.hpp>
#include <asio/basic_stream_socket.hpp>
#include <asio/basic_waitable_timer.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/strand.hpp>
#include <asio/use_awaitable.hpp>

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

/// What runs a connection's coroutines and completions: a strand of the io_context.
using Executor = asio::strand<asio::io_context::executor_type>;
/// A coroutine of this chapter, returning T.
template <typename T>
using Awaitable = asio::awaitable<T, Executor>;
/// A connected TCP socket, bound to its connection's strand.
using Socket = asio::basic_stream_socket<asio::ip::tcp, Executor>;
/// A listening TCP socket, on the server's own strand.
using Acceptor = asio::basic_socket_acceptor<asio::ip::tcp, Executor>;
/// A timer on the steady clock.
using Timer =
    asio::basic_waitable_timer<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>, Executor>;

/// `co_await op(..., use_awaitable)`: resume this coroutine (on its strand) when `op` completes.
inline constexpr asio::use_awaitable_t<Executor> use_awaitable;
/// `auto [error, n] = co_await op(..., as_tuple)`: the same, with the error as a value (no throw).
inline constexpr auto as_tuple = asio::experimental::as_tuple(use_awaitable);

}  // namespace hs::ch04
