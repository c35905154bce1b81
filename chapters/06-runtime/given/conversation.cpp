// One connection's handshake without its I/O (see conversation.hpp).
#include "given/ch06/conversation.hpp"

#include <system_error>
#include <utility>

namespace hs::ch06 {

using Phase = ch00::ServerHandshake::Phase;

void Conversation::received(std::span<const char> bytes, TimePoint now) {
  const Phase before = machine_.phase();
  unsent_ = machine_.on_bytes({bytes.data(), bytes.size()}).out;
  const Phase after = machine_.phase();
  if (before == Phase::awaiting_hello && (after == Phase::awaiting_z || after == Phase::done)) {
    if (work_.count() > 0) {
      work_due_ = true;  // HELLO Y waits for the work; the read clock is paused meanwhile
      message_ = TimePoint::max();
    } else {
      message_ = now + read_timeout_;  // Z's clock starts now
    }
  }
}

void Conversation::broken(int error) {
  io_error_ = error;
  machine_.on_eof();  // fails the handshake, if it was not over
  unsent_.clear();
  work_due_ = false;
}

void Conversation::time_out(TimePoint now) {
  work_due_ = false;
  unsent_ = machine_.on_timeout(which()).out;
  message_ = handshake_ = now + linger_time();
}

TimePoint Conversation::start_work(TimePoint now) noexcept {
  work_end_ = now + work_;
  return std::min(work_end_, handshake_);
}

void Conversation::work_over(TimePoint now) {
  if (work_end_ >= handshake_) {
    time_out(now);
  } else {
    work_due_ = false;
    message_ = now + read_timeout_;
  }
}

bool Conversation::over() const noexcept {
  return unsent_.empty() && (machine_.phase() == Phase::done || machine_.phase() == Phase::failed);
}

bool Conversation::needs_linger(std::size_t unread) const noexcept {
  return io_error_ == 0 && (machine_.phase() == Phase::failed || unread > 0);
}

Task<void> work(Runtime& runtime, Conversation& talk) {
  co_await runtime.sleep_until(talk.start_work(runtime.now()));
  talk.work_over(runtime.now());
}

ch01::ServeResult Conversation::result() {
  Step end = machine_.on_eof();
  ch01::ServeResult result{end.status, std::move(end.error), {}};
  if (io_error_ != 0) result.io_error = std::error_code{io_error_, std::system_category()};
  return result;
}

}  // namespace hs::ch06
