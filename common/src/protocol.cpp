// The protocol vocabulary (see hs/protocol.hpp): reason names, ERROR lines, printable().
#include "hs/protocol.hpp"

#include <array>
#include <utility>

namespace hs {
namespace {

constexpr std::array<std::pair<ErrorReason, std::string_view>, 7> reason_names{{
    {ErrorReason::malformed, "malformed"},
    {ErrorReason::overflow, "overflow"},
    {ErrorReason::sequence, "sequence"},
    {ErrorReason::too_long, "too-long"},
    {ErrorReason::timeout, "timeout"},
    {ErrorReason::busy, "busy"},
    {ErrorReason::shutdown, "shutdown"},
}};

}  // namespace

std::string_view reason_name(ErrorReason reason) noexcept {
  for (const auto& [r, name] : reason_names) {
    if (r == reason) return name;
  }
  return "unknown";
}

std::optional<ErrorReason> reason_from_name(std::string_view name) noexcept {
  for (const auto& [r, n] : reason_names) {
    if (n == name) return r;
  }
  return std::nullopt;
}

std::string error_line(const ProtocolError& error) {
  std::string line{"ERROR "};
  line += reason_name(error.reason);
  if (!error.detail.empty()) {
    line += ' ';
    line += error.detail;
  }
  // Every line on the wire, ERROR lines included, obeys the 64-byte cap: cut a long detail.
  if (line.size() + 1 > max_line_bytes) {
    line.resize(max_line_bytes - 4);
    line += "...";
  }
  line += '\n';
  return line;
}

std::optional<ProtocolError> parse_error_line(std::string_view line) {
  constexpr std::string_view prefix{"ERROR "};
  if (!line.starts_with(prefix)) return std::nullopt;
  line.remove_prefix(prefix.size());
  const auto space = line.find(' ');
  const auto reason = reason_from_name(line.substr(0, space));
  if (!reason) return std::nullopt;
  std::string detail;
  if (space != std::string_view::npos) detail = line.substr(space + 1);
  return ProtocolError{*reason, std::move(detail), true};
}

std::string printable(std::string_view bytes, std::size_t max_chars) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    if (out.size() >= max_chars) {
      out += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\0': out += "\\0"; break;
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      default:
        if (u >= 0x20 && u < 0x7f) {
          out += c;
        } else {
          out += "\\x";
          out += hex[u >> 4];
          out += hex[u & 0xf];
        }
    }
  }
  return out;
}

}  // namespace hs
