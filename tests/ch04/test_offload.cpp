// Exercise 4.1: offload(), and what it buys a server: the io thread stays free while blocking work
// runs on the pool. The first tests run offload() alone on a one-thread io_context; the last runs
// the Server with --work offload and shows a client answered while others' downstream calls block.
#include <future>

#include <asio/co_spawn.hpp>
#include <asio/use_future.hpp>

#include "fixtures.hpp"

using namespace hs::ch04;
using namespace hs::ch04::test;

namespace {

// Runs `body` as a coroutine on a strand of a fresh one-thread io_context; returns what it returns.
template <typename T, typename Body>
T run_on_strand(asio::io_context& io, Body body) {
  auto result = asio::co_spawn(asio::make_strand(io), body(), asio::use_future);
  std::thread thread{[&] { io.run_for(hs::testing::generous); }};
  thread.join();
  return result.get();
}

struct Where {
  std::thread::id io_thread, job_thread, after_thread;
  bool back_on_strand = false;
};

}  // namespace

TEST_CASE("offload runs the job on a pool thread and comes back to the caller's strand", "[ex4.1]") {
  asio::io_context io{1};
  asio::thread_pool pool{2};
  const Where where = run_on_strand<Where>(io, [&]() -> Awaitable<Where> {
    Where w;
    w.io_thread = std::this_thread::get_id();
    co_await offload(pool, [&] { w.job_thread = std::this_thread::get_id(); });
    w.after_thread = std::this_thread::get_id();
    w.back_on_strand = (co_await asio::this_coro::executor).running_in_this_thread();
    co_return w;
  });
  INFO("the job must run on a pool thread, not on the io thread that called offload()");
  CHECK(where.job_thread != std::thread::id{});
  CHECK(where.job_thread != where.io_thread);
  INFO("after the job, the coroutine must resume on its own strand (on the io thread)");
  CHECK(where.after_thread == where.io_thread);
  CHECK(where.back_on_strand);
  pool.join();
}

TEST_CASE("offload rethrows what the job threw in the caller", "[ex4.1]") {
  asio::io_context io{1};
  asio::thread_pool pool{1};
  const std::string caught = run_on_strand<std::string>(io, [&]() -> Awaitable<std::string> {
    try {
      co_await offload(pool, [] { throw std::runtime_error{"the downstream is down"}; });
    } catch (const std::runtime_error& e) {
      co_return std::string{e.what()};
    }
    co_return std::string{"nothing was thrown"};
  });
  CHECK(caught == "the downstream is down");
  pool.join();
}

TEST_CASE("while an offloaded job blocks the io thread runs other coroutines", "[ex4.1]") {
  // The job hands the one-thread io_context something to run, then blocks until it has run. If the
  // job ran on the io thread (as after `co_await asio::post(pool, use_awaitable)`, which does not
  // move the coroutine), nothing else could run there: the job would wait until its deadline.
  asio::io_context io{1};
  asio::thread_pool pool{1};
  std::promise<void> other_ran;
  std::shared_future<void> other_has_run = other_ran.get_future().share();
  std::future_status released = std::future_status::deferred;
  auto blocked = asio::co_spawn(
      asio::make_strand(io),
      [&]() -> Awaitable<void> {
        co_await offload(pool, [&] {
          asio::post(io, [&] { other_ran.set_value(); });  // queued only now, while the job runs
          released = other_has_run.wait_for(hs::testing::generous);
        });
      },
      asio::use_future);
  std::thread thread{[&] { io.run_for(2 * hs::testing::generous); }};
  thread.join();
  blocked.get();
  pool.join();
  CHECK(released == std::future_status::ready);
}

TEST_CASE("with --work offload a bad client is answered while three handshakes wait on the downstream", "[ex4.1]") {
  Config config;
  config.io_threads = 1;
  config.work = work(WorkMode::offload, 3s);
  config.work.pool_threads = 3;
  config.server.session = {30s, 60s};
  InProcessServer server{config};
  std::vector<RawSocket> slow;
  for (std::int64_t x : {1, 10, 100}) {
    slow.push_back(server.connect());
    slow.back().send(fmt::format("HELLO {}\n", x));
  }
  REQUIRE(server.eventually([&] { return server.metrics().offload_running.value() == 3; }));
  auto bad = server.connect();
  bad.send("HELO 1\n");
  CHECK(bad.read_line().starts_with("ERROR malformed"));
  INFO("the downstream calls take 3 s each: they must still be running when the bad client is answered");
  for (auto& c : slow) CHECK(hs::unread_bytes(c.fd()) == 0);
  CHECK(server.metrics().completed.value() == 0);
  for (std::size_t i = 0; i < slow.size(); ++i)
    CHECK(slow[i].read_line() == fmt::format("HELLO {}\n", std::vector{2, 11, 101}[i]));
}
