// The protocol vocabulary: reason names round-trip, ERROR lines format and parse, printable().
#include <catch2/catch.hpp>

#include "hs/protocol.hpp"

using hs::ErrorReason;

TEST_CASE("every reason name round-trips", "[protocol]") {
  for (auto r : {ErrorReason::malformed, ErrorReason::overflow, ErrorReason::sequence, ErrorReason::too_long,
                 ErrorReason::timeout, ErrorReason::busy, ErrorReason::shutdown}) {
    CAPTURE(hs::reason_name(r));
    CHECK(hs::reason_from_name(hs::reason_name(r)) == r);
  }
  CHECK(hs::reason_name(ErrorReason::too_long) == "too-long");
  CHECK_FALSE(hs::reason_from_name("too_long"));
  CHECK_FALSE(hs::reason_from_name("ERROR"));
}

TEST_CASE("error lines are formatted per the spec", "[protocol]") {
  CHECK(hs::error_line({ErrorReason::sequence, "expected 7 got 99"}) == "ERROR sequence expected 7 got 99\n");
  CHECK(hs::error_line({ErrorReason::busy, ""}) == "ERROR busy\n");
}

TEST_CASE("error lines are parsed back and marked as from the peer", "[protocol]") {
  const auto e = hs::parse_error_line("ERROR sequence expected 7 got 99");
  REQUIRE(e);
  CHECK(e->reason == ErrorReason::sequence);
  CHECK(e->detail == "expected 7 got 99");
  CHECK(e->from_peer);
  const auto bare = hs::parse_error_line("ERROR timeout");
  REQUIRE(bare);
  CHECK(bare->detail.empty());
  CHECK_FALSE(hs::parse_error_line("ERROR nonsense at all"));
  CHECK_FALSE(hs::parse_error_line("HELLO 2"));
  CHECK_FALSE(hs::parse_error_line("ERROR"));
}

TEST_CASE("printable escapes control bytes and cuts long input", "[protocol]") {
  using namespace std::string_view_literals;
  CHECK(hs::printable("HELLO 1") == "HELLO 1");
  CHECK(hs::printable("a\r\n\t\"\\"sv) == R"(a\r\n\t\"\\)");
  CHECK(hs::printable("\0\x7f\xff"sv) == R"(\0\x7f\xff)");
  CHECK(hs::printable(std::string(100, 'x'), 10) == std::string(10, 'x') + "...");
}

TEST_CASE("an error line never exceeds the 64-byte line cap", "[protocol]") {
  const auto line = hs::error_line({ErrorReason::sequence, "expected -9223372036854775806 got 9223372036854775807"});
  CHECK(line.size() == hs::max_line_bytes);
  CHECK(line == "ERROR sequence expected -9223372036854775806 got 92233720368...\n");
}
