// Running out of file descriptors on purpose (EMFILE), for the tests of what a server does then.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include <catch2/catch.hpp>

#include "hs/net.hpp"

namespace hs::testing {

/// While it lives, this process may open only `spare` more descriptors: it lowers the soft limit
/// to just above what is open and fills the table with copies of stdin. Plain POSIX calls only
/// while it lives: anything that opens a file (a log, a Catch2 report) would fail too. The
/// destructor closes the copies and restores the limit. A soft limit already close to what is open
/// (within 256: see DescriptorLimitNearOpen) is kept and filled up to: an io_uring multishot
/// accept keeps the limit it was submitted with, so lowering it later would not reach it.
class DescriptorsExhausted {
 public:
  explicit DescriptorsExhausted(int spare) {
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved_) == 0);
    const int highest = ::dup(0);
    REQUIRE(highest >= 0);
    ::close(highest);
    if (saved_.rlim_cur > static_cast<rlim_t>(highest + 256)) {
      rlimit low = saved_;
      low.rlim_cur = static_cast<rlim_t>(highest + 32);
      REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
    }
    for (int fd = ::dup(0); fd >= 0; fd = ::dup(0)) filler_.push_back(fd);
    for (int i = 0; i < spare && !filler_.empty(); ++i) {
      ::close(filler_.back());
      filler_.pop_back();
    }
  }
  DescriptorsExhausted(const DescriptorsExhausted&) = delete;
  DescriptorsExhausted& operator=(const DescriptorsExhausted&) = delete;
  ~DescriptorsExhausted() { release(); }

  /// Gives the descriptors back now.
  void release() {
    for (int fd : filler_) ::close(fd);
    filler_.clear();
    ::setrlimit(RLIMIT_NOFILE, &saved_);
  }

 private:
  rlimit saved_{};
  std::vector<int> filler_;
};

/// While it lives, the soft limit on descriptors is 128 above what is open: for a server that
/// must see EMFILE from DescriptorsExhausted although it captured its limit when it started (an
/// io_uring multishot accept does). Create it before the server.
class DescriptorLimitNearOpen {
 public:
  DescriptorLimitNearOpen() {
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved_) == 0);
    const int highest = ::dup(0);
    REQUIRE(highest >= 0);
    ::close(highest);
    rlimit low = saved_;
    low.rlim_cur = std::min(saved_.rlim_cur, static_cast<rlim_t>(highest + 128));
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
  }
  DescriptorLimitNearOpen(const DescriptorLimitNearOpen&) = delete;
  DescriptorLimitNearOpen& operator=(const DescriptorLimitNearOpen&) = delete;
  ~DescriptorLimitNearOpen() { ::setrlimit(RLIMIT_NOFILE, &saved_); }

 private:
  rlimit saved_{};
};

/// A client connected to 127.0.0.1:`port` with plain POSIX calls only: one descriptor, nothing else
/// opened, so it can take the last one left while DescriptorsExhausted lives. Empty if connect()
/// failed.
inline Fd connect_with_one_descriptor(std::uint16_t port) {
  Fd client{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(client.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return Fd{};
  return client;
}

}  // namespace hs::testing
