// Whether io_uring is usable here (see hs/io_uring_probe.hpp). A raw system call, so that hs::common
// needs no liburing: only the programs that use a ring link it.
#include "hs/io_uring_probe.hpp"

#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

#include <cerrno>
#include <system_error>

#include <fmt/format.h>

namespace hs {

namespace {

/// Whether the ring `fd` takes a provided-buffer ring (Linux 5.19, with multishot accept): 0, or
/// the errno of the refusal.
int buffer_rings_refused(int fd) {
  const long page = ::sysconf(_SC_PAGESIZE);
  void* memory =
      ::mmap(nullptr, static_cast<std::size_t>(page), PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (memory == MAP_FAILED) return errno;
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<std::uintptr_t>(memory);
  reg.ring_entries = 1;
  const long registered = ::syscall(__NR_io_uring_register, fd, IORING_REGISTER_PBUF_RING, &reg, 1);
  const int error = registered < 0 ? errno : 0;
  ::munmap(memory, static_cast<std::size_t>(page));
  return error;
}

}  // namespace

std::string io_uring_unavailable() {
  io_uring_params params{};
  const long fd = ::syscall(__NR_io_uring_setup, 1, &params);
  if (fd >= 0) {
    const int refused = buffer_rings_refused(static_cast<int>(fd));
    ::close(static_cast<int>(fd));
    if (refused == 0) return {};
    return fmt::format("its provided-buffer rings are refused: {} (this course needs Linux 5.19 or later)",
                       std::generic_category().message(refused));
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
