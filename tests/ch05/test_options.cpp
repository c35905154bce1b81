// hs-load's options: loopback only, source addresses, splitting a run among worker processes, and
// the usage errors that point at --procs and --src-ips.
#include <catch2/catch.hpp>

#include <set>

#include "given/ch05/options.hpp"

TEST_CASE("only loopback hosts are accepted", "[options]") {
  CHECK(hs::load::loopback_address("127.0.0.1"));
  CHECK(hs::load::loopback_address("127.1.2.3"));
  CHECK(hs::load::loopback_address("::1"));
  CHECK(hs::load::loopback_address("localhost"));
  CHECK_FALSE(hs::load::loopback_address("10.0.0.1"));
  CHECK_FALSE(hs::load::loopback_address("0.0.0.0"));
  CHECK_FALSE(hs::load::loopback_address("example.com"));
  CHECK_FALSE(hs::load::loopback_address(""));
}

TEST_CASE("source addresses: --src-ips takes a count or a range or one address and all in 127.0.0.0/8", "[options]") {
  const auto four = hs::load::parse_source_ips("4");
  REQUIRE(four);
  REQUIRE(four->size() == 4);
  CHECK(four->front().to_string() == "127.0.0.1");
  CHECK(four->back().to_string() == "127.0.0.4");
  const auto range = hs::load::parse_source_ips("127.0.0.250-127.0.1.2");
  REQUIRE(range);
  CHECK(range->size() == 9);
  CHECK(range->back().to_string() == "127.0.1.2");
  CHECK(hs::load::parse_source_ips("127.0.0.9")->size() == 1);
  CHECK_FALSE(hs::load::parse_source_ips("0"));
  CHECK_FALSE(hs::load::parse_source_ips("256"));
  CHECK_FALSE(hs::load::parse_source_ips("10.0.0.1-10.0.0.4"));
  CHECK_FALSE(hs::load::parse_source_ips("127.0.0.4-127.0.0.1"));
  CHECK_FALSE(hs::load::parse_source_ips("four"));
}

TEST_CASE("a run is split among workers without losing or sharing anything", "[options]") {
  hs::load::LoadOptions options;
  options.conns = 10;
  options.total = 101;
  options.procs = 3;
  options.sources = *hs::load::parse_source_ips("2");
  std::int64_t conns = 0;
  std::int64_t total = 0;
  std::set<std::int64_t> xs;
  for (int i = 0; i < options.procs; ++i) {
    const auto plan = hs::load::plan_for_worker(options, i);
    conns += plan.conns;
    total += plan.total;
    for (std::int64_t k = 0; k < plan.total; ++k) xs.insert(plan.first_x + k * plan.x_step);
  }
  CHECK(conns == 10);
  CHECK(total == 101);
  CHECK(xs.size() == 101);  // every handshake opens with its own X
  CHECK(hs::load::plan_for_worker(options, 0).conns == 4);
  CHECK(hs::load::plan_for_worker(options, 1).first_source == 1);
}

TEST_CASE("too many connections for one process or one source address is a usage error", "[options]") {
  hs::load::LoadOptions options;
  options.conns = 19'950;
  options.total = 19'950;
  const auto fds = hs::load::check_limits(options, 20'000, 28'232);
  REQUIRE(fds);
  CHECK_THAT(*fds, Catch::Contains("add --procs 2"));
  options.procs = 2;
  CHECK_FALSE(hs::load::check_limits(options, 20'000, 28'232));

  options.conns = options.total = 60'000;
  options.procs = 4;
  const auto ports = hs::load::check_limits(options, 20'000, 28'232);
  REQUIRE(ports);
  CHECK_THAT(*ports, Catch::Contains("add --src-ips 3"));
  options.sources = *hs::load::parse_source_ips("3");
  CHECK_FALSE(hs::load::check_limits(options, 20'000, 28'232));
}

TEST_CASE("counts that cannot be split or a run without an end are usage errors", "[options]") {
  hs::load::LoadOptions options;
  options.conns = 2;
  options.total = 0;
  CHECK(hs::load::check_limits(options, 20'000, 28'232));  // neither --total nor --duration
  options.total = 5;
  options.procs = 3;
  CHECK(hs::load::check_limits(options, 20'000, 28'232));  // fewer conns than processes
  options.procs = 0;
  CHECK(hs::load::check_limits(options, 20'000, 28'232));
}
