// Invariants of the ch00 machines on ANY input, shared by the bounded property test (Catch2, every
// build) and the libFuzzer target (clang, scripts/check). Each check returns an empty string when
// every invariant held, else what broke.
//
// The oracle does not trust the code under test: it frames and parses the first line itself, with
// its own simple rules, and it knows that cutting a stream differently must not change the reply.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "ch00/client_handshake.hpp"
#include "ch00/server_handshake.hpp"

namespace hs::ch00::fuzz {

// The oracle's own reading of `HELLO <number>`: the number, or nothing if malformed or too big.
inline std::optional<std::int64_t> oracle_number(std::string_view line) {
  if (line.substr(0, 6) != "HELLO ") return std::nullopt;
  std::string_view digits = line.substr(6);
  const bool negative = !digits.empty() && digits[0] == '-';
  if (negative) digits.remove_prefix(1);
  if (digits.empty() || digits.size() > 19) return std::nullopt;
  std::int64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    // Accumulate negatively so that INT64_MIN fits.
    if (__builtin_mul_overflow(value, 10, &value) || __builtin_sub_overflow(value, c - '0', &value)) {
      return std::nullopt;
    }
  }
  if (!negative && value == std::numeric_limits<std::int64_t>::min()) return std::nullopt;
  return negative ? value : -value;
}

// Every line in `out` is at most 64 bytes and either `HELLO <number>` or `ERROR <known reason>`;
// an ERROR line is the last one.
inline std::string check_output(std::string_view out) {
  while (!out.empty()) {
    const auto nl = out.find('\n');
    if (nl == std::string_view::npos) return fmt::format("output not ending in \\n: \"{}\"", printable(out));
    if (nl + 1 > max_line_bytes) return fmt::format("output line over 64 bytes: \"{}\"", printable(out.substr(0, nl)));
    const auto line = out.substr(0, nl);
    out.remove_prefix(nl + 1);
    if (parse_error_line(line)) {
      if (!out.empty()) return "output continues after an ERROR line";
    } else if (!oracle_number(line)) {
      return fmt::format("output line is neither HELLO nor ERROR: \"{}\"", printable(line));
    }
  }
  return {};
}

// Feeds `data` whole and then in pieces (sizes taken from `cuts`), then end of stream; compares.
template <typename Machine, typename Make>
std::string check_split_invariance(Make make, std::string_view data, std::string_view cuts, Step& whole_result) {
  Machine whole = make();
  Step first = whole.on_bytes(data);
  Step last = whole.on_eof();
  std::string whole_out = first.out + last.out;
  if (auto bad = check_output(whole_out); !bad.empty()) return bad;
  if ((last.status == Status::failed) != last.error.has_value()) return "error set but status not failed (or back)";
  if (last.status == Status::in_progress) return "still in progress after end of stream";

  Machine pieces = make();
  std::string pieces_out;
  std::size_t at = 0;
  for (std::size_t i = 0; at < data.size(); ++i) {
    const std::size_t n = cuts.empty() ? 1 : 1 + static_cast<unsigned char>(cuts[i % cuts.size()]) % 16;
    const Step step = pieces.on_bytes(data.substr(at, n));
    pieces_out += step.out;
    if (step.status == Status::failed && !step.error) return "failed without an error";
    at += n;
  }
  const Step pieces_last = pieces.on_eof();
  pieces_out += pieces_last.out;
  if (pieces_out != whole_out || pieces_last.status != last.status) {
    return fmt::format("cutting the input changed the reply: whole \"{}\", in pieces \"{}\"", printable(whole_out, 80),
                       printable(pieces_out, 80));
  }
  // Once finished, a machine says nothing more.
  if (!pieces.on_bytes("HELLO 1\n").out.empty() || !pieces.on_timeout(Timeout::read).out.empty()) {
    return "output after the handshake finished";
  }
  whole_result = std::move(last);
  whole_result.out = std::move(whole_out);
  return {};
}

// The server on arbitrary client bytes.
inline std::string check_server(std::string_view data, std::string_view cuts) {
  Step result;
  auto bad = check_split_invariance<ServerHandshake>([] { return ServerHandshake{}; }, data, cuts, result);
  if (!bad.empty()) return bad;
  // The oracle's own framing of the first line decides the first reply.
  const auto nl = data.substr(0, max_line_bytes).find('\n');
  if (nl == std::string_view::npos) {
    const bool too_long = data.size() >= max_line_bytes;
    if (!result.out.starts_with(too_long ? "ERROR too-long" : "ERROR malformed")) {
      return fmt::format("first line unterminated: expected ERROR {}, got \"{}\"", too_long ? "too-long" : "malformed",
                         printable(result.out));
    }
    return {};
  }
  std::string_view line = data.substr(0, nl);
  if (line.ends_with('\r')) line.remove_suffix(1);
  const auto x = oracle_number(line);
  if (x && *x <= std::numeric_limits<std::int64_t>::max() - 2) {
    const std::string expected = fmt::format("HELLO {}\n", *x + 1);
    if (!result.out.starts_with(expected)) {
      return fmt::format("X = {}: expected the reply to start with \"{}\", got \"{}\"", *x, printable(expected),
                         printable(result.out));
    }
  } else if (!result.out.starts_with("ERROR ") || result.status != Status::failed) {
    return fmt::format("first line \"{}\" is not a usable HELLO, yet the reply is \"{}\"", printable(line),
                       printable(result.out));
  }
  return {};
}

// The client (opening with `x`) on arbitrary server bytes.
inline std::string check_client(std::int64_t x, std::string_view data, std::string_view cuts) {
  auto make = [x] {
    ClientHandshake client{x};
    client.start();
    return client;
  };
  Step result;
  auto bad = check_split_invariance<ClientHandshake>(make, data, cuts, result);
  if (!bad.empty()) return bad;
  // The client only ever sends its Z, and only after a correct Y.
  if (!result.out.empty() &&
      (x == std::numeric_limits<std::int64_t>::max() || result.out != fmt::format("HELLO {}\n", x + 2))) {
    return fmt::format("client with X = {} sent \"{}\"", x, printable(result.out));
  }
  if (result.status == Status::done) {  // success needs a first line that the oracle reads as X + 1
    std::string_view line = data.substr(0, data.find('\n'));
    if (line.ends_with('\r')) line.remove_suffix(1);
    const auto y = oracle_number(line);
    if (!y || x == std::numeric_limits<std::int64_t>::max() || *y != x + 1) {
      return fmt::format("client with X = {} succeeded on \"{}\"", x, printable(data));
    }
  }
  return {};
}

}  // namespace hs::ch00::fuzz
