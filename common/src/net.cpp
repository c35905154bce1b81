// POSIX socket helpers (see hs/net.hpp).
#include "hs/net.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include <fmt/format.h>

namespace hs {
namespace {

[[noreturn]] void fail(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

// Waits for a non-blocking connect on `fd` to finish; returns 0 or the errno it failed with.
int finish_connect(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLOUT, 0};
  const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (ready == 0) return ETIMEDOUT;
  if (ready < 0) return errno;
  int error = 0;
  socklen_t len = sizeof error;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
  return error;
}

}  // namespace

Endpoint to_endpoint(const sockaddr_storage& storage) {
  char text[INET6_ADDRSTRLEN] = {};
  if (storage.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(storage);
    inet_ntop(AF_INET6, &a.sin6_addr, text, sizeof text);
    return {text, ntohs(a.sin6_port)};
  }
  if (storage.ss_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(storage);
    inet_ntop(AF_INET, &a.sin_addr, text, sizeof text);
    return {text, ntohs(a.sin_port)};
  }
  return {};
}

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

void Fd::reset() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::string Endpoint::to_string() const {
  if (address.empty()) return "an unknown peer";
  if (address.find(':') != std::string::npos) return fmt::format("[{}]:{}", address, port);
  return fmt::format("{}:{}", address, port);
}

Endpoint local_endpoint(int fd) {
  sockaddr_storage storage{};
  socklen_t len = sizeof storage;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &len) != 0) return {};
  return to_endpoint(storage);
}

Endpoint peer_endpoint(int fd) {
  sockaddr_storage storage{};
  socklen_t len = sizeof storage;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&storage), &len) != 0) return {};
  return to_endpoint(storage);
}

Fd listen_tcp(const std::string& address, std::uint16_t port, int backlog, bool reuse_port) {
  const std::string where = Endpoint{address, port}.to_string();
  sockaddr_storage storage{};
  socklen_t len = 0;
  if (auto* v4 = reinterpret_cast<sockaddr_in*>(&storage); inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof *v4;
  } else if (auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
             inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof *v6;
  } else {
    fail(EINVAL, fmt::format("cannot listen on {}: '{}' is not a numeric IP address", where, address));
  }
  Fd fd{::socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (!fd) fail(errno, fmt::format("cannot listen on {}: socket()", where));
  const int on = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);  // restart without waiting for TIME_WAIT
  if (reuse_port && ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0) {
    fail(errno, fmt::format("cannot listen on {}: SO_REUSEPORT", where));
  }
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&storage), len) != 0) {
    fail(errno, fmt::format("cannot listen on {}", where));
  }
  if (::listen(fd.get(), backlog) != 0) fail(errno, fmt::format("cannot listen on {}", where));
  return fd;
}

Fd connect_tcp(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout) {
  const std::string where = Endpoint{host, port}.to_string();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    throw std::system_error(EHOSTUNREACH, std::generic_category(),
                            fmt::format("cannot connect to {}: {}", where, ::gai_strerror(rc)));
  }
  int last_error = ECONNREFUSED;
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    Fd fd{::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol)};
    if (!fd) {
      last_error = errno;
      continue;
    }
    int error = ::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
    if (error == EINPROGRESS) error = finish_connect(fd.get(), timeout);
    if (error == 0) {
      ::freeaddrinfo(found);
      ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);  // back to blocking
      const int on = 1;
      ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);  // tiny messages: send now
      return fd;
    }
    last_error = error;
  }
  ::freeaddrinfo(found);
  fail(last_error, fmt::format("cannot connect to {}", where));
}

void shutdown_and_drain(int fd, std::chrono::milliseconds linger) {
  ::shutdown(fd, SHUT_WR);
  const auto deadline = std::chrono::steady_clock::now() + linger;
  char sink[4096];
  while (true) {  // at least one pass: what has already arrived is read even with linger 0
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0))) <= 0) return;
    if (::recv(fd, sink, sizeof sink, MSG_DONTWAIT) <= 0) return;  // the peer closed, or an error
    if (std::chrono::steady_clock::now() >= deadline) return;      // a peer that never stops sending
  }
}

void refuse_connection(int fd, const ProtocolError& why) {
  const std::string line = error_line(why);
  pollfd p{fd, POLLOUT, 0};
  if (::poll(&p, 1, 100) == 1) ::send(fd, line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  shutdown_and_drain(fd, std::chrono::milliseconds{0});
}

AcceptFailure classify_accept_failure(int error) noexcept {
  switch (error) {
    case EMFILE:
    case ENFILE:
    case ENOBUFS:
    case ENOMEM: return AcceptFailure::back_off;
    case ECONNABORTED:
    case EINTR:
    case EAGAIN:  // (EWOULDBLOCK too: the same number on Linux)
    case EPERM:   // a firewall rule refused the connection
    case EPROTO:
    case ENETDOWN:
    case ENETUNREACH:
    case EHOSTUNREACH:
    case EHOSTDOWN:
    case ENONET:
    case ENOPROTOOPT:
    case EOPNOTSUPP: return AcceptFailure::skip;
    default: return AcceptFailure::fatal;
  }
}

bool wait_readable(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) == 1 && (p.revents & POLLIN) != 0;
}

std::size_t unread_bytes(int fd) {
  int n = 0;
  return ::ioctl(fd, FIONREAD, &n) == 0 && n > 0 ? static_cast<std::size_t>(n) : 0;
}

SignalFd::SignalFd(std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : signals) sigaddset(&set, s);
  if (const int rc = ::pthread_sigmask(SIG_BLOCK, &set, nullptr); rc != 0) fail(rc, "pthread_sigmask");
  fd_ = Fd{::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)};
  if (!fd_) fail(errno, "signalfd");
}

EventFd::EventFd() : fd_{::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)} {
  if (!fd_) fail(errno, "eventfd");
}

void EventFd::notify() const noexcept {
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(fd_.get(), &one, sizeof one);
}

}  // namespace hs
