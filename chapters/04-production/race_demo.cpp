// hs-ch04-race: the lesson's deliberately racy counter (README, "More than one io thread"). Two
// threads run one io_context; many connection-like strands each add 1 to a shared count, 100,000
// times in all. `--plain` uses a plain integer (a data race: counts get lost, and the tsan preset's
// build of this program reports it); `--strand` funnels every update through one strand;
// `--atomic` uses std::atomic. Prints the total and how many were lost.
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/strand.hpp>
#include <fmt/format.h>

#include "hs/cli.hpp"

int main(int argc, char** argv) {
  std::string way = "plain";
  int threads = 2;
  int updates = 100'000;
  hs::Cli cli{"hs-ch04-race", "a shared counter updated from two io threads: plain (racy), strand or atomic"};
  cli.add("--way", way, "WAY", "plain, strand or atomic");
  cli.add("--threads", threads, "N", "threads running the io_context");
  cli.add("--updates", updates, "N", "increments in all");
  cli.parse(argc, argv);
  if (way != "plain" && way != "strand" && way != "atomic") cli.fail("--way must be plain, strand or atomic");
  if (threads < 1 || threads > 64) cli.fail("--threads must be between 1 and 64");
  if (updates < 1) cli.fail("--updates must be 1 or more");

  asio::io_context io{threads};
  std::uint64_t plain = 0;                      // the bug: two threads write it with no synchronisation
  std::atomic<std::uint64_t> atomic{0};         // fix 1: every update is one indivisible step
  auto counter_strand = asio::make_strand(io);  // fix 2: every update runs on one strand, one at a time
  std::uint64_t on_strand = 0;

  // Each "connection" has its own strand, as in hs-ch04-server: connections run in parallel.
  constexpr int connections = 100;
  for (int c = 0; c < connections; ++c) {
    auto strand = asio::make_strand(io);
    for (int i = c; i < updates; i += connections) {
      asio::post(strand, [&] {
        if (way == "plain") {
          ++plain;
        } else if (way == "atomic") {
          atomic.fetch_add(1, std::memory_order_relaxed);
        } else {
          asio::post(counter_strand, [&] { ++on_strand; });
        }
      });
    }
  }
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back([&] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();

  const std::uint64_t total = way == "plain" ? plain : way == "atomic" ? atomic.load() : on_strand;
  fmt::print("{}: {} of {} increments counted, {} lost\n", way, total, updates,
             static_cast<std::uint64_t>(updates) - total);
  return total == static_cast<std::uint64_t>(updates) ? 0 : 1;
}
