/// @file
/// The Asio types of this chapter, with the executor pinned to the io_context's. Asio's defaults
/// (asio::awaitable<T>, asio::ip::tcp::socket, asio::steady_timer) carry an any_io_executor: a
/// type-erased executor of 56 bytes, copied into every socket, timer, coroutine frame and pending
/// operation. io_context::executor_type is one pointer. With thousands of connections held, that
/// difference is a good part of the memory per connection (README, "Where the bytes go").
#pragma once

#include <chrono>

#include <asio/awaitable.hpp>
#include <asio/basic_socket_acceptor.hpp>
#include <asio/basic_stream_socket.hpp>
#include <asio/basic_waitable_timer.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/use_awaitable.hpp>

namespace hs::ch03 {

/// What runs our coroutines and completions: the io_context (one pointer).
using Executor = asio::io_context::executor_type;
/// A coroutine of this chapter, returning T.
template <typename T>
using Awaitable = asio::awaitable<T, Executor>;
/// A connected TCP socket.
using Socket = asio::basic_stream_socket<asio::ip::tcp, Executor>;
/// A listening TCP socket.
using Acceptor = asio::basic_socket_acceptor<asio::ip::tcp, Executor>;
/// A timer on the steady clock.
using Timer =
    asio::basic_waitable_timer<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>, Executor>;

/// `co_await op(..., use_awaitable)`: resume this coroutine when `op` completes; errors throw.
inline constexpr asio::use_awaitable_t<Executor> use_awaitable;
/// `auto [error, n] = co_await op(..., as_tuple)`: the same, with the error as a value (no throw).
inline constexpr auto as_tuple = asio::experimental::as_tuple(use_awaitable);

}  // namespace hs::ch03
