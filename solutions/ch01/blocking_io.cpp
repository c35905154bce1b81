// Exercise 1.1 (reference): blocking reads and writes with deadlines.
#include "ch01/blocking_io.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

namespace hs::ch01 {
namespace {

// Milliseconds left until `deadline`, rounded up (so we never wake a hair early and spin), >= 0.
int ms_until(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

std::error_code os_error(int e) { return {e, std::generic_category()}; }

}  // namespace

ReadResult read_some(int fd, std::span<char> buffer, Clock::time_point deadline) {
  while (true) {
    // poll() parks this thread until the socket is readable or the time is up.
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, ms_until(deadline));
    if (ready == 0) return {ReadStatus::timeout, 0, {}};
    if (ready < 0) {
      if (errno == EINTR) continue;
      return {ReadStatus::error, 0, os_error(errno)};
    }
    const auto n = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n > 0) return {ReadStatus::data, static_cast<std::size_t>(n), {}};
    if (n == 0) return {ReadStatus::eof, 0, {}};
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;  // spurious wake-up
    return {ReadStatus::error, 0, os_error(errno)};
  }
}

std::error_code write_all(int fd, std::string_view bytes, Clock::time_point deadline) {
  while (!bytes.empty()) {
    pollfd p{fd, POLLOUT, 0};
    const int ready = ::poll(&p, 1, ms_until(deadline));
    if (ready == 0) return std::make_error_code(std::errc::timed_out);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return os_error(errno);
    }
    // MSG_NOSIGNAL: a peer that has gone gives EPIPE here instead of killing us with SIGPIPE.
    const auto n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
    } else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
      return os_error(errno);
    }
  }
  return {};
}

}  // namespace hs::ch01
