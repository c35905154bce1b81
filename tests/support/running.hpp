// Test support for the coroutine chapters (03 and 04): a coroutine under test, run to its end on a
// fresh io_context in background threads of the test.
#pragma once

#include <chrono>
#include <future>
#include <thread>
#include <type_traits>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/strand.hpp>
#include <asio/use_future.hpp>
#include <catch2/catch.hpp>

#include "hs/testing/raw_socket.hpp"

namespace hs::testing {

/// A coroutine run to its end on a fresh io_context, in `threads` background threads. `make(io)`
/// returns the awaitable to run (`make` itself is gone once the constructor returns: it must be a
/// plain function returning a coroutine that takes its arguments by value, not a coroutine lambda
/// with captures): an `asio::awaitable<T, Executor>`, started on the io_context's own
/// executor (chapter 03) or on a new strand of it (chapter 04). The io_context runs until it has
/// nothing left to do, or a generous deadline passes: drained() tells which, so a test sees a timer
/// or a read left behind.
template <typename T, typename Executor = asio::io_context::executor_type>
class Running {
 public:
  template <typename Make>
  explicit Running(Make make, unsigned threads = 1)
      : io_{static_cast<int>(threads)}, result_{asio::co_spawn(executor(), make(io_), asio::use_future)} {
    for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { io_.run_for(generous); });
  }
  Running(const Running&) = delete;
  Running& operator=(const Running&) = delete;
  ~Running() { join(); }

  /// Waits for the coroutine's value; rethrows what it threw. Fails the test if the io_context
  /// gave up on it (a watchdog that was never woken, a read that nothing cancelled).
  T result() {
    if (result_.wait_for(generous + std::chrono::seconds{5}) != std::future_status::ready) {
      FAIL("the coroutine under test was still waiting after " << generous.count()
                                                               << " ms: a timer or a read that nothing ended?");
    }
    return result_.get();
  }
  /// Waits for the io_context to stop; true if it ran out of work (rather than out of time).
  bool drained() {
    join();
    return io_.stopped();
  }

 private:
  Executor executor() {
    if constexpr (std::is_same_v<Executor, asio::io_context::executor_type>) {
      return io_.get_executor();
    } else {
      return asio::make_strand(io_);
    }
  }
  void join() {
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

  asio::io_context io_;
  std::future<T> result_;
  std::vector<std::thread> threads_;  // last: they start once the coroutine is spawned
};

}  // namespace hs::testing
