// Exercise 0.2: the line framer. One read is not one message: every test here feeds the same
// stream cut in different places and expects the same lines.
#include <catch2/catch.hpp>

#include <vector>

#include "ch00/line_framer.hpp"

using hs::max_line_bytes;
using hs::ch00::FrameKind;
using hs::ch00::LineFramer;

namespace {

// Feeds `chunks` one by one; returns the lines, then "<too-long>" if the framer refused.
std::vector<std::string> frame_all(LineFramer& framer, const std::vector<std::string>& chunks) {
  std::vector<std::string> lines;
  for (const auto& chunk : chunks) {
    std::string_view input = chunk;
    while (true) {
      const auto frame = framer.next(input);
      if (frame.kind == FrameKind::need_more) break;
      if (frame.kind == FrameKind::too_long) {
        lines.push_back("<too-long>");
        return lines;
      }
      lines.emplace_back(frame.line);
    }
    REQUIRE(input.empty());  // need_more means every byte was taken
  }
  return lines;
}

std::vector<std::string> frame_all(const std::vector<std::string>& chunks) {
  LineFramer framer;
  return frame_all(framer, chunks);
}

using Lines = std::vector<std::string>;

}  // namespace

TEST_CASE("a whole line in one read comes out without its terminator", "[ex0.2]") {
  CHECK(frame_all({"HELLO 1\n"}) == Lines{"HELLO 1"});
  CHECK(frame_all({"HELLO 1\r\n"}) == Lines{"HELLO 1"});
  CHECK(frame_all({"\n"}) == Lines{""});
  CHECK(frame_all({"\r\n"}) == Lines{""});
}

TEST_CASE("a line split across reads comes out once it is complete", "[ex0.2]") {
  CHECK(frame_all({"HEL", "LO 4", "2\n"}) == Lines{"HELLO 42"});
  CHECK(frame_all({"HELLO 42\r", "\n"}) == Lines{"HELLO 42"});  // \r and \n in different reads
  CHECK(frame_all({"HELLO 42"}).empty());                       // no newline yet: nothing
}

TEST_CASE("several lines in one read come out one by one", "[ex0.2]") {
  CHECK(frame_all({"HELLO 1\nHELLO 3\n"}) == Lines{"HELLO 1", "HELLO 3"});
  CHECK(frame_all({"HELLO 1\nHEL", "LO 3\n"}) == Lines{"HELLO 1", "HELLO 3"});
  CHECK(frame_all({"a\r\nb\nc\r\n"}) == Lines{"a", "b", "c"});
}

TEST_CASE("every way of cutting a stream gives the same lines", "[ex0.2]") {
  const std::string stream = "HELLO 1\r\nHELLO 3\n\nHELLO -9223372036854775808\n";
  const Lines expected{"HELLO 1", "HELLO 3", "", "HELLO -9223372036854775808"};
  for (std::size_t cut1 = 0; cut1 <= stream.size(); ++cut1) {
    for (std::size_t cut2 = cut1; cut2 <= stream.size(); ++cut2) {
      const std::vector<std::string> chunks{stream.substr(0, cut1), stream.substr(cut1, cut2 - cut1),
                                            stream.substr(cut2)};
      INFO("cut at " << cut1 << " and " << cut2);
      REQUIRE(frame_all(chunks) == expected);
    }
  }
  std::vector<std::string> bytes;
  for (char c : stream) bytes.emplace_back(1, c);
  CHECK(frame_all(bytes) == expected);  // one byte per read
}

TEST_CASE("a line of exactly 64 bytes is allowed and 65 is too long", "[ex0.2]") {
  const std::string line63(max_line_bytes - 1, 'x');
  CHECK(frame_all({line63 + "\n"}) == Lines{line63});  // 63 + \n = 64 bytes
  const std::string line62(max_line_bytes - 2, 'x');
  CHECK(frame_all({line62 + "\r\n"}) == Lines{line62});        // 62 + \r\n = 64 bytes
  CHECK(frame_all({line63 + "\r\n"}) == Lines{"<too-long>"});  // 63 + \r\n = 65 bytes
  CHECK(frame_all({line63 + "x\n"}) == Lines{"<too-long>"});   // 64 + \n = 65 bytes
}

TEST_CASE("a too-long line is refused without waiting for its end", "[ex0.2]") {
  // 64 bytes and no newline: whatever comes next, the line cannot fit. Refuse now.
  CHECK(frame_all({std::string(max_line_bytes, 'x')}) == Lines{"<too-long>"});
  CHECK(frame_all({std::string(40, 'x'), std::string(24, 'x')}) == Lines{"<too-long>"});
  CHECK(frame_all({std::string(10'000, 'x')}) == Lines{"<too-long>"});
  // 63 bytes without a newline might still be a valid 64-byte line: wait.
  CHECK(frame_all({std::string(max_line_bytes - 1, 'x')}).empty());
}

TEST_CASE("the length cap counts each line on its own", "[ex0.2]") {
  const std::string line(max_line_bytes - 1, 'y');
  CHECK(frame_all({line + "\n" + line + "\n" + line + "\n"}) == Lines{line, line, line});
  CHECK(frame_all({"short\n" + std::string(100, 'z')}) == Lines{"short", "<too-long>"});
}

TEST_CASE("after refusing a line the framer stays refused", "[ex0.2]") {
  LineFramer framer;
  CHECK(frame_all(framer, {std::string(max_line_bytes, 'x')}) == Lines{"<too-long>"});
  std::string_view more = "HELLO 1\n";
  CHECK(framer.next(more).kind == FrameKind::too_long);
}

TEST_CASE("buffered() counts the unfinished line", "[ex0.2]") {
  LineFramer framer;
  std::string_view input = "HELLO 1\nHEL";
  const auto first = framer.next(input);
  REQUIRE(first.kind == FrameKind::line);
  CHECK(first.line == "HELLO 1");
  CHECK(input == "HEL");  // the rest stays for the next call
  CHECK(framer.next(input).kind == FrameKind::need_more);
  CHECK(input.empty());
  CHECK(framer.buffered() == 3);
  std::string_view rest = "LO 3\n";
  CHECK(framer.next(rest).line == "HELLO 3");
  CHECK(framer.buffered() == 0);
}

TEST_CASE("NUL and other bytes are just bytes to the framer", "[ex0.2]") {
  using namespace std::string_literals;
  CHECK(frame_all({"a\0b\n"s}) == Lines{"a\0b"s});
  CHECK(frame_all({"\xff\xfe\r\r\n"}) == Lines{"\xff\xfe\r"});  // only the last \r belongs to the terminator
}
