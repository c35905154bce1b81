/// @file
/// Whether this process may use io_uring. Linux has had it since 5.1, but many machines refuse it:
/// `sysctl kernel.io_uring_disabled` (1 or 2), a container runtime's seccomp profile (Docker's and
/// most Kubernetes platforms' defaults block io_uring_setup), or a kernel built without it. The
/// programs that need io_uring (hs-ch07-server --backend io_uring, hs-ch03-server-uring) ask this
/// first and exit 2 with one clear line; the tests that need it report SKIPPED with the reason.
#pragma once

#include <string>

namespace hs {

/// Why this process cannot use io_uring as this course does, as one line for a person to read
/// (io_uring_setup's error and what usually causes it); empty if it can. Tries io_uring_setup()
/// once, for a one-entry ring, and registers a one-entry provided-buffer ring on it (Linux 5.19,
/// like the multishot accept chapter 07 uses), then closes it; thread-safe.
std::string io_uring_unavailable();

/// The exit status of a program that cannot run on this machine as asked (io_uring refused): 2,
/// as for a usage error, so that scripts can tell it from a failure (1).
inline constexpr int exit_unavailable = 2;

}  // namespace hs
