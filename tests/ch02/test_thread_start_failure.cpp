// When the system has no thread to give, std::thread throws std::system_error (EAGAIN). A machine
// gets there only under duress, so these tests make it happen: this file defines pthread_create(),
// which the dynamic linker then prefers to the C library's for the whole test program (symbol
// interposition, the trick behind LD_PRELOAD), and which fails or holds a thread start on request.
// The sanitizers intercept pthread_create() themselves, so under them these tests are skipped.
#include <dlfcn.h>
#include <pthread.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <system_error>

#include "ch02/thread_pool.hpp"
#include "fixtures.hpp"
#include "hs/testing/sanitized.hpp"

using namespace hs::ch02;
using namespace hs::ch02::test;

#ifndef HS_SANITIZED

namespace {

std::atomic<int> starts_before_failure{-1};  // -1: none fails; n >= 0: that many start, the next fails

std::mutex hold_mutex;
std::condition_variable hold_changed;
bool hold_next = false;  // the next start waits until release_held_start()
bool holding = false;    // a start is waiting now

// While it lives, `starts` more threads start, then the next one fails. (Disarmed at the end of
// the test even if it fails early: a later test must get its threads.)
struct FailThreadStart {
  explicit FailThreadStart(int starts) { starts_before_failure = starts; }
  ~FailThreadStart() { starts_before_failure = -1; }
};

// While it lives, the next thread start waits (holding is true meanwhile); released at the end.
struct HoldThreadStart {
  HoldThreadStart() {
    const std::lock_guard lock{hold_mutex};
    hold_next = true;
  }
  ~HoldThreadStart() { release(); }
  void release() {
    const std::lock_guard lock{hold_mutex};
    hold_next = false;
    hold_changed.notify_all();
  }
  static bool held() {
    const std::lock_guard lock{hold_mutex};
    return holding;
  }
};

}  // namespace

extern "C" int pthread_create(pthread_t* thread, const pthread_attr_t* attributes, void* (*start)(void*),
                              void* argument) {
  using Real = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
  static const auto real = reinterpret_cast<Real>(::dlsym(RTLD_NEXT, "pthread_create"));
  int left = starts_before_failure.load();
  while (left >= 0 && !starts_before_failure.compare_exchange_weak(left, left - 1)) {
  }
  if (left == 0) return EAGAIN;  // what the C library says when there are no threads to be had
  {
    std::unique_lock lock{hold_mutex};
    if (hold_next) {
      holding = true;
      hold_changed.notify_all();
      hold_changed.wait(lock, [] { return !hold_next; });
      holding = false;
    }
  }
  return real(thread, attributes, start, argument);
}

TEST_CASE("the pool: if a worker cannot start then the ones that did are stopped and the constructor throws",
          "[ex2.2]") {
  const FailThreadStart failing{1};  // the first worker starts, the second cannot
  CHECK_THROWS_AS(ThreadPool(3, 1), std::system_error);
}

TEST_CASE("thread per connection: a client whose thread cannot start gets ERROR busy and the loop carries on",
          "[ex2.1]") {
  Server server{thread_per_connection()};
  std::optional<FailThreadStart> failing{std::in_place, 0};
  auto refused = server.connect();
  CHECK(refused.read_all() == "ERROR busy server at capacity\n");
  failing.reset();
  CHECK(server.eventually([&] { return server.stats().refused_busy == 1; }));
  CHECK(server.stats().threads_now == 0);
  INFO("the server logged:\n" << server.log().text());
  CHECK(server.log().count("cannot start a thread") == 1);
  auto next = server.connect();
  CHECK(handshake(next, 1).empty());
  server.stop();
  CHECK(server.stats().accept.completed == 1);
}

TEST_CASE("thread per connection: clients still waiting when the stop comes hear ERROR shutdown", "[ex2.1]") {
  Server server{thread_per_connection()};
  HoldThreadStart hold;  // the loop will wait inside std::thread's constructor...
  auto first = server.connect();
  REQUIRE(server.eventually(HoldThreadStart::held));
  auto waiting = server.connect();  // ...so this one stays in the backlog...
  waiting.send("HELLO 30\n");
  server.request_stop();  // ...until after the stop was asked for
  hold.release();
  CHECK(waiting.read_all() == "ERROR shutdown server stopping\n");
  CHECK(handshake(first, 1).empty());  // accepted before the stop: served
  server.stop();
  CHECK(server.stats().accept.completed == 1);
}

#else

TEST_CASE("thread start failures (skipped under the sanitizers as they intercept pthread_create)", "[ex2.1]") {
  WARN("skipped: a sanitizer intercepts pthread_create(), so these tests cannot replace it");
}

#endif
