// run_on_threads() (given code, given/ch04/asio_types.hpp): the io threads of chapter 04's server.
// The first exception a thread throws stops them all and comes back to the caller, and "2 threads"
// means two, the caller's included. It uses none of this chapter's exercises, so it runs once,
// against the reference (GIVEN_TESTS in CMakeLists.txt).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <catch2/catch.hpp>

#include "given/ch04/asio_types.hpp"
#include "hs/server_log.hpp"
#include "hs/testing/raw_socket.hpp"

using namespace std::chrono_literals;

TEST_CASE("run_on_threads: the first exception stops every thread and is returned", "[given]") {
  asio::io_context io;
  bool timer_fired = false;
  asio::steady_timer later{io, hs::testing::generous};  // without the stop, run() would wait for it
  later.async_wait([&](std::error_code error) { timer_fired = !error; });
  asio::post(io, [] { throw std::runtime_error{"a bug"}; });
  const std::exception_ptr failure = hs::ch04::run_on_threads(io, 2);
  REQUIRE(failure);
  CHECK(hs::message_of(failure) == "a bug");
  CHECK_FALSE(timer_fired);
  CHECK(io.stopped());
}

TEST_CASE("run_on_threads: with nothing thrown it returns null once the io_context is out of work", "[given]") {
  asio::io_context io;
  std::atomic<int> ran{0};
  for (int i = 0; i < 100; ++i) asio::post(io, [&] { ++ran; });
  CHECK_FALSE(hs::ch04::run_on_threads(io, 3));
  CHECK(ran == 100);
}

TEST_CASE("run_on_threads: 2 threads (the caller's included) run at most 2 handlers at once", "[given]") {
  // Three handlers that each wait (up to 500 ms) for all three to be running at once: on 2
  // threads they cannot be, so each gives up after its wait.
  asio::io_context io;
  std::mutex mutex;
  std::condition_variable changed;
  int running = 0, most = 0;
  std::set<std::thread::id> threads;
  for (int i = 0; i < 3; ++i) {
    asio::post(io, [&] {
      std::unique_lock lock{mutex};
      threads.insert(std::this_thread::get_id());
      most = std::max(most, ++running);
      changed.notify_all();
      changed.wait_for(lock, 500ms, [&] { return running == 3; });
      --running;
    });
  }
  CHECK_FALSE(hs::ch04::run_on_threads(io, 2));
  CHECK(most <= 2);
  CHECK(threads.size() <= 2);
}
