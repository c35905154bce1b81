// Exercise 2.2: the bounded thread pool, on its own. Tasks that block on a gate let the tests hold
// every worker busy on purpose, so "the queue is full" is a fact, not a race.
#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "ch02/thread_pool.hpp"

using hs::ch02::ThreadPool;
using namespace std::chrono_literals;

namespace {

// A gate tasks wait at until the test opens it. Opening twice is fine.
class Gate {
 public:
  void wait() const { opened_.wait(false); }
  void open() {
    opened_ = true;
    opened_.notify_all();
  }

 private:
  std::atomic<bool> opened_{false};
};

// Declared after the pool, so it is destroyed first: opens the gate even when a failed check ends
// the test early, so the pool's destructor can finish the blocked tasks instead of waiting forever.
struct OpenOnExit {
  Gate& gate;
  ~OpenOnExit() { gate.open(); }
};

// Polls until `condition` holds (30 s at most): for states the pool reaches on its own.
template <typename F>
bool eventually(F condition) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// A pool of one worker, blocked on `gate`, with its one queue place taken.
struct FullPool {
  Gate gate;
  ThreadPool pool{1, 1};
  OpenOnExit opener{gate};
  FullPool() {
    REQUIRE(pool.submit([this] { gate.wait(); }));  // the worker is busy...
    REQUIRE(eventually([&] { return pool.busy() == 1; }));
    REQUIRE(pool.submit([] {}));  // ...and the queue is full
  }
};

}  // namespace

TEST_CASE("the pool runs every task on at most W threads and loses none at shutdown", "[ex2.2]") {
  constexpr int tasks = 2000;
  std::mutex mutex;
  std::set<std::thread::id> threads_seen;
  std::atomic<int> ran{0};
  {
    ThreadPool pool{4, 16};
    CHECK(pool.worker_count() == 4);
    for (int i = 0; i < tasks; ++i) {
      REQUIRE(pool.submit([&] {
        const std::lock_guard lock{mutex};
        threads_seen.insert(std::this_thread::get_id());
        ++ran;
      }));
    }
    pool.shutdown();  // returns once every queued task has run
    CHECK(ran == tasks);
  }
  CHECK(threads_seen.size() <= 4);
  CHECK_FALSE(threads_seen.count(std::this_thread::get_id()));  // never on the submitter's thread
}

TEST_CASE("a task that throws does not take its worker down", "[ex2.2]") {
  ThreadPool pool{2, 8};
  std::atomic<int> ran{0};
  for (int i = 0; i < 10; ++i) {
    REQUIRE(pool.submit([] { throw std::runtime_error("task failed"); }));
    REQUIRE(pool.submit([&ran] { ++ran; }));
  }
  pool.shutdown();
  CHECK(ran == 10);
  CHECK(pool.task_errors() == 10);
}

TEST_CASE("the queue bound holds under concurrent submitters", "[ex2.2]") {
  constexpr std::size_t workers = 3;
  constexpr std::size_t capacity = 5;
  Gate gate;
  std::atomic<int> ran{0};
  auto blocked_task = [&] {
    gate.wait();
    ++ran;
  };
  ThreadPool pool{workers, capacity};
  const OpenOnExit opener{gate};
  // First every worker takes a task and blocks at the gate...
  for (std::size_t i = 0; i < workers; ++i) REQUIRE(pool.submit(blocked_task));
  REQUIRE(eventually([&] { return pool.busy() == workers; }));
  // ...then 8 threads race to fill the queue: exactly `capacity` tasks may get in.
  std::atomic<int> accepted{0};
  std::atomic<bool> over_bound{false};  // (Catch's checks are not for other threads: record, check later)
  {
    std::vector<std::jthread> submitters;
    for (int t = 0; t < 8; ++t) {
      submitters.emplace_back([&] {
        for (int i = 0; i < 200; ++i) {
          if (pool.try_submit(blocked_task)) ++accepted;
          if (pool.queued() > capacity) over_bound = true;
        }
      });
    }
  }
  CHECK_FALSE(over_bound);
  CHECK(accepted == static_cast<int>(capacity));
  CHECK(pool.queued() == capacity);
  CHECK(pool.busy() == workers);
  CHECK_FALSE(pool.try_submit([] {}));
  gate.open();
  pool.shutdown();
  CHECK(ran == static_cast<int>(workers + capacity));
}

TEST_CASE("submit waits for room while try_submit and wait_for_room do not", "[ex2.2]") {
  FullPool full;
  Gate& gate = full.gate;
  ThreadPool& pool = full.pool;
  CHECK_FALSE(pool.try_submit([] {}));
  CHECK_FALSE(pool.wait_for_room(20ms));
  std::atomic<bool> returned{false};
  auto waiting = std::async(std::launch::async, [&] {
    const bool ok = pool.submit([] {});
    returned = true;
    return ok;
  });
  const OpenOnExit open_before_waiting_ends{gate};
  // It must still be waiting (a correct pool cannot let it in: nothing has left the queue).
  CHECK(waiting.wait_for(200ms) == std::future_status::timeout);
  CHECK_FALSE(returned);
  CHECK(pool.queued() == 1);
  gate.open();
  CHECK(waiting.get());
  CHECK(pool.wait_for_room(30s));
  CHECK(eventually([&] { return pool.busy() == 0 && pool.queued() == 0; }));  // all done: none busy
  pool.shutdown();
}

TEST_CASE("shutdown() wakes a submit() that waits for room: it gives up at once", "[ex2.2]") {
  FullPool full;
  Gate& gate = full.gate;
  ThreadPool& pool = full.pool;
  auto waiting = std::async(std::launch::async, [&] { return pool.submit([] {}); });
  CHECK(waiting.wait_for(100ms) == std::future_status::timeout);             // waiting for room, as it should
  auto stopping = std::async(std::launch::async, [&] { pool.shutdown(); });  // blocks: joins the worker
  // The worker is still blocked, so no room has appeared: only shutdown() can end this submit().
  const bool gave_up = waiting.wait_for(30s) == std::future_status::ready;
  CHECK(gave_up);
  gate.open();
  stopping.get();
  CHECK_FALSE(waiting.get());
}

TEST_CASE("shutdown with a full queue runs every queued task then joins", "[ex2.2]") {
  Gate gate;
  std::atomic<int> ran{0};
  ThreadPool pool{2, 6};
  const OpenOnExit opener{gate};
  for (int i = 0; i < 8; ++i) {
    REQUIRE(pool.submit([&] {
      gate.wait();
      ++ran;
    }));
  }
  CHECK(eventually([&] { return pool.busy() == 2; }));
  CHECK(pool.queued() == 6);
  auto shutting_down = std::async(std::launch::async, [&pool] { pool.shutdown(); });
  gate.open();
  shutting_down.get();
  CHECK(ran == 8);
  CHECK(pool.queued() == 0);
}

TEST_CASE("after shutdown: no new tasks and a second shutdown is harmless and so is the destructor", "[ex2.2]") {
  ThreadPool pool{2, 2};
  std::atomic<int> ran{0};
  REQUIRE(pool.submit([&ran] { ++ran; }));
  pool.shutdown();
  CHECK(ran == 1);
  CHECK_FALSE(pool.submit([&ran] { ++ran; }));
  CHECK_FALSE(pool.try_submit([&ran] { ++ran; }));
  CHECK_FALSE(pool.wait_for_room(0ms));
  pool.shutdown();
  CHECK(ran == 1);
}

TEST_CASE("a pool asked for 0 workers or 0 places gets at least 1 of each", "[ex2.2]") {
  ThreadPool pool{0, 0};
  CHECK(pool.worker_count() == 1);
  std::promise<bool> ran;
  REQUIRE(pool.submit([&ran] { ran.set_value(true); }));
  CHECK(ran.get_future().get());
}

TEST_CASE("the destructor finishes the queued tasks too", "[ex2.2]") {
  std::atomic<int> ran{0};
  {
    ThreadPool pool{1, 100};
    for (int i = 0; i < 100; ++i) REQUIRE(pool.try_submit([&ran] { ++ran; }));
  }
  CHECK(ran == 100);
}

TEST_CASE("shutdown() from one of the pool's own tasks is refused instead of a deadlock", "[ex2.2]") {
  ThreadPool pool{2, 2};
  std::promise<std::string> what;
  REQUIRE(pool.submit([&] {
    try {
      pool.shutdown();
      what.set_value("returned");
    } catch (const std::logic_error& e) {
      what.set_value("logic_error");
    }
  }));
  CHECK(what.get_future().get() == "logic_error");
  pool.shutdown();
}
