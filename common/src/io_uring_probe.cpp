// Whether io_uring is usable here (see hs/io_uring_probe.hpp). A raw system call, so that hs::common
// needs no liburing: only the programs that use a ring link it.
#include "hs/io_uring_probe.hpp"

#include <linux/io_uring.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include <fmt/format.h>

namespace hs {

std::string io_uring_unavailable() {
  io_uring_params params{};
  const long fd = ::syscall(__NR_io_uring_setup, 1, &params);
  if (fd >= 0) {
    ::close(static_cast<int>(fd));
    return {};
  }
  const int error = errno;
  const char* why = "";
  switch (error) {
    case EPERM:
      why = " (sysctl kernel.io_uring_disabled is set, or a seccomp profile forbids it: most containers' do)";
      break;
    case ENOSYS: why = " (this kernel has no io_uring: older than 5.1, or built without it)"; break;
    case ENOMEM:
    case EMFILE:
    case ENFILE: why = " (out of memory or descriptors: see ulimit -l and ulimit -n)"; break;
    default: break;
  }
  return fmt::format("io_uring_setup() failed: {}{}", std::generic_category().message(error), why);
}

}  // namespace hs
