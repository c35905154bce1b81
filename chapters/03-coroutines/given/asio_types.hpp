/// @file
/// The Asio types of chapter 03 (given), with the executor pinned to the io_context's. Asio's defaults
/// (asio::awaitable<T>, asio::ip::tcp::socket, asio::steady_timer) carry an any_io_executor: a
/// type-erased executor of 56 bytes, copied into every socket, timer, coroutine frame and pending
/// operation. io_context::executor_type is one pointer. With thousands of connections held, that
/// difference is a good part of the memory per connection (README, "Where the bytes go").
///
/// Chapter 04 uses the same sockets, acceptor and timers; only its coroutines run elsewhere (on a
/// strand per connection), which is why the reference's building blocks are templates on the
/// executor (solutions/ch03/connection.hpp).
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <system_error>

#include <asio/awaitable.hpp>
#include <asio/basic_socket_acceptor.hpp>
#include <asio/basic_stream_socket.hpp>
#include <asio/basic_waitable_timer.hpp>
#include <asio/error.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/use_awaitable.hpp>

#include "hs/net.hpp"

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

/// Asio takes over a listening socket that hs::listen_tcp() made (main() does this: the course's
/// listen_and_announce() prints the `listening on` line the tests read).
inline Acceptor adopt(asio::io_context& io, Fd listener) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length);
  const auto protocol = address.ss_family == AF_INET6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4();
  return Acceptor{io, protocol, listener.release()};
}

/// An Asio endpoint as the course writes endpoints: `127.0.0.1:7878`, `[::1]:7878`.
inline Endpoint endpoint_of(const asio::ip::tcp::endpoint& peer) { return {peer.address().to_string(), peer.port()}; }

/// hs::classify_accept_failure() for an error as Asio reports it: accept(2)'s errno, in Asio's own
/// system category. An error of any other category is fatal.
inline AcceptFailure classify_accept_failure(const std::error_code& error) noexcept {
  if (error.category() != asio::error::get_system_category()) return AcceptFailure::fatal;
  return hs::classify_accept_failure(error.value());
}

}  // namespace hs::ch03
