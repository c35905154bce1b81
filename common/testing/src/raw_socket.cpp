// The scripted raw TCP peer for tests (see hs/testing/raw_socket.hpp): POSIX sockets and poll().
#include "hs/testing/raw_socket.hpp"

#include "hs/net.hpp"
#include "hs/protocol.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>

#include <fmt/format.h>

namespace hs::testing {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(std::string_view what) {
  throw std::runtime_error(fmt::format("test support: {}: {}", what, std::generic_category().message(errno)));
}

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

}  // namespace

RawSocket RawSocket::connect(const std::string& host, std::uint16_t port, Duration timeout) {
  hs::Fd fd = hs::connect_tcp(host, port, timeout);                     // throws, naming host, port and cause
  ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) | O_NONBLOCK);  // reads wait in poll(), with deadlines
  return RawSocket{fd.release()};
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

std::uint16_t RawSocket::local_port() const { return hs::local_endpoint(fd_).port; }

RawListener::RawListener(const std::string& host)
    : fd_{hs::listen_tcp(host, 0).release()}, port_{hs::local_endpoint(fd_).port} {}

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

ConnectedPair connected_pair() {
  const Fd listener = listen_tcp("127.0.0.1", 0);
  RawSocket client = RawSocket::connect("127.0.0.1", local_endpoint(listener.get()).port);
  Fd server{::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC)};
  if (!server) fail("accept");
  return {std::move(server), std::move(client)};
}

std::string handshake(RawSocket& c, std::int64_t x, Duration timeout) {
  c.send(fmt::format("HELLO {}\n", x));
  const auto y = c.read_line(timeout);
  if (y != fmt::format("HELLO {}\n", x + 1)) return "reply to HELLO X was \"" + hs::printable(y) + "\"";
  c.send(fmt::format("HELLO {}\n", x + 2));
  const auto rest = c.read_all(timeout);
  if (!rest.empty() || c.last_end() != ReadEnd::closed) return "after HELLO Z: \"" + hs::printable(rest) + "\"";
  return {};
}

}  // namespace hs::testing
