// hs-load's statistics: nearest-rank percentiles on known inputs and edge cases, and a tally that
// survives the trip through a worker's pipe.
#include <catch2/catch.hpp>

#include <numeric>
#include <vector>

#include "given/ch05/stats.hpp"

using hs::load::Result;

TEST_CASE("nearest_rank picks the sample of rank ceil of p percent of n", "[stats]") {
  const std::vector<std::uint64_t> sorted{15, 20, 35, 40, 50};
  CHECK(hs::load::nearest_rank(sorted, 5) == 15u);
  CHECK(hs::load::nearest_rank(sorted, 30) == 20u);
  CHECK(hs::load::nearest_rank(sorted, 40) == 20u);
  CHECK(hs::load::nearest_rank(sorted, 50) == 35u);
  CHECK(hs::load::nearest_rank(sorted, 100) == 50u);
}

TEST_CASE("nearest_rank is exact at whole ranks (no floating-point off-by-one)", "[stats]") {
  std::vector<std::uint64_t> sorted(1000);
  std::iota(sorted.begin(), sorted.end(), 1);
  CHECK(hs::load::nearest_rank(sorted, 50) == 500u);
  CHECK(hs::load::nearest_rank(sorted, 90) == 900u);
  CHECK(hs::load::nearest_rank(sorted, 99) == 990u);
  CHECK(hs::load::nearest_rank(sorted, 99.9) == 999u);
  sorted.resize(100);
  CHECK(hs::load::nearest_rank(sorted, 99) == 99u);
  sorted.resize(10);
  CHECK(hs::load::nearest_rank(sorted, 90) == 9u);
}

TEST_CASE("nearest_rank has no answer for no samples or a p outside 0 to 100", "[stats]") {
  CHECK_FALSE(hs::load::nearest_rank({}, 50));
  CHECK_FALSE(hs::load::nearest_rank({1, 2, 3}, 0));
  CHECK_FALSE(hs::load::nearest_rank({1, 2, 3}, 100.5));
}

TEST_CASE("summarize: empty input and one sample and unsorted input", "[stats]") {
  std::vector<std::uint64_t> none;
  CHECK(hs::load::summarize(none).samples == 0);

  std::vector<std::uint64_t> one{7};
  const auto single = hs::load::summarize(one);
  CHECK(single.samples == 1);
  CHECK(single.p50_us == 7);
  CHECK(single.p90_us == 7);
  CHECK(single.p99_us == 7);
  CHECK(single.max_us == 7);

  std::vector<std::uint64_t> shuffled{9, 1, 8, 2, 7, 3, 6, 4, 5, 10};
  const auto s = hs::load::summarize(shuffled);
  CHECK(s.samples == 10);
  CHECK(s.p50_us == 5);
  CHECK(s.p90_us == 9);
  CHECK(s.p99_us == 10);
  CHECK(s.max_us == 10);
}

TEST_CASE("a tally counts outcomes and ERROR reasons and client-side causes", "[stats]") {
  hs::load::Tally tally;
  tally.record({Result::ok, {}, {}}, 120);
  tally.record({Result::ok, {}, {}}, 80);
  tally.record({Result::server_error, hs::ErrorReason::busy, {}}, 0);
  tally.record({Result::connect_error, {}, "Too many open files"}, 0);
  tally.record({Result::timeout, {}, {}}, 0);
  CHECK(tally.count(Result::ok) == 2);
  CHECK(tally.count(Result::server_error) == 1);
  CHECK(tally.count(hs::ErrorReason::busy) == 1);
  CHECK(tally.causes.at("connect-error: Too many open files") == 1);
  CHECK(tally.finished() == 5);
  CHECK(tally.failed() == 3);
  CHECK(tally.latencies_us == std::vector<std::uint64_t>{120, 80});
}

TEST_CASE("a tally survives to_text and tally_from_text and merges", "[stats]") {
  hs::load::Tally tally;
  for (std::uint64_t i = 0; i < 40; ++i) tally.record({Result::ok, {}, {}}, 1000 + i);
  tally.record({Result::server_error, hs::ErrorReason::too_long, {}}, 0);
  tally.record({Result::reset, {}, {}}, 0);
  tally.record({Result::io_error, {}, "Network is unreachable"}, 0);
  const auto text = hs::load::to_text(tally);
  const auto back = hs::load::tally_from_text(text);
  REQUIRE(back);
  CHECK(back->by_result == tally.by_result);
  CHECK(back->server_errors == tally.server_errors);
  CHECK(back->causes == tally.causes);
  CHECK(back->latencies_us == tally.latencies_us);

  hs::load::Tally merged = *back;
  merged.merge(tally);
  CHECK(merged.count(Result::ok) == 80);
  CHECK(merged.count(hs::ErrorReason::too_long) == 2);
  CHECK(merged.causes.at("io-error: Network is unreachable") == 2);
  CHECK(merged.latencies_us.size() == 80);
}

TEST_CASE("tally_from_text refuses text that was cut short or is not a tally", "[stats]") {
  hs::load::Tally tally;
  tally.record({Result::ok, {}, {}}, 5);
  const auto text = hs::load::to_text(tally);
  CHECK_FALSE(hs::load::tally_from_text(text.substr(0, text.size() - 4)));  // no `end`
  CHECK_FALSE(hs::load::tally_from_text(""));
  CHECK_FALSE(hs::load::tally_from_text("result ok 1\nlatencies 2\n5\nend\n"));  // one sample missing
  CHECK_FALSE(hs::load::tally_from_text("result nonsense 1\nlatencies 0\nend\n"));
  CHECK(hs::load::tally_from_text("latencies 0\nend\n"));
}
