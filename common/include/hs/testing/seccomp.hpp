/// @file
/// Test support (header-only): seccomp filters, for the tests that have the kernel refuse a system
/// call. hs-without-io-uring refuses io_uring as a container does (common/testing/src/
/// without_io_uring.cpp); chapter 07's tests refuse one step of a Ring's set-up. A filter is a few
/// raw BPF instructions built with the steps below (rather than libseccomp: each filter is under
/// twelve instructions), installed with install().
#pragma once

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>

namespace hs::testing::seccomp {

/// The ABI these filters are written for. A filter sees the system call numbers of the caller's
/// ABI: it must check which ABI that is, and not judge another's (a 32-bit call numbers its system
/// calls differently).
#if defined(__x86_64__)
inline constexpr std::uint32_t this_abi = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
inline constexpr std::uint32_t this_abi = AUDIT_ARCH_AARCH64;
#else
#error "hs/testing/seccomp.hpp: add this architecture's AUDIT_ARCH_ value"
#endif

/// Loads the caller's ABI (an AUDIT_ARCH_ value) for the next comparison.
constexpr sock_filter load_abi() { return {BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(seccomp_data, arch)}; }

/// Loads the system call's number (a __NR_ value) for the next comparison.
constexpr sock_filter load_call() { return {BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(seccomp_data, nr)}; }

/// Loads the low 32 bits of the system call's argument `index` (0 to 5) for the next comparison.
constexpr sock_filter load_argument_low(std::uint32_t index) {
  static_assert(std::endian::native == std::endian::little, "the low half of a 64-bit argument comes first");
  const std::size_t offset = offsetof(seccomp_data, args) + sizeof(std::uint64_t) * index;  // args are __u64
  return {BPF_LD | BPF_W | BPF_ABS, 0, 0, static_cast<std::uint32_t>(offset)};
}

/// If what was loaded equals `value`, skips the next `count` instructions.
constexpr sock_filter skip_if_equal(std::uint32_t value, std::uint8_t count) {
  return {BPF_JMP | BPF_JEQ | BPF_K, count, 0, value};
}

/// Unless what was loaded equals `value`, skips the next `count` instructions.
constexpr sock_filter skip_unless_equal(std::uint32_t value, std::uint8_t count) {
  return {BPF_JMP | BPF_JEQ | BPF_K, 0, count, value};
}

/// If what was loaded is `value` or more, skips the next `count` instructions.
constexpr sock_filter skip_if_at_least(std::uint32_t value, std::uint8_t count) {
  return {BPF_JMP | BPF_JGE | BPF_K, count, 0, value};
}

/// Ends the filter: the system call is made.
constexpr sock_filter allow() { return {BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW}; }

/// Ends the filter: the system call fails with `error` (an errno value), without being made.
constexpr sock_filter fail_with(int error) {
  return {BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | static_cast<std::uint32_t>(error)};
}

/// Ends the filter: the process is killed.
constexpr sock_filter kill_process() { return {BPF_RET | BPF_K, 0, 0, SECCOMP_RET_KILL_PROCESS}; }

/// Installs `filter` on the calling thread, for good: the threads and processes it starts inherit
/// it, and it outlives execve(). False if the kernel refuses (errno says why).
inline bool install(std::span<sock_filter> filter) {
  const sock_fprog program{static_cast<unsigned short>(filter.size()), filter.data()};
  // Without this, only a privileged process may install a filter: it promises the kernel that
  // nothing run from here gains privileges (setuid), which the filter could otherwise mislead.
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return false;
  return ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) == 0;
}

}  // namespace hs::testing::seccomp
