// Test harness for the handshake state machines: a script of events and the expected reply to each.
// On a mismatch it prints every step run so far, then "expected ... / actual ...", so a failure
// reads as a lesson (the habit of CS144's test harness).
//
// Expected output may end in '*' to mean "any detail to the end of that line": ERROR details are
// free text, except that some must name something (`.naming("HELLO Z")`: which line a timeout
// waited for) and `sequence`'s is fixed ("expected 7 got 99").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "hs/protocol.hpp"

namespace hs::ch00::test {

struct Event {
  enum class Kind { start, bytes, eof, read_timeout, handshake_timeout };
  Kind kind = Kind::bytes;
  std::string bytes;
};

inline Event start() { return {Event::Kind::start, {}}; }
inline Event recv(std::string bytes) { return {Event::Kind::bytes, std::move(bytes)}; }
inline Event eof() { return {Event::Kind::eof, {}}; }
inline Event read_timeout() { return {Event::Kind::read_timeout, {}}; }
inline Event handshake_timeout() { return {Event::Kind::handshake_timeout, {}}; }

struct Expect {
  std::string out;  ///< exact, or a prefix ending in '*' (see above)
  Status status = Status::in_progress;
  std::optional<ErrorReason> reason = std::nullopt;  ///< required when status is failed
  bool from_peer = false;
  std::string named = {};  ///< if set, the error's detail must contain it

  /// The same expectation, whose error detail must also contain `words`.
  Expect naming(std::string words) && {
    named = std::move(words);
    return std::move(*this);
  }
};

inline Expect more(std::string out = {}) { return {std::move(out), Status::in_progress}; }
inline Expect done(std::string out = {}) { return {std::move(out), Status::done}; }
inline Expect failed(ErrorReason r, std::string out, bool from_peer = false) {
  return {std::move(out), Status::failed, r, from_peer};
}

struct ScriptStep {
  Event event;
  Expect expect;
};

struct Script {
  std::string name;
  std::vector<ScriptStep> steps;
};

inline std::string describe(const Event& e) {
  switch (e.kind) {
    case Event::Kind::start: return "start()";
    case Event::Kind::bytes: return fmt::format("on_bytes(\"{}\")", printable(e.bytes, 70));
    case Event::Kind::eof: return "on_eof()";
    case Event::Kind::read_timeout: return "on_timeout(Timeout::read)";
    case Event::Kind::handshake_timeout: return "on_timeout(Timeout::handshake)";
  }
  return "?";
}

inline std::string_view status_name(Status s) {
  switch (s) {
    case Status::in_progress: return "in_progress";
    case Status::done: return "done";
    case Status::failed: return "failed";
  }
  return "?";
}

inline std::string describe(const Step& s) {
  std::string text = fmt::format("out \"{}\", {}", printable(s.out, 120), status_name(s.status));
  if (s.error) {
    text += fmt::format(" ({}{}: \"{}\")", s.error->from_peer ? "from peer, " : "", reason_name(s.error->reason),
                        printable(s.error->detail, 60));
  }
  return text;
}

inline std::string describe(const Expect& e) {
  std::string text = fmt::format("out \"{}\", {}", printable(e.out, 120), status_name(e.status));
  if (e.reason) text += fmt::format(" ({}{})", e.from_peer ? "from peer, " : "", reason_name(*e.reason));
  if (!e.named.empty()) text += fmt::format(", a detail naming \"{}\"", e.named);
  return text;
}

/// Does `actual` match `expected`, where a trailing '*' stands for the rest of one line?
inline bool out_matches(const std::string& expected, const std::string& actual) {
  if (expected.empty() || expected.back() != '*') return expected == actual;
  const std::string_view prefix{expected.data(), expected.size() - 1};
  if (!std::string_view{actual}.starts_with(prefix)) return false;
  const std::string_view rest = std::string_view{actual}.substr(prefix.size());
  return !rest.empty() && rest.find('\n') == rest.size() - 1;
}

inline bool matches(const Expect& e, const Step& s) {
  if (!out_matches(e.out, s.out) || e.status != s.status) return false;
  if (s.status != Status::failed) return !s.error;  // error is set exactly when failed
  return s.error && e.reason == s.error->reason && e.from_peer == s.error->from_peer &&
         (s.error->from_peer || !s.error->detail.empty()) &&  // our own errors say what went wrong
         s.error->detail.find(e.named) != std::string::npos;
}

template <typename Machine>
Step apply(Machine& machine, const Event& event) {
  switch (event.kind) {
    case Event::Kind::start:
      if constexpr (requires { machine.start(); }) return machine.start();
      break;
    case Event::Kind::bytes: return machine.on_bytes(event.bytes);
    case Event::Kind::eof: return machine.on_eof();
    case Event::Kind::read_timeout: return machine.on_timeout(Timeout::read);
    case Event::Kind::handshake_timeout: return machine.on_timeout(Timeout::handshake);
  }
  throw std::logic_error("this machine has no start()");
}

/// Runs `script` on `machine`. Returns an empty string when every step matched, otherwise the
/// transcript up to and including the first mismatch.
template <typename Machine>
std::string run(Machine& machine, const Script& script) {
  std::string transcript = fmt::format("script \"{}\":\n", script.name);
  int n = 0;
  for (const auto& step : script.steps) {
    const Step actual = apply(machine, step.event);
    transcript += fmt::format("  {}. {}\n", ++n, describe(step.event));
    if (!matches(step.expect, actual)) {
      return transcript +
             fmt::format("     expected: {}\n     actual:   {}\n", describe(step.expect), describe(actual));
    }
    transcript += fmt::format("     -> {}\n", describe(actual));
  }
  return {};
}

}  // namespace hs::ch00::test
