// hs-without-io-uring PROGRAM ARGS...: runs PROGRAM with io_uring refused, the way a container
// refuses it (Docker's default seccomp profile does): io_uring_setup, io_uring_enter and
// io_uring_register fail with EPERM, every other system call works. The tests use it to check, on
// any machine, that a program which needs io_uring says so in one line and exits 2
// (hs/io_uring_probe.hpp). A seccomp filter (hs/testing/seccomp.hpp) outlives execvp(), so PROGRAM
// and its children run under it.
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>
#include <system_error>

#include <fmt/format.h>

#include "hs/testing/seccomp.hpp"

namespace {

constexpr const char* usage =
    "usage: hs-without-io-uring PROGRAM [ARGS...]\n"
    "Runs PROGRAM with io_uring refused (io_uring_setup, io_uring_enter and io_uring_register fail with\n"
    "EPERM), as in a container whose seccomp profile forbids it.\n";

// Installs the filter on this thread; inherited by whatever it executes. False if the kernel
// refuses (errno says why).
bool refuse_io_uring() {
  using namespace hs::testing::seccomp;
  sock_filter filter[] = {
      load_abi(),
      skip_if_equal(this_abi, 1),
      kill_process(),  // another ABI: numbers we cannot read
      load_call(),
      // x32's numbers carry this bit on x86_64's ABI: refuse them all rather than let io_uring's
      // through under another number (no test runs x32 code).
      skip_if_at_least(0x40000000U, 4),
      skip_if_equal(__NR_io_uring_setup, 3),
      skip_if_equal(__NR_io_uring_enter, 2),
      skip_if_equal(__NR_io_uring_register, 1),
      allow(),
      fail_with(EPERM),
  };
  return install(filter);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && (std::string_view{argv[1]} == "--help" || std::string_view{argv[1]} == "-h")) {
    fmt::print("{}", usage);
    return 0;
  }
  if (argc < 2) {
    fmt::print(stderr, "{}", usage);
    return 2;
  }
  if (!refuse_io_uring()) {
    fmt::print(stderr, "hs-without-io-uring: cannot install the seccomp filter: {}\n",
               std::generic_category().message(errno));
    return 1;
  }
  ::execvp(argv[1], argv + 1);
  fmt::print(stderr, "hs-without-io-uring: cannot run {}: {}\n", argv[1], std::generic_category().message(errno));
  return 127;  // as a shell says "command not found"
}
