// Process stats from /proc: this process exists, uses memory, and grows by what it touches.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <thread>
#include <vector>

#include "hs/proc_stats.hpp"

TEST_CASE("read_process_stats reads this process", "[proc]") {
  const auto before = hs::read_process_stats();
  REQUIRE(before);
  CHECK(before->rss_kb > 0);
  CHECK(before->vsize_kb >= before->rss_kb);
  CHECK(before->threads >= 1);
  std::vector<char> touched(64 << 20, 1);  // 64 MiB, every page written
  const auto after = hs::read_process_stats(::getpid());
  REQUIRE(after);
  CHECK(after->rss_kb >= before->rss_kb + 60 * 1024);
  std::thread extra{[] {}};
  extra.join();
  CHECK(touched[12345] == 1);
}

TEST_CASE("read_process_stats says nothing for a process that does not exist", "[proc]") {
  CHECK_FALSE(hs::read_process_stats(999'999'999));
}
