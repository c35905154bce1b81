// Exercise 0.1 (reference): parse and format a HELLO message.
#include "ch00/hello.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include <fmt/format.h>

namespace hs::ch00 {
namespace {

constexpr std::string_view keyword{"HELLO "};
constexpr std::size_t max_digits = 19;

ParsedHello refuse(ErrorReason reason, std::string detail) { return {0, ProtocolError{reason, std::move(detail)}}; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

ParsedHello parse_hello(std::string_view line) {
  if (!line.starts_with(keyword)) {
    return refuse(ErrorReason::malformed, fmt::format("expected HELLO <number>, got \"{}\"", printable(line, 24)));
  }
  const std::string_view text = line.substr(keyword.size());
  // Validate the shape ourselves: from_chars would also accept "12abc" (stopping early), and the
  // spec is stricter than it about digits.
  const std::string_view digits = text.starts_with('-') ? text.substr(1) : text;
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), is_digit)) {
    return refuse(ErrorReason::malformed, fmt::format("not a number: \"{}\"", printable(text, 24)));
  }
  if (digits.size() > max_digits) {
    return refuse(ErrorReason::malformed, fmt::format("{} digits, at most {}", digits.size(), max_digits));
  }
  std::int64_t number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec == std::errc::result_out_of_range) {
    return refuse(ErrorReason::overflow, fmt::format("{} does not fit in 64 bits", text));
  }
  return {number, std::nullopt};
}

std::string format_hello(std::int64_t number) {
  std::array<char, 32> buffer{};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), number);
  std::string message{keyword};
  message.append(buffer.data(), end);
  message += '\n';
  return message;
}

}  // namespace hs::ch00
