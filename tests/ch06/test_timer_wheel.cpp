// Exercise 6.3: the timer wheel alone (arm, cancel, expire against times the test chooses), then
// on a Runtime with a VirtualClock: deadlines on waits, sleeps and Timers, none of them sleeping.
#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "../support/aborts.hpp"
#include "fixtures.hpp"
#include "hs/testing/sanitized.hpp"

using namespace hs::ch06;
using namespace hs::ch06::test;
using namespace std::chrono_literals;

namespace {

// Every operator new of this test program, counted (atomic: some tests allocate on other threads).
std::atomic<std::size_t> allocations{0};

/// The entries of an expire() list, in order.
std::vector<TimerWheel::Entry*> listed(TimerWheel::Entry* first) {
  std::vector<TimerWheel::Entry*> entries;
  for (auto* e = first; e != nullptr; e = e->next) entries.push_back(e);
  return entries;
}

const TimePoint t0 = TimePoint{} + 24h;

}  // namespace

// Counted only outside the sanitizers' builds: they have their own operator new, and mixing the
// two is an error they report.
#if HS_SANITIZED
constexpr bool counted = false;
#else
constexpr bool counted = true;
void* operator new(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc{};
}
// The nothrow form too (Catch2 registers each test with it): under AddressSanitizer, whose own
// operator new would otherwise allocate it, the operator delete above would free memory it did not
// allocate, and ASan stops the program.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
#endif

TEST_CASE("a timer fires at the first tick at or after its deadline: never early and at most a tick late", "[ex6.3]") {
  TimerWheel wheel{t0, 10ms, 64};
  TimerWheel::Entry on_tick, mid_tick;
  wheel.arm(on_tick, t0 + 30ms);   // exactly on tick 3
  wheel.arm(mid_tick, t0 + 31ms);  // inside tick 3: fires at tick 4
  CHECK(wheel.size() == 2);
  CHECK(wheel.expire(t0 + 29ms) == nullptr);
  CHECK(listed(wheel.expire(t0 + 30ms)) == std::vector<TimerWheel::Entry*>{&on_tick});
  CHECK_FALSE(on_tick.armed);
  CHECK(wheel.expire(t0 + 39ms) == nullptr);
  CHECK(listed(wheel.expire(t0 + 40ms)) == std::vector<TimerWheel::Entry*>{&mid_tick});
  CHECK(wheel.empty());
}

TEST_CASE("cancel() unlinks in O(1): a cancelled timer never fires and cancelling twice is harmless", "[ex6.3]") {
  TimerWheel wheel{t0, 10ms, 64};
  TimerWheel::Entry a, b, c;
  for (auto* e : {&a, &b, &c}) wheel.arm(*e, t0 + 50ms);  // one slot, a list of three
  wheel.cancel(b);                                        // the middle
  wheel.cancel(b);
  TimerWheel::Entry never_armed;
  wheel.cancel(never_armed);
  CHECK(wheel.size() == 2);
  CHECK(listed(wheel.expire(t0 + 1s)).size() == 2);
  wheel.arm(a, t0 + 2s);
  wheel.cancel(a);  // the only one in its slot
  CHECK(wheel.expire(t0 + 3s) == nullptr);
  CHECK(wheel.empty());
}

#ifndef NDEBUG  // assert() is compiled out of a release build: nothing to test there
TEST_CASE("an entry destroyed while armed stops a debug build: the wheel would link freed memory", "[ex6.3]") {
  CHECK(hs::testing::aborts([] {
    TimerWheel wheel{t0, 10ms, 64};
    TimerWheel::Entry entry;
    wheel.arm(entry, t0 + 1s);
  }));
  CHECK_FALSE(hs::testing::aborts([] {  // cancelled first: nothing to say
    TimerWheel wheel{t0, 10ms, 64};
    TimerWheel::Entry entry;
    wheel.arm(entry, t0 + 1s);
    wheel.cancel(entry);
  }));
}
#endif

TEST_CASE("arming an armed timer moves it and a deadline already past fires at the next tick", "[ex6.3]") {
  TimerWheel wheel{t0, 10ms, 64};
  TimerWheel::Entry e;
  wheel.arm(e, t0 + 100ms);
  wheel.arm(e, t0 + 20ms);
  CHECK(wheel.size() == 1);
  CHECK(listed(wheel.expire(t0 + 20ms)) == std::vector<TimerWheel::Entry*>{&e});
  wheel.arm(e, t0);  // in the past: not during arm(), nor in this tick's visit, but the next one
  CHECK(wheel.expire(t0 + 29ms) == nullptr);
  CHECK(listed(wheel.expire(t0 + 30ms)) == std::vector<TimerWheel::Entry*>{&e});
  CHECK(wheel.expire(t0 + 1s) == nullptr);  // fired once
}

TEST_CASE("a timer beyond one turn of the wheel waits its turn and a long jump fires everything due once", "[ex6.3]") {
  TimerWheel wheel{t0, 10ms, 8};  // one turn: 80 ms
  TimerWheel::Entry near, far, farther;
  wheel.arm(near, t0 + 10ms);      // slot 1
  wheel.arm(far, t0 + 90ms);       // slot 1 too, a turn later
  wheel.arm(farther, t0 + 250ms);  // three turns on
  CHECK(listed(wheel.expire(t0 + 10ms)) == std::vector<TimerWheel::Entry*>{&near});
  CHECK(wheel.expire(t0 + 89ms) == nullptr);  // slot 1 visited again at 90
  CHECK(listed(wheel.expire(t0 + 90ms)) == std::vector<TimerWheel::Entry*>{&far});
  CHECK(wheel.expire(t0 + 240ms) == nullptr);
  std::vector<TimerWheel::Entry> many(20);
  for (std::size_t i = 0; i < many.size(); ++i) wheel.arm(many[i], t0 + 300ms + static_cast<int>(i) * 37ms);
  const auto fired = listed(wheel.expire(t0 + 10s));  // far past every one of them
  CHECK(fired.size() == 21);
  CHECK(wheel.empty());
}

TEST_CASE("expire() lists the timers due earliest first", "[ex6.3]") {
  TimerWheel wheel{t0, 10ms, 64};
  TimerWheel::Entry late, early, middle;
  wheel.arm(late, t0 + 50ms);
  wheel.arm(early, t0 + 10ms);
  wheel.arm(middle, t0 + 30ms);
  CHECK(listed(wheel.expire(t0 + 100ms)) == std::vector<TimerWheel::Entry*>{&early, &middle, &late});
}

TEST_CASE("next_visit(): when the next armed slot comes round or nothing", "[ex6.3]") {
  TimerWheel wheel{t0, 10ms, 64};
  CHECK_FALSE(wheel.next_visit());
  TimerWheel::Entry e;
  wheel.arm(e, t0 + 41ms);
  CHECK(wheel.next_visit() == t0 + 50ms);
  wheel.cancel(e);
  CHECK_FALSE(wheel.next_visit());
}

TEST_CASE("10000 timers: arm and cancel allocate nothing and each fires in its own tick", "[ex6.3]") {
  TimerWheel wheel{t0, 10ms, 1024};
  std::vector<TimerWheel::Entry> entries(10'000);
  const std::size_t before = allocations.load();
  for (std::size_t i = 0; i < entries.size(); ++i) wheel.arm(entries[i], t0 + 1ms * static_cast<int>(i * 3 + 1));
  for (std::size_t i = 0; i < entries.size(); i += 2) wheel.cancel(entries[i]);
  if (counted) {
    CHECK(allocations.load() == before);  // the entries are the caller's; the wheel only links them
  } else {
    WARN("allocations not counted in a sanitizer's build (they are in the others)");
  }
  CHECK(wheel.size() == 5'000);
  std::size_t fired = 0, early = 0;
  for (TimePoint now = t0; now <= t0 + 31s; now += 10ms) {
    for (auto* e : listed(wheel.expire(now))) {
      ++fired;
      const auto i = static_cast<std::size_t>(e - entries.data());
      const TimePoint deadline = t0 + 1ms * static_cast<int>(i * 3 + 1);
      if (now < deadline || now >= deadline + 10ms) ++early;  // never early, never a tick late
    }
  }
  CHECK(fired == 5'000);
  CHECK(early == 0);
}

// ------------------------------------------------------------------------- on a Runtime's wheel

namespace {

Task<Wake> read_with_deadline(Runtime& runtime, WatchedFd& io, TimePoint deadline) {
  std::array<char, 8> buffer;
  for (;;) {
    const Transfer t = io.read_some(buffer);
    if (!t.would_block()) co_return Wake::ready;
    const Wake wake = co_await runtime.readable(io, deadline);
    if (wake != Wake::ready) co_return wake;
  }
}

}  // namespace

TEST_CASE("a wait with a deadline wakes with Wake::timeout when it passes first and not before", "[ex6.3]") {
  VirtualClock clock;
  Runtime runtime{clock};
  auto pair = LocalPair::make();
  WatchedFd io{std::move(pair.code)};
  runtime.watch(io);
  Outcome<Wake> outcome;
  spawn_into(read_with_deadline(runtime, io, clock.now() + 5s), outcome);
  clock.set(clock.now() + 4999ms);
  runtime.poll();
  CHECK_FALSE(outcome.done);
  clock.set(clock.now() + 1ms);
  runtime.poll();
  REQUIRE(outcome.done);
  CHECK(outcome.value == Wake::timeout);
  CHECK(runtime.finished());  // neither the timer nor the wait for I/O is left behind
}

TEST_CASE("a wait with a deadline woken by I/O first disarms its timer", "[ex6.3]") {
  VirtualClock clock;
  Runtime runtime{clock};
  auto pair = LocalPair::make();
  WatchedFd io{std::move(pair.code)};
  runtime.watch(io);
  Outcome<Wake> outcome;
  spawn_into(read_with_deadline(runtime, io, clock.now() + 5s), outcome);
  CHECK(runtime.timers().size() == 1);
  pair.test.send("x");
  runtime.poll();
  REQUIRE(outcome.done);
  CHECK(outcome.value == Wake::ready);
  CHECK(runtime.timers().empty());
  CHECK(runtime.finished());
}

TEST_CASE("sleep_until() wakes at its time and a Timer at its time or with Wake::cancelled", "[ex6.3]") {
  VirtualClock clock;
  Runtime runtime{clock};
  const TimePoint start = clock.now();
  Outcome<TimePoint> slept;
  spawn_into(
      [](Runtime& r, TimePoint until) -> Task<TimePoint> {
        co_await r.sleep_until(until);
        co_return r.now();
      }(runtime, start + 100ms),
      slept);
  Timer timer{runtime};
  Outcome<Wake> first, second;
  auto wait = [](Timer& t, TimePoint until) -> Task<Wake> { co_return co_await t.wait_until(until); };
  spawn_into(wait(timer, start + 50ms), first);
  clock.set(start + 99ms);
  runtime.poll();
  CHECK(first.value == Wake::ready);
  CHECK_FALSE(slept.done);
  clock.set(start + 100ms);
  runtime.poll();
  CHECK(slept.value == start + 100ms);

  spawn_into(wait(timer, start + 1h), second);
  timer.cancel();
  runtime.poll();
  CHECK(second.value == Wake::cancelled);
  CHECK(runtime.finished());  // the cancelled timer is disarmed
}

namespace {

/// Waits on `io` with a deadline twice at the same co_await, so in the same awaitable in its frame:
/// to read, then to write. A second's sleep after each.
Task<void> reads_then_writes(Runtime& runtime, WatchedFd& io, TimePoint deadline, std::vector<Wake>& wakes) {
  for (const bool write : {false, true}) {
    // Not co_await (write ? writable() : readable()): g++ 12 then destroys an awaitable it never
    // constructed, and a wait's destructor gives back a count and checks its timer entry.
    if (write) {
      wakes.push_back(co_await runtime.writable(io, deadline));
    } else {
      wakes.push_back(co_await runtime.readable(io, deadline));
    }
    co_await runtime.sleep_until(runtime.now() + 1s);
  }
}

}  // namespace

TEST_CASE("a wait ended by its deadline stops waiting for I/O: bytes that come later wake nobody", "[ex6.3]") {
  VirtualClock clock;
  Runtime runtime{clock};
  auto pair = LocalPair::make();
  WatchedFd io{std::move(pair.code)};
  runtime.watch(io);
  std::vector<Wake> wakes;
  Outcome<std::monostate> outcome;
  spawn_into(reads_then_writes(runtime, io, clock.now() + 5s, wakes), outcome);
  clock.set(clock.now() + 5s);
  runtime.poll();
  CHECK(wakes == std::vector<Wake>{Wake::timeout});
  clock.set(clock.now() + 1s);
  runtime.poll();  // the wait to write: writable already (nothing sent yet), so it does not suspend
  CHECK(wakes == std::vector<Wake>{Wake::timeout, Wake::ready});
  pair.test.send("y");  // readable now, while the task sleeps: an event for no awaiter, old or new
  runtime.poll();
  clock.set(clock.now() + 1s);
  runtime.poll();
  CHECK(outcome.done);
  CHECK(runtime.finished());
}
