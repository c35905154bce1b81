// Exercise 0.1: parse_hello() and format_hello(), table-driven.
#include <catch2/catch.hpp>

#include <limits>

#include "ch00/hello.hpp"

using hs::ErrorReason;
using hs::ch00::format_hello;
using hs::ch00::parse_hello;
using namespace std::string_literals;

namespace {

struct Valid {
  std::string line;
  std::int64_t number;
};

struct Refused {
  std::string line;
  ErrorReason reason;
  const char* why;
};

}  // namespace

TEST_CASE("parse_hello accepts every valid HELLO line", "[ex0.1]") {
  const auto row = GENERATE(values<Valid>({
      {"HELLO 0", 0},
      {"HELLO 1", 1},
      {"HELLO 41", 41},
      {"HELLO -1", -1},
      {"HELLO -0", 0},
      {"HELLO 007", 7},  // 1-19 digits: leading zeros are digits too
      {"HELLO 1000000000000000000", 1'000'000'000'000'000'000},
      {"HELLO 9223372036854775807", std::numeric_limits<std::int64_t>::max()},
      {"HELLO -9223372036854775808", std::numeric_limits<std::int64_t>::min()},
      {"HELLO 0000000000000000042", 42},  // exactly 19 digits
  }));
  INFO("input:    \"" << hs::printable(row.line) << "\"\nexpected: " << row.number);
  const auto parsed = parse_hello(row.line);
  INFO("actual:   " << (parsed ? std::to_string(parsed.number)
                               : "refused: " + std::string{hs::reason_name(parsed.error->reason)} + " " +
                                     parsed.error->detail));
  REQUIRE(parsed);
  CHECK(parsed.number == row.number);
}

TEST_CASE("parse_hello refuses anything else and says why", "[ex0.1]") {
  const auto row = GENERATE(values<Refused>({
      {"", ErrorReason::malformed, "empty line"},
      {"HELLO", ErrorReason::malformed, "no space, no number"},
      {"HELLO ", ErrorReason::malformed, "no number"},
      {"hello 1", ErrorReason::malformed, "HELLO is case-sensitive"},
      {"Hello 1", ErrorReason::malformed, "HELLO is case-sensitive"},
      {"HELLO  1", ErrorReason::malformed, "exactly one space"},
      {" HELLO 1", ErrorReason::malformed, "nothing before HELLO"},
      {"HELLO 1 ", ErrorReason::malformed, "nothing after the number"},
      {"HELLO\t1", ErrorReason::malformed, "a tab is not a space"},
      {"HELLO -", ErrorReason::malformed, "a sign needs digits"},
      {"HELLO --1", ErrorReason::malformed, "one sign at most"},
      {"HELLO +1", ErrorReason::malformed, "no plus sign"},
      {"HELLO 1a", ErrorReason::malformed, "digits only"},
      {"HELLO 0x10", ErrorReason::malformed, "decimal only"},
      {"HELLO 1.5", ErrorReason::malformed, "whole numbers only"},
      {"HELLO 1e3", ErrorReason::malformed, "no exponent"},
      {"HELLO 1\r", ErrorReason::malformed, "one \\r is stripped by the framer; another is not allowed"},
      {"HELLO 1\0"s, ErrorReason::malformed, "NUL is not a digit"},
      {"\0HELLO 1"s, ErrorReason::malformed, "NUL before HELLO"},
      {"HELLO \xd9\xa1", ErrorReason::malformed, "only ASCII digits"},
      {"HELLO 12345678901234567890", ErrorReason::malformed, "20 digits: at most 19"},
      {"HELLO 00000000000000000001", ErrorReason::malformed, "20 digits even if the value is small"},
      {"ERROR busy", ErrorReason::malformed, "not a HELLO"},
      {"GET / HTTP/1.1", ErrorReason::malformed, "an HTTP client knocked"},
      {"HELLO 9223372036854775808", ErrorReason::overflow, "INT64_MAX + 1"},
      {"HELLO -9223372036854775809", ErrorReason::overflow, "INT64_MIN - 1"},
      {"HELLO 9999999999999999999", ErrorReason::overflow, "19 digits that do not fit"},
  }));
  INFO("input:    \"" << hs::printable(row.line) << "\" (" << row.why << ")\nexpected: refused with "
                      << hs::reason_name(row.reason));
  const auto parsed = parse_hello(row.line);
  INFO("actual:   " << (parsed ? "accepted as " + std::to_string(parsed.number)
                               : "refused with " + std::string{hs::reason_name(parsed.error->reason)} + " \"" +
                                     parsed.error->detail + "\""));
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error->reason == row.reason);
  CHECK_FALSE(parsed.error->detail.empty());
  CHECK(parsed.error->detail.find('\n') == std::string::npos);
}

TEST_CASE("format_hello writes one terminated line", "[ex0.1]") {
  const auto row = GENERATE(values<Valid>({
      {"HELLO 0\n", 0},
      {"HELLO 42\n", 42},
      {"HELLO -7\n", -7},
      {"HELLO 9223372036854775807\n", std::numeric_limits<std::int64_t>::max()},
      {"HELLO -9223372036854775808\n", std::numeric_limits<std::int64_t>::min()},
  }));
  INFO("number: " << row.number);
  CHECK(format_hello(row.number) == row.line);
}

TEST_CASE("parse_hello reads back what format_hello writes", "[ex0.1]") {
  for (std::int64_t n : {std::int64_t{0}, std::int64_t{1}, std::int64_t{-1}, std::int64_t{123456789},
                         std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min()}) {
    auto line = format_hello(n);
    REQUIRE(line.ends_with('\n'));
    line.pop_back();
    const auto parsed = parse_hello(line);
    INFO("number: " << n << ", line: \"" << line << "\"");
    REQUIRE(parsed);
    CHECK(parsed.number == n);
  }
}
