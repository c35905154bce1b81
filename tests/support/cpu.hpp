// The CPU time a test's process has used: for the tests that a wait sleeps rather than spins (a
// spinning wait ends at the right moment too, and burns a core meanwhile).
#pragma once

#include <sys/resource.h>

#include <chrono>

namespace hs::testing {

/// CPU time this process has used so far (user and system, every thread).
inline std::chrono::microseconds cpu_used() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto us = [](const timeval& t) {
    return std::chrono::seconds{t.tv_sec} + std::chrono::microseconds{t.tv_usec};
  };
  return us(usage.ru_utime) + us(usage.ru_stime);
}

}  // namespace hs::testing
