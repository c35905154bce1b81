// Running out of file descriptors on purpose (EMFILE), for the tests of what a server does then.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <vector>

#include <catch2/catch.hpp>

namespace hs::testing {

/// While it lives, this process may open only `spare` more descriptors: it lowers the soft limit
/// to just above what is open and fills the table with copies of stdin. Plain POSIX calls only
/// while it lives: anything that opens a file (a log, a Catch2 report) would fail too. The
/// destructor closes the copies and restores the limit.
class DescriptorsExhausted {
 public:
  explicit DescriptorsExhausted(int spare) {
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved_) == 0);
    const int highest = ::dup(0);
    REQUIRE(highest >= 0);
    ::close(highest);
    rlimit low = saved_;
    low.rlim_cur = static_cast<rlim_t>(highest + 32);
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
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

}  // namespace hs::testing
