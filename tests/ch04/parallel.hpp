// Test support for chapter 04: run one body on N threads that start together, the way the threads
// of an io_context hit the same limiter or counter. Catch2's CHECK is not thread-safe, so bodies
// only record what they saw (in atomics); the test checks it after in_parallel() has joined them.
#pragma once

#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace hs::ch04::test {

/// Runs `body(i)` for i in [0, threads) on as many threads, released at once, and joins them.
/// The first exception a body throws (an untouched stub, say) is rethrown here, on the test's thread.
template <typename Body>
void in_parallel(int threads, Body body) {
  std::atomic<bool> go{false};
  std::mutex mutex;
  std::exception_ptr first_error;
  {
    std::vector<std::jthread> workers;
    // Declared after `workers`, so destroyed before them: every thread is released (even when
    // starting one failed) before the jthreads join.
    struct Release {
      std::atomic<bool>& go;
      ~Release() {
        go = true;
        go.notify_all();
      }
    } release{go};
    for (int i = 0; i < threads; ++i) {
      workers.emplace_back([&, i] {
        go.wait(false);
        try {
          body(i);
        } catch (...) {
          const std::lock_guard lock{mutex};
          if (!first_error) first_error = std::current_exception();
        }
      });
    }
  }
  if (first_error) std::rethrow_exception(first_error);
}

/// Raises `peak` to `value` if it is lower (what the tests use to record the most they ever saw).
template <typename T>
void record_max(std::atomic<T>& peak, T value) {
  auto seen = peak.load();
  while (value > seen && !peak.compare_exchange_weak(seen, value)) {
  }
}

}  // namespace hs::ch04::test
