// Exercise 0.3 (reference): the server handshake state machine.
#include "ch00/server_handshake.hpp"

#include <limits>
#include <utility>

#include <fmt/format.h>

#include "ch00/hello.hpp"

namespace hs::ch00 {

Step ServerHandshake::on_bytes(std::string_view bytes) {
  if (phase_ == Phase::done || phase_ == Phase::failed) return finished();
  Step step;
  while (step.status == Status::in_progress) {
    const Frame frame = framer_.next(bytes);
    if (frame.kind == FrameKind::need_more) break;
    if (frame.kind == FrameKind::too_long) {
      fail(step, ErrorReason::too_long, fmt::format("line longer than {} bytes", max_line_bytes));
    } else {
      on_line(frame.line, step);
    }
  }
  return step;  // bytes after HELLO Z (if any) are ignored: the server closes
}

void ServerHandshake::on_line(std::string_view line, Step& step) {
  const ParsedHello hello = parse_hello(line);
  if (!hello) {
    fail(step, hello.error->reason, hello.error->detail);
    return;
  }
  if (phase_ == Phase::awaiting_hello) {
    if (hello.number > std::numeric_limits<std::int64_t>::max() - 2) {
      fail(step, ErrorReason::overflow, fmt::format("{} + 2 does not fit in 64 bits", hello.number));
      return;
    }
    step.out += format_hello(hello.number + 1);
    expected_z_ = hello.number + 2;
    phase_ = Phase::awaiting_z;
  } else if (hello.number != expected_z_) {
    fail(step, ErrorReason::sequence, fmt::format("expected {} got {}", expected_z_, hello.number));
  } else {
    phase_ = Phase::done;
    step.status = Status::done;
  }
}

Step ServerHandshake::on_eof() {
  if (phase_ == Phase::done || phase_ == Phase::failed) return finished();
  Step step;
  if (framer_.buffered() > 0) {
    fail(step, ErrorReason::malformed, "stream ended inside a line (no newline)");
  } else {
    fail(step, ErrorReason::malformed,
         phase_ == Phase::awaiting_hello ? "stream ended before HELLO X" : "stream ended before HELLO Z");
  }
  return step;
}

Step ServerHandshake::on_timeout(Timeout which) {
  if (phase_ == Phase::done || phase_ == Phase::failed) return finished();
  Step step;
  if (which == Timeout::handshake) {
    fail(step, ErrorReason::timeout, "handshake not finished within its deadline");
  } else {
    fail(step, ErrorReason::timeout,
         phase_ == Phase::awaiting_hello ? "no HELLO X within the read timeout" : "no HELLO Z within the read timeout");
  }
  return step;
}

void ServerHandshake::fail(Step& step, ErrorReason reason, std::string detail) {
  error_ = ProtocolError{reason, std::move(detail)};
  step.out += error_line(*error_);
  step.status = Status::failed;
  step.error = error_;
  phase_ = Phase::failed;
}

Step ServerHandshake::finished() const { return {{}, phase_ == Phase::done ? Status::done : Status::failed, error_}; }

}  // namespace hs::ch00
