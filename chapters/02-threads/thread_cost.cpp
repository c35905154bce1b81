// hs-thread-cost: what a thread costs on this machine, measured. Chapter 02's lesson quotes its
// output. Three measurements:
//   1. creating and joining a thread (that does nothing), per thread;
//   2. the memory of N threads parked on a latch: address space reserved (their stacks) versus
//      memory really used (what they touched);
//   3. a context switch: two threads passing a token back and forth.
#include <chrono>
#include <latch>
#include <semaphore>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "hs/cli.hpp"
#include "hs/proc_stats.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double micros_since(Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

void creation(int n) {
  const auto start = Clock::now();
  for (int i = 0; i < n; ++i) std::thread{[] {}}.join();
  fmt::print("create + join one thread:        {:8.1f} us   ({} threads, one after another)\n", micros_since(start) / n,
             n);
}

void memory(int n) {
  const auto before = hs::read_process_stats().value();
  std::latch started{n};
  std::latch release{1};
  std::vector<std::jthread> threads;
  threads.reserve(static_cast<std::size_t>(n));
  const auto start = Clock::now();
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&] {
      started.count_down();
      release.wait();  // parked, like a thread waiting for its client's next message
    });
  }
  started.wait();
  const double spawn_us = micros_since(start) / n;
  const auto during = hs::read_process_stats().value();
  release.count_down();
  threads.clear();  // joins
  const double n_d = n;
  fmt::print("{} threads parked at once:     {:8.1f} us each to start\n", n, spawn_us);
  fmt::print("  address space reserved:        {:8.0f} KiB per thread (the stack, mostly untouched)\n",
             static_cast<double>(during.vsize_kb - before.vsize_kb) / n_d);
  fmt::print("  memory really used (RSS):      {:8.1f} KiB per thread\n",
             static_cast<double>(during.rss_kb - before.rss_kb) / n_d);
  fmt::print("  threads in this process:       {:8}\n", during.threads);
}

void switching(int round_trips) {
  std::binary_semaphore ping{0};
  std::binary_semaphore pong{0};
  std::jthread partner{[&] {
    for (int i = 0; i < round_trips; ++i) {
      ping.acquire();
      pong.release();
    }
  }};
  const auto start = Clock::now();
  for (int i = 0; i < round_trips; ++i) {
    ping.release();
    pong.acquire();
  }
  const double us = micros_since(start);
  fmt::print(
      "hand a token to another thread:  {:8.2f} us   (a switch there and back: {} round trips,\n"
      "                                             {:.2f} us per round trip)\n",
      us / (2.0 * round_trips), round_trips, us / round_trips);
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1000;
  int round_trips = 100'000;
  hs::Cli cli{"hs-thread-cost", "measure what a thread costs on this machine (chapter 02)"};
  cli.add("--threads", threads, "N", "threads to park at once for the memory measurement");
  cli.add("--round-trips", round_trips, "N", "token round trips for the context-switch measurement");
  cli.parse(argc, argv);
  if (threads < 1 || threads > 10'000) cli.fail("--threads must be 1 to 10000");
  if (round_trips < 1) cli.fail("--round-trips must be 1 or more");
  fmt::print("hardware threads (cores): {}\n\n", std::thread::hardware_concurrency());
  creation(2000);
  memory(threads);
  switching(round_trips);
  return 0;
}
