// Command-line parsing: values, flags, durations with units, and clear usage errors.
#include <catch2/catch.hpp>

#include <vector>

#include "hs/cli.hpp"

using namespace std::chrono_literals;

namespace {

struct Options {
  std::string bind = "127.0.0.1";
  std::uint16_t port = 7878;
  hs::Duration timeout = 5s;
  bool quiet = false;
  int threads = 4;
};

std::optional<std::string> parse(Options& o, std::vector<std::string_view> args) {
  hs::Cli cli{"hs-test", "a test program"};
  cli.add("--bind", o.bind, "ADDR", "address to listen on");
  cli.add("--port", o.port, "N", "port");
  cli.add("--read-timeout", o.timeout, "DURATION", "per message");
  cli.add("--quiet", o.quiet, "no info lines");
  cli.add("--threads", o.threads, "W", "workers");
  return cli.try_parse(args);
}

}  // namespace

TEST_CASE("durations need a unit", "[cli]") {
  CHECK(hs::parse_duration("250ms") == 250ms);
  CHECK(hs::parse_duration("5s") == 5s);
  CHECK(hs::parse_duration("2min") == 2min);
  CHECK(hs::parse_duration("0s") == 0ms);
  for (auto bad : {"5", "s", "", "5 s", "-5s", "5h", "1.5s", "99999999999999999999s"}) {
    CAPTURE(bad);
    CHECK_FALSE(hs::parse_duration(bad));
  }
  CHECK(hs::format_duration(5s) == "5s");
  CHECK(hs::format_duration(250ms) == "250ms");
  CHECK(hs::format_duration(2min) == "2min");
}

TEST_CASE("options are bound to variables", "[cli]") {
  Options o;
  REQUIRE_FALSE(parse(o, {"--port", "0", "--bind=::1", "--read-timeout", "250ms", "--quiet", "--threads=8"}));
  CHECK(o.port == 0);
  CHECK(o.bind == "::1");
  CHECK(o.timeout == 250ms);
  CHECK(o.quiet);
  CHECK(o.threads == 8);
}

TEST_CASE("defaults stay when options are absent", "[cli]") {
  Options o;
  REQUIRE_FALSE(parse(o, {}));
  CHECK(o.port == 7878);
  CHECK(o.timeout == 5s);
  CHECK_FALSE(o.quiet);
}

TEST_CASE("usage errors say what is wrong", "[cli]") {
  Options o;
  CHECK(parse(o, {"--prot", "1"}) == "unknown option '--prot'");
  CHECK(parse(o, {"--port"}) == "--port needs a value (N)");
  CHECK(parse(o, {"--port", "70000"}) == "--port 70000: must be between 0 and 65535");
  CHECK(parse(o, {"--port", "12ab"}) == "--port 12ab: needs a whole number");
  CHECK(parse(o, {"--threads", "-1"}) == std::nullopt);  // an int may be negative...
  std::size_t queue = 64;
  hs::Cli sized{"hs-test", "unsigned options"};
  sized.add("--queue", queue, "Q", "queue");
  const std::vector<std::string_view> ok{"--queue", "128"};
  CHECK(sized.try_parse(ok) == std::nullopt);
  CHECK(queue == 128);
  const std::vector<std::string_view> negative{"--queue", "-1"};  // ...a size_t may not
  CHECK(sized.try_parse(negative) == "--queue -1: must be between 0 and 9223372036854775807");
  CHECK(parse(o, {"--read-timeout", "5"}) ==
        "--read-timeout 5: needs a duration with a unit, such as 250ms, 5s or 2min");
  CHECK(parse(o, {"--quiet=yes"}) == "--quiet is a flag and takes no value");
  CHECK(parse(o, {"--read-timeout", "9223372036s"}) == "--read-timeout 9223372036s: must be at most 1 day (86400s)");
  CHECK(parse(o, {"--help"}) == "help");
}

TEST_CASE("usage lists every option with its default", "[cli]") {
  Options o;
  hs::Cli cli{"hs-test", "a test program"};
  cli.add("--port", o.port, "N", "port");
  cli.add("--read-timeout", o.timeout, "DURATION", "per message");
  const auto text = cli.usage();
  CHECK_THAT(text, Catch::Contains("--port N") && Catch::Contains("(default: 7878)"));
  CHECK_THAT(text, Catch::Contains("(default: 5s)") && Catch::Contains("--help"));
}

TEST_CASE("usage says how to write a duration only when an option takes one", "[cli]") {
  Options o;
  hs::Cli without{"hs-test", "no duration option"};
  without.add("--port", o.port, "N", "port");
  without.add("--quiet", o.quiet, "no info lines");
  CHECK_THAT(without.usage(), !Catch::Contains("Durations"));
  hs::Cli with{"hs-test", "one duration option"};
  with.add("--port", o.port, "N", "port");
  with.add("--read-timeout", o.timeout, "DURATION", "per message");
  CHECK_THAT(with.usage(), Catch::Contains("Durations take a unit: 250ms, 5s, 2min."));
}
