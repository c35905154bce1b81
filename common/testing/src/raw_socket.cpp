// The scripted raw TCP peer for tests (see hs/testing/raw_socket.hpp): POSIX sockets and poll().
#include "hs/testing/raw_socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <utility>

#include <fmt/format.h>

namespace hs::testing {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(std::string_view what) {
  throw std::runtime_error(fmt::format("test support: {}: {}", what, std::strerror(errno)));
}

// Fills `storage` with host:port; returns its length. IPv4 or IPv6 literals only.
socklen_t make_address(const std::string& host, std::uint16_t port, sockaddr_storage& storage) {
  std::memset(&storage, 0, sizeof storage);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    return sizeof(sockaddr_in);
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    return sizeof(sockaddr_in6);
  }
  throw std::runtime_error(fmt::format("test support: '{}' is not a numeric IP address", host));
}

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

std::uint16_t port_of(int fd) {
  sockaddr_storage storage{};
  socklen_t len = sizeof storage;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &len) != 0) fail("getsockname");
  if (storage.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
}

}  // namespace

RawSocket RawSocket::connect(const std::string& host, std::uint16_t port, Duration timeout) {
  sockaddr_storage address{};
  const socklen_t len = make_address(host, port, address);
  RawSocket socket{::socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)};
  if (socket.fd_ < 0) fail("socket");
  if (::connect(socket.fd_, reinterpret_cast<sockaddr*>(&address), len) != 0) {
    if (errno != EINPROGRESS) fail(fmt::format("connect to {}:{}", host, port));
    pollfd p{socket.fd_, POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) {
      errno = ETIMEDOUT;
      fail(fmt::format("connect to {}:{}", host, port));
    }
    int error = 0;
    socklen_t error_len = sizeof error;
    getsockopt(socket.fd_, SOL_SOCKET, SO_ERROR, &error, &error_len);
    if (error != 0) {
      errno = error;
      fail(fmt::format("connect to {}:{}", host, port));
    }
  }
  return socket;
}

RawSocket::RawSocket(RawSocket&& other) noexcept
    : fd_{std::exchange(other.fd_, -1)}, buffer_{std::move(other.buffer_)}, last_end_{other.last_end_} {}

RawSocket& RawSocket::operator=(RawSocket&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    buffer_ = std::move(other.buffer_);
    last_end_ = other.last_end_;
  }
  return *this;
}

RawSocket::~RawSocket() { close(); }

bool RawSocket::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, static_cast<int>(generous.count())) != 1) return false;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return false;  // EPIPE, ECONNRESET: the peer has gone
    }
  }
  return true;
}

bool RawSocket::send_pieces(std::span<const std::string_view> pieces, Duration gap) {
  bool first = true;
  for (const auto piece : pieces) {
    if (!first) std::this_thread::sleep_for(gap);  // a pause between writes, not synchronisation
    first = false;
    if (!send(piece)) return false;
  }
  return true;
}

ReadEnd RawSocket::fill(Clock::time_point deadline) {
  pollfd p{fd_, POLLIN, 0};
  const int ready = ::poll(&p, 1, remaining_ms(deadline));
  if (ready == 0) return ReadEnd::timeout;
  if (ready < 0) return errno == EINTR ? ReadEnd::line : ReadEnd::reset;
  char chunk[4096];
  const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
  if (n > 0) {
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return ReadEnd::line;  // "got bytes, keep going"
  }
  if (n == 0) return ReadEnd::closed;
  if (errno == EAGAIN || errno == EINTR) return ReadEnd::line;
  return ReadEnd::reset;
}

std::string RawSocket::read_line(Duration timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl + 1);
      buffer_.erase(0, nl + 1);
      last_end_ = ReadEnd::line;
      return line;
    }
    if (const auto end = fill(deadline); end != ReadEnd::line) {
      last_end_ = end;
      return std::exchange(buffer_, {});
    }
  }
}

std::string RawSocket::read_all(Duration timeout) {
  const auto deadline = Clock::now() + timeout;
  ReadEnd end = ReadEnd::line;
  while (end == ReadEnd::line) end = fill(deadline);
  last_end_ = end;
  return std::exchange(buffer_, {});
}

void RawSocket::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

void RawSocket::close(bool reset) {
  if (fd_ < 0) return;
  if (reset) {
    linger l{1, 0};
    setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  ::close(fd_);
  fd_ = -1;
}

std::uint16_t RawSocket::local_port() const { return port_of(fd_); }

RawListener::RawListener(const std::string& host) {
  sockaddr_storage address{};
  const socklen_t len = make_address(host, 0, address);
  fd_ = ::socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) fail("socket");
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), len) != 0) fail("bind");
  if (::listen(fd_, SOMAXCONN) != 0) fail("listen");
  port_ = port_of(fd_);
}

RawListener::~RawListener() {
  if (fd_ >= 0) ::close(fd_);
}

RawSocket RawListener::accept(Duration timeout) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) {
    throw std::runtime_error("test support: no connection arrived before the deadline");
  }
  const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0) fail("accept");
  return RawSocket{fd};
}

}  // namespace hs::testing
