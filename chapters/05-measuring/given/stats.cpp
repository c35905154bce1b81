// Counting outcomes and summarising latencies for hs-load (see hs/load/stats.hpp).
#include "given/ch05/stats.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace hs::load {
namespace {

std::optional<std::uint64_t> parse_count(std::string_view text) {
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || text.empty()) return std::nullopt;
  return value;
}

// Splits off the first space-separated word of `text`.
std::string_view next_word(std::string_view& text) {
  const auto space = text.find(' ');
  const auto word = text.substr(0, space);
  text.remove_prefix(space == std::string_view::npos ? text.size() : space + 1);
  return word;
}

}  // namespace

std::optional<std::uint64_t> nearest_rank(const std::vector<std::uint64_t>& sorted, double p) {
  if (sorted.empty() || !(p > 0 && p <= 100)) return std::nullopt;
  // p * n first: for a whole p this is exact, and so is the division when the rank is a whole number.
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size()) / 100));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

LatencySummary summarize(std::vector<std::uint64_t>& latencies_us) {
  std::sort(latencies_us.begin(), latencies_us.end());
  if (latencies_us.empty()) return {};
  return {latencies_us.size(), *nearest_rank(latencies_us, 50), *nearest_rank(latencies_us, 90),
          *nearest_rank(latencies_us, 99), latencies_us.back()};
}

void Tally::record(const Outcome& outcome, std::uint64_t latency_us) {
  ++by_result[static_cast<std::size_t>(outcome.result)];
  if (outcome.result == Result::ok) latencies_us.push_back(latency_us);
  if (outcome.result == Result::server_error) ++server_errors[static_cast<std::size_t>(outcome.server_reason)];
  if (!outcome.cause.empty()) ++causes[fmt::format("{}: {}", result_name(outcome.result), outcome.cause)];
}

void Tally::merge(const Tally& other) {
  for (std::size_t i = 0; i < by_result.size(); ++i) by_result[i] += other.by_result[i];
  for (std::size_t i = 0; i < server_errors.size(); ++i) server_errors[i] += other.server_errors[i];
  for (const auto& [cause, n] : other.causes) causes[cause] += n;
  latencies_us.insert(latencies_us.end(), other.latencies_us.begin(), other.latencies_us.end());
}

std::uint64_t Tally::finished() const {
  std::uint64_t sum = 0;
  for (const auto n : by_result) sum += n;
  return sum;
}

std::string to_text(const Tally& tally) {
  std::string text;
  for (const auto result : all_results) {
    if (tally.count(result) != 0) text += fmt::format("result {} {}\n", result_name(result), tally.count(result));
  }
  for (const auto reason : all_reasons) {
    if (tally.count(reason) != 0) text += fmt::format("server-error {} {}\n", reason_name(reason), tally.count(reason));
  }
  for (const auto& [cause, n] : tally.causes) text += fmt::format("cause {} {}\n", n, cause);
  text += fmt::format("latencies {}\n", tally.latencies_us.size());
  for (std::size_t i = 0; i < tally.latencies_us.size(); ++i) {
    text +=
        fmt::format("{}{}", tally.latencies_us[i], (i % 16 == 15 || i + 1 == tally.latencies_us.size()) ? '\n' : ' ');
  }
  text += "end\n";
  return text;
}

std::optional<Tally> tally_from_text(std::string_view text) {
  Tally tally;
  std::optional<std::uint64_t> latencies_expected;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    if (nl == std::string_view::npos) return std::nullopt;  // cut short: every line ends in \n
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    if (line == "end") {
      if (!latencies_expected || *latencies_expected != tally.latencies_us.size()) return std::nullopt;
      return tally;
    }
    if (latencies_expected) {  // after the `latencies` line: numbers only
      while (!line.empty()) {
        const auto n = parse_count(next_word(line));
        if (!n) return std::nullopt;
        tally.latencies_us.push_back(*n);
      }
      continue;
    }
    const auto key = next_word(line);
    if (key == "latencies") {
      latencies_expected = parse_count(line);
      if (!latencies_expected) return std::nullopt;
      tally.latencies_us.reserve(*latencies_expected);
    } else if (key == "cause") {
      const auto n = parse_count(next_word(line));
      if (!n || line.empty()) return std::nullopt;
      tally.causes[std::string{line}] += *n;
    } else if (key == "result" || key == "server-error") {
      const auto name = next_word(line);
      const auto n = parse_count(line);
      if (!n) return std::nullopt;
      bool known = false;
      for (const auto result : all_results) {
        if (key == "result" && result_name(result) == name) {
          tally.by_result[static_cast<std::size_t>(result)] += *n;
          known = true;
        }
      }
      if (const auto reason = reason_from_name(name); key == "server-error" && reason) {
        tally.server_errors[static_cast<std::size_t>(*reason)] += *n;
        known = true;
      }
      if (!known) return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  return std::nullopt;  // no `end` line
}

}  // namespace hs::load
