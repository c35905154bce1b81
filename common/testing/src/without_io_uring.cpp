// hs-without-io-uring PROGRAM ARGS...: runs PROGRAM with io_uring refused, the way a container
// refuses it (Docker's default seccomp profile does): io_uring_setup, io_uring_enter and
// io_uring_register fail with EPERM, every other system call works. The tests use it to check, on
// any machine, that a program which needs io_uring says so in one line and exits 2
// (hs/io_uring_probe.hpp). A seccomp filter outlives execvp(), so PROGRAM and its children run
// under it. Raw BPF rather than libseccomp: the filter is nine instructions.
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <string_view>
#include <system_error>

#include <fmt/format.h>

namespace {

// The filter sees system call numbers of the caller's ABI: it must know which ABI it was written
// for, and refuse to judge any other (a 32-bit call numbers its system calls differently).
#if defined(__x86_64__)
constexpr unsigned this_abi = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr unsigned this_abi = AUDIT_ARCH_AARCH64;
#else
#error "hs-without-io-uring: add this architecture's AUDIT_ARCH_ value"
#endif

constexpr const char* usage =
    "usage: hs-without-io-uring PROGRAM [ARGS...]\n"
    "Runs PROGRAM with io_uring refused (io_uring_setup, io_uring_enter and io_uring_register fail with\n"
    "EPERM), as in a container whose seccomp profile forbids it.\n";

constexpr sock_filter statement(unsigned short code, unsigned k) { return {code, 0, 0, k}; }
constexpr sock_filter jump_if_equal(unsigned k, unsigned char then_skip) {
  return {BPF_JMP | BPF_JEQ | BPF_K, then_skip, 0, k};
}

// Installs the filter on this thread; inherited by whatever it executes. False if the kernel
// refuses (errno says why).
bool refuse_io_uring() {
  sock_filter code[] = {
      statement(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      jump_if_equal(this_abi, 1),
      statement(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),  // another ABI: numbers we cannot read
      statement(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      // x32's numbers carry this bit on x86_64's ABI: refuse them all rather than let io_uring's
      // through under another number (no test runs x32 code).
      {BPF_JMP | BPF_JGE | BPF_K, 4, 0, 0x40000000U},
      jump_if_equal(__NR_io_uring_setup, 3),
      jump_if_equal(__NR_io_uring_enter, 2),
      jump_if_equal(__NR_io_uring_register, 1),
      statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      statement(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
  };
  sock_fprog program{sizeof code / sizeof code[0], code};
  // Without this, only a privileged process may install a filter: it promises the kernel that
  // nothing run from here gains privileges (setuid), which the filter could otherwise mislead.
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return false;
  return ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) == 0;
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
