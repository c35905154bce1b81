// Command-line parsing for every Handshake program (see hs/cli.hpp).
#include "hs/cli.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include <fmt/format.h>

namespace hs {
namespace {

std::optional<long long> parse_integer(std::string_view text) {
  long long value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  const auto unit_at = text.find_first_not_of("0123456789");
  if (unit_at == 0 || unit_at == std::string_view::npos) return std::nullopt;
  const auto number = parse_integer(text.substr(0, unit_at));
  const auto unit = text.substr(unit_at);
  long long per_unit = 0;
  if (unit == "ms") {
    per_unit = 1;
  } else if (unit == "s") {
    per_unit = 1000;
  } else if (unit == "min") {
    per_unit = 60'000;
  }
  if (!number || per_unit == 0 || *number > std::numeric_limits<long long>::max() / per_unit) {
    return std::nullopt;
  }
  return Duration{*number * per_unit};
}

std::string format_duration(Duration d) {
  const auto ms = d.count();
  if (ms != 0 && ms % 60'000 == 0) return fmt::format("{}min", ms / 60'000);
  if (ms != 0 && ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
  return fmt::format("{}ms", ms);
}

Cli::Cli(std::string program, std::string summary) : program_{std::move(program)}, summary_{std::move(summary)} {}

void Cli::add(std::string name, std::string& value, std::string value_name, std::string help) {
  options_.push_back({std::move(name), std::move(value_name), std::move(help), value,
                      [&value](std::string_view text) -> std::optional<std::string> {
                        value = text;
                        return std::nullopt;
                      }});
}

void Cli::add(std::string name, Duration& value, std::string value_name, std::string help) {
  takes_duration_ = true;
  options_.push_back({std::move(name), std::move(value_name), std::move(help), format_duration(value),
                      [&value](std::string_view text) -> std::optional<std::string> {
                        const auto d = parse_duration(text);
                        if (!d) return "needs a duration with a unit, such as 250ms, 5s or 2min";
                        if (*d > max_duration) return "must be at most 1 day (86400s)";
                        value = *d;
                        return std::nullopt;
                      }});
}

void Cli::add(std::string name, bool& flag, std::string help) {
  options_.push_back(
      {std::move(name), "", std::move(help), "", [&flag](std::string_view) -> std::optional<std::string> {
         flag = true;
         return std::nullopt;
       }});
}

void Cli::add_integer(std::string name, std::string value_name, std::string help, std::string default_text,
                      long long min, long long max, std::function<void(long long)> store) {
  options_.push_back({std::move(name), std::move(value_name), std::move(help), std::move(default_text),
                      [min, max, store = std::move(store)](std::string_view text) -> std::optional<std::string> {
                        const auto v = parse_integer(text);
                        if (!v) return "needs a whole number";
                        if (*v < min || *v > max) return fmt::format("must be between {} and {}", min, max);
                        store(*v);
                        return std::nullopt;
                      }});
}

const Cli::Option* Cli::find(std::string_view name) const {
  for (const auto& option : options_) {
    if (option.name == name) return &option;
  }
  return nullptr;
}

std::optional<std::string> Cli::try_parse(std::span<const std::string_view> args) const {
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") return "help";
    std::optional<std::string_view> inline_value;
    if (const auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
      inline_value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    const Option* option = find(arg);
    if (option == nullptr) return fmt::format("unknown option '{}'", arg);
    std::string_view value;
    if (option->value_name.empty()) {
      if (inline_value) return fmt::format("{} is a flag and takes no value", arg);
    } else if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return fmt::format("{} needs a value ({})", arg, option->value_name);
    }
    if (auto error = option->set(value)) return fmt::format("{} {}: {}", arg, value, *error);
  }
  return std::nullopt;
}

void Cli::parse(int argc, char** argv) const {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  const auto error = try_parse(args);
  if (!error) return;
  if (*error == "help") {
    fmt::print("{}", usage());
    std::exit(0);
  }
  fail(*error);
}

void Cli::fail(std::string_view message) const {
  fmt::print(stderr, "{}: {}\nRun '{} --help' for the options.\n", program_, message, program_);
  std::exit(2);
}

std::string Cli::usage() const {
  std::string text = fmt::format("{} - {}\n\nUsage: {} [options]\n\nOptions:\n", program_, summary_, program_);
  for (const auto& option : options_) {
    const auto left = option.value_name.empty() ? option.name : option.name + ' ' + option.value_name;
    text += fmt::format("  {:<28} {}", left, option.help);
    if (!option.value_name.empty() && !option.default_text.empty()) {
      text += fmt::format(" (default: {})", option.default_text);
    }
    text += '\n';
  }
  text += fmt::format("  {:<28} {}\n", "--help", "show this help and exit");
  if (takes_duration_) text += "\nDurations take a unit: 250ms, 5s, 2min.\n";
  return text;
}

}  // namespace hs
