/// @file
/// The reference of exercises 3.3 and 3.4, written once for any executor (see connection.hpp for
/// why): the accept loop with its error policy and back-off, and the stop. Chapter 03's Server runs
/// them on the io_context; chapter 04's on the server's strand, with its limits in `admit`.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <asio/error.hpp>
#include <asio/ip/tcp.hpp>

#include "ch01/accept_loop.hpp"
#include "ch03/connection.hpp"
#include "given/ch03/asio_types.hpp"
#include "hs/log.hpp"

namespace hs::ch03 {

/// Accepts connections on `acceptor` until it is closed, and hands each to `admit(socket, peer)`,
/// which must not wait for it (it co_spawns the session). Counts accepts, accept errors and
/// back-offs in `stats`. After accept fails, hs::classify_accept_failure() decides: an error about
/// one connection is skipped; running out of descriptors or memory pauses `pause` on `backoff`
/// (retrying at once would spin: the waiting connection keeps the listener readable), with one
/// warning per burst, `<name> failed: ...`; anything else is a bug, thrown. `name` (a string
/// literal) says which listener: "accept", or "metrics: accept" for chapter 04's metrics endpoint.
/// Returns once the acceptor is closed (stop_accepting()).
template <typename Executor, typename Admit>
asio::awaitable<void, Executor> accept_until_closed(Acceptor& acceptor, Timer& backoff, std::chrono::milliseconds pause,
                                                    const Logger& log, ch01::ListenerStats& stats, Admit admit,
                                                    std::string_view name = "accept") {
  bool in_backoff = false;  // log the first failure of a burst, not every retry
  while (acceptor.is_open()) {
    asio::ip::tcp::endpoint peer;
    auto [error, socket] = co_await acceptor.async_accept(peer, as_tuple_on<Executor>);
    if (!error) {
      in_backoff = false;
      ++stats.accepted;
      admit(std::move(socket), peer);  // and straight back to accepting
      continue;
    }
    if (error == asio::error::operation_aborted || !acceptor.is_open()) break;  // closed: stop_accepting()
    ++stats.accept_errors;
    // (Not a switch: g++ 12 mishandles a coroutine local scoped in a `case` and alive across a
    // co_await, as the back-off's wait would make one.)
    const AcceptFailure failure = classify_accept_failure(error);
    if (failure == AcceptFailure::fatal) throw std::system_error(error, std::string{name});  // EINVAL, EBADF...: a bug
    if (failure == AcceptFailure::skip) continue;                                            // one connection died
    if (!in_backoff) log.warn("{} failed: {}; pausing {} ms between retries", name, error.message(), pause.count());
    in_backoff = true;
    ++stats.backoffs;
    backoff.expires_after(pause);
    [[maybe_unused]] auto [cancelled] = co_await backoff.async_wait(as_tuple_on<Executor>);  // the stop cuts it short
  }
}

/// Stops accepting at once: answers the connections still waiting in the kernel's queue with
/// `ERROR shutdown` (closing the acceptor would reset them without a word: ch01::refuse_queued()),
/// closes the acceptor, so that accept_until_closed() returns, and cuts a back-off pause short.
/// Returns false, doing nothing, if the acceptor was closed already. Call it where the accept loop
/// runs (its executor).
inline bool stop_accepting(Acceptor& acceptor, Timer& backoff, const Logger& log) {
  if (!acceptor.is_open()) return false;
  std::error_code ignored;
  acceptor.non_blocking(true, ignored);
  ch01::refuse_queued(acceptor.native_handle(), log);
  acceptor.close(ignored);  // the pending accept ends with operation_aborted
  backoff.cancel();
  return true;
}

}  // namespace hs::ch03
