// Exercise 0.2 (reference): a line framer with a 64-byte cap.
#include "ch00/line_framer.hpp"

#include <algorithm>

namespace hs::ch00 {

Frame LineFramer::next(std::string_view& input) {
  if (too_long_) return {FrameKind::too_long, {}};
  // A line may use at most max_line_bytes including its '\n': look no further than that.
  const std::size_t room = max_line_bytes - size_;
  const std::string_view window = input.substr(0, room);
  const auto newline = window.find('\n');
  if (newline == std::string_view::npos) {
    if (input.size() >= room) {  // `room` bytes and still no '\n': the line is too long
      too_long_ = true;
      return {FrameKind::too_long, {}};
    }
    std::copy(input.begin(), input.end(), buffer_.begin() + static_cast<std::ptrdiff_t>(size_));
    size_ += input.size();
    input = {};
    return {FrameKind::need_more, {}};
  }
  std::copy_n(input.begin(), newline, buffer_.begin() + static_cast<std::ptrdiff_t>(size_));
  std::size_t length = size_ + newline;
  input.remove_prefix(newline + 1);
  if (length > 0 && buffer_[length - 1] == '\r') --length;  // accept "\r\n" (nc -C, telnet)
  size_ = 0;  // the next call starts a new line; the returned view stays valid until then
  return {FrameKind::line, std::string_view{buffer_.data(), length}};
}

}  // namespace hs::ch00
