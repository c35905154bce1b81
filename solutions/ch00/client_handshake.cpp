// Exercise 0.4 (reference): the client handshake state machine.
#include "ch00/client_handshake.hpp"

#include <limits>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "ch00/hello.hpp"

namespace hs::ch00 {

Step ClientHandshake::start() {
  if (phase_ != Phase::start) throw std::logic_error("ClientHandshake::start() called twice");
  phase_ = Phase::awaiting_y;
  return {format_hello(x_), Status::in_progress, std::nullopt};
}

Step ClientHandshake::on_bytes(std::string_view bytes) {
  if (phase_ == Phase::done || phase_ == Phase::failed) return finished();
  if (phase_ == Phase::start) throw std::logic_error("ClientHandshake: bytes arrived before start()");
  Step step;
  while (step.status == Status::in_progress) {
    const Frame frame = framer_.next(bytes);
    if (frame.kind == FrameKind::need_more) break;
    if (frame.kind == FrameKind::too_long) {
      fail(step, {ErrorReason::too_long, fmt::format("reply longer than {} bytes", max_line_bytes)});
    } else {
      on_line(frame.line, step);
    }
  }
  return step;
}

void ClientHandshake::on_line(std::string_view line, Step& step) {
  if (auto server_error = parse_error_line(line)) {
    fail(step, std::move(*server_error));
    return;
  }
  if (phase_ == Phase::awaiting_close) {
    fail(step, {ErrorReason::malformed, fmt::format("unexpected reply after HELLO Z: \"{}\"", printable(line, 20))});
    return;
  }
  const ParsedHello hello = parse_hello(line);
  if (!hello) {
    fail(step, {hello.error->reason, "bad reply: " + hello.error->detail});
    return;
  }
  if (x_ > std::numeric_limits<std::int64_t>::max() - 2) {
    // The server should have refused X with ERROR overflow; we cannot compute Z either.
    fail(step, {ErrorReason::overflow, fmt::format("{} + 2 does not fit in 64 bits", x_)});
    return;
  }
  if (hello.number != x_ + 1) {
    fail(step, {ErrorReason::sequence, fmt::format("expected {} got {}", x_ + 1, hello.number)});
    return;
  }
  step.out += format_hello(hello.number + 1);
  phase_ = Phase::awaiting_close;
}

Step ClientHandshake::on_eof() {
  if (phase_ == Phase::done || phase_ == Phase::failed) return finished();
  Step step;
  if (phase_ == Phase::awaiting_close && framer_.buffered() == 0) {
    phase_ = Phase::done;
    step.status = Status::done;
  } else if (framer_.buffered() > 0) {
    fail(step, {ErrorReason::malformed, "server closed inside a line (no newline)"});
  } else {
    fail(step, {ErrorReason::malformed, "server closed before HELLO Y"});
  }
  return step;
}

Step ClientHandshake::on_timeout(Timeout which) {
  if (phase_ == Phase::done || phase_ == Phase::failed) return finished();
  Step step;
  if (which == Timeout::handshake) {
    fail(step, {ErrorReason::timeout, "handshake not finished within its deadline"});
  } else {
    fail(step, {ErrorReason::timeout, phase_ == Phase::awaiting_close ? "server did not close after HELLO Z"
                                                                      : "no HELLO Y within the read timeout"});
  }
  return step;
}

void ClientHandshake::fail(Step& step, ProtocolError error) {
  error_ = std::move(error);
  step.status = Status::failed;
  step.error = error_;
  phase_ = Phase::failed;
}

Step ClientHandshake::finished() const { return {{}, phase_ == Phase::done ? Status::done : Status::failed, error_}; }

}  // namespace hs::ch00
