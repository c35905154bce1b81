// Exercise 6.1: Task<T> and spawn(). No runtime here: a task that has to wait suspends in Parked
// (below), and the test resumes it by hand, which is all a runtime does.
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "fixtures.hpp"
#include "hs/testing/sanitized.hpp"

using namespace hs::ch06;
using namespace hs::ch06::test;

namespace {

/// An awaitable that suspends and leaves the task's handle in `parked`, for the test to resume.
struct Parked {
  std::coroutine_handle<>& parked;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> task) noexcept { parked = task; }
  void await_resume() const noexcept {}
};

/// Counts its own destruction: put one in a frame to see when the frame goes.
struct Tracker {
  int& destroyed;
  explicit Tracker(int& counter) : destroyed{counter} {}
  Tracker(const Tracker&) = delete;
  ~Tracker() { ++destroyed; }
};

Task<int> answer(std::vector<std::string>& trace) {
  trace.push_back("answer runs");
  co_return 42;
}

Task<void> fails() {
  throw std::runtime_error{"the task failed"};
  co_return;
}

Task<int> add_one(Task<int> inner) {
  const int value = co_await std::move(inner);
  co_return value + 1;
}

Task<int> immediately(int value) { co_return value; }

}  // namespace

TEST_CASE("a task is lazy: calling it runs nothing and awaiting it runs it and gives its value", "[ex6.1]") {
  std::vector<std::string> trace;
  Outcome<int> outcome;
  auto outer = [](std::vector<std::string>& t) -> Task<int> {
    Task<int> inner = answer(t);
    t.push_back("created");
    const int value = co_await std::move(inner);
    t.push_back("awaited");
    co_return value;
  };
  spawn_into(outer(trace), outcome);
  CHECK(trace == std::vector<std::string>{"created", "answer runs", "awaited"});
  REQUIRE(outcome.done);
  CHECK_FALSE(outcome.thrown);
  CHECK(outcome.value == 42);
}

TEST_CASE("values are moved to the awaiter through a chain of tasks", "[ex6.1]") {
  Outcome<std::unique_ptr<std::string>> outcome;  // move-only: a copy would not compile
  auto make = []() -> Task<std::unique_ptr<std::string>> { co_return std::make_unique<std::string>("moved"); };
  auto pass = [](Task<std::unique_ptr<std::string>> inner) -> Task<std::unique_ptr<std::string>> {
    auto value = co_await std::move(inner);
    co_return value;
  };
  spawn_into(pass(pass(make())), outcome);
  REQUIRE(outcome.done);
  REQUIRE(outcome.value);
  REQUIRE(*outcome.value);
  CHECK(**outcome.value == "moved");

  Outcome<int> chained;
  spawn_into(add_one(add_one(add_one(immediately(1)))), chained);
  CHECK(chained.value == 4);
}

TEST_CASE("an exception a task lets escape is rethrown at its awaiter's co_await", "[ex6.1]") {
  Outcome<std::string> outcome;
  auto catcher = []() -> Task<std::string> {
    try {
      co_await fails();
    } catch (const std::runtime_error& e) {
      co_return std::string{"caught: "} + e.what();
    }
    co_return "not thrown";
  };
  spawn_into(catcher(), outcome);
  REQUIRE(outcome.done);
  CHECK_FALSE(outcome.thrown);
  CHECK(outcome.value == "caught: the task failed");

  Outcome<std::monostate> uncaught;  // and further up, to on_done, if nobody catches it
  spawn_into([]() -> Task<void> { co_await fails(); }(), uncaught);
  REQUIRE(uncaught.done);
  REQUIRE(uncaught.thrown);
  CHECK_THROWS_WITH(std::rethrow_exception(uncaught.thrown), "the task failed");
}

TEST_CASE("a task's frame is destroyed exactly once: finished or never started or suspended", "[ex6.1]") {
  int destroyed = 0;
  auto tracked = [](int& counter, std::coroutine_handle<>* park) -> Task<int> {
    Tracker tracker{counter};
    if (park != nullptr) co_await Parked{*park};
    co_return 7;
  };
  SECTION("never started: destroying the Task destroys the frame") {
    { auto task = tracked(destroyed, nullptr); }
    CHECK(destroyed == 0);  // the body never ran, so its Tracker never existed (ASan: no leak)
  }
  SECTION("finished: once, when the awaiter is done with it") {
    Outcome<int> outcome;
    spawn_into(tracked(destroyed, nullptr), outcome);
    CHECK(outcome.value == 7);
    CHECK(destroyed == 1);
  }
  SECTION("suspended, when the Task is destroyed") {
    std::coroutine_handle<> parked;
    {
      auto task = tracked(destroyed, &parked);
      task.await_suspend(std::noop_coroutine()).resume();  // started by hand: it runs to Parked
      REQUIRE(parked);
      CHECK(destroyed == 0);
    }  // destroyed while suspended: its frame, and the Tracker in it, go now
    CHECK(destroyed == 1);
  }
  SECTION("resumed to its end by whoever parked it, then destroyed by its awaiter") {
    std::coroutine_handle<> parked;
    Outcome<int> outcome;
    auto outer = [](Task<int> inner, int& counter) -> Task<int> {
      Tracker mine{counter};
      co_return co_await std::move(inner);
    };
    spawn_into(outer(tracked(destroyed, &parked), destroyed), outcome);
    REQUIRE(parked);
    CHECK(destroyed == 0);
    parked.resume();  // the inner task finishes; the outer one too
    CHECK(outcome.value == 7);
    CHECK(destroyed == 2);
  }
  SECTION("moved: the moved-from Task owns nothing, the assigned-to one frees its old frame") {
    {
      auto a = tracked(destroyed, nullptr);
      auto b = std::move(a);  // NOLINT(performance-unnecessary-copy-initialization): the move is the test
      auto c = tracked(destroyed, nullptr);
      c = std::move(b);
      Outcome<int> outcome;
      spawn_into(std::move(c), outcome);
      CHECK(outcome.value == 7);
      CHECK(destroyed == 1);  // the Tracker of the one that ran; the other never ran
    }
    CHECK(destroyed == 1);
  }
}

TEST_CASE("move-assigning a Task frees the frame it had and takes over the other's", "[ex6.1]") {
  // A frame keeps its parameters until it is destroyed: each shared_ptr's use_count() says whether
  // the frame holding its copy is still there.
  auto holds = [](std::shared_ptr<int> p) -> Task<int> { co_return *p; };
  const auto first = std::make_shared<int>(1);
  const auto second = std::make_shared<int>(2);
  Task<int> a = holds(first);
  Task<int> b = holds(second);
  REQUIRE(first.use_count() == 2);
  REQUIRE(second.use_count() == 2);
  b = std::move(a);
  CHECK(second.use_count() == 1);  // b's old frame, never started, is gone
  CHECK(first.use_count() == 2);   // a's frame lives on, in b
  Outcome<int> outcome;
  spawn_into(std::move(b), outcome);
  CHECK(outcome.value == 1);  // b runs the task it took from a
  CHECK(first.use_count() == 1);
}

namespace {

std::uintptr_t deepest = 0;  // the lowest stack address a task ran at (the stack grows down)
std::uintptr_t shallowest = 0;

Task<int> completes_at_once(int i) {
  // Where this call of the coroutine's body is on the stack (its locals are in its frame, on the
  // heap: their addresses would say nothing).
  const auto address = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  if (deepest == 0 || address < deepest) deepest = address;
  if (address > shallowest) shallowest = address;
  co_return i;
}

// g++ 12 makes the tail call of symmetric transfer only with -foptimize-sibling-calls
// (cmake/HsCompilerSettings.cmake turns it on), and not at all in a sanitizer's build.
#if defined(__GNUC__) && !defined(__clang__) && HS_SANITIZED
constexpr bool tail_calls = false;
#else
constexpr bool tail_calls = true;
#endif

}  // namespace

TEST_CASE("a million tasks that complete at once do not grow the stack: symmetric transfer", "[ex6.1]") {
  // Without symmetric transfer, each completion *calls* resume() on the awaiter from inside the
  // task, and each await of the loop nests one level deeper: about 100 bytes of stack per task,
  // and the 8 MiB stack overflows after some 80,000. With it, every switch is a jump.
  if (!tail_calls) {
    WARN("skipped: g++ cannot make symmetric transfer's tail call in a sanitizer's build");
    return;
  }
  deepest = shallowest = 0;
  Outcome<std::int64_t> outcome;
  auto loop = []() -> Task<std::int64_t> {
    std::int64_t sum = 0;
    for (int i = 0; i < 1'000'000; ++i) {
      const int value = co_await completes_at_once(i);
      sum += value;
      if (shallowest - deepest > 256 * 1024) co_return -1;  // growing: stop before the stack overflows
    }
    co_return sum;
  };
  spawn_into(loop(), outcome);
  REQUIRE(outcome.done);
  INFO("the stack grew by " << (shallowest - deepest) << " bytes");
  CHECK(outcome.value == std::int64_t{999'999} * 1'000'000 / 2);
  CHECK(shallowest - deepest < 4096);
}

TEST_CASE("spawn: the task runs now until it first suspends and on_done is called once when it ends", "[ex6.1]") {
  std::coroutine_handle<> parked;
  std::vector<std::string> trace;
  int calls = 0;
  auto task = [](std::coroutine_handle<>& park, std::vector<std::string>& t) -> Task<int> {
    t.push_back("started");
    co_await Parked{park};
    t.push_back("resumed");
    co_return 5;
  };
  spawn(task(parked, trace), [&](std::exception_ptr thrown, int value) {
    ++calls;
    CHECK_FALSE(thrown);
    CHECK(value == 5);
    trace.push_back("on_done");
  });
  CHECK(trace == std::vector<std::string>{"started"});  // spawn() returned at the first suspension
  CHECK(calls == 0);
  REQUIRE(parked);
  parked.resume();
  CHECK(trace == std::vector<std::string>{"started", "resumed", "on_done"});
  CHECK(calls == 1);
}

TEST_CASE("spawn: a task that throws reports it to on_done with a default value", "[ex6.1]") {
  int calls = 0;
  auto throws = []() -> Task<int> {
    throw std::logic_error{"bug"};
    co_return 1;
  };
  spawn(throws(), [&](std::exception_ptr thrown, int value) {
    ++calls;
    REQUIRE(thrown);
    CHECK_THROWS_WITH(std::rethrow_exception(thrown), "bug");
    CHECK(value == 0);
  });
  CHECK(calls == 1);
}

TEST_CASE("spawn: an exception that escapes on_done reaches whoever resumed the task", "[ex6.1]") {
  std::coroutine_handle<> parked;
  auto task = [](std::coroutine_handle<>& park) -> Task<void> { co_await Parked{park}; };
  {
#if HS_LEAK_CHECKED
    // The one leak of this chapter, on purpose: the wrapper's frame stays suspended at its final
    // point once an exception has left it (the standard says so), and the program is about to stop.
    __lsan::ScopedDisabler leak_on_purpose;
#endif
    spawn(task(parked), [](std::exception_ptr) { throw std::runtime_error{"from on_done"}; });
  }
  REQUIRE(parked);
  // Not swallowed: the runtime's run() would throw it (a stub's ExerciseNotDone stops the server).
  CHECK_THROWS_WITH(parked.resume(), "from on_done");
}
