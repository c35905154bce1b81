// Tests that need io_uring (hs-ch03-server-uring, chapter 07): where this machine refuses it
// (hs/io_uring_probe.hpp: most containers do), such a test prints why and ends, and ctest reports
// it Skipped, never passed: every discovered test carries SKIP_REGULAR_EXPRESSION "SKIPPED: io_uring
// is unavailable" (cmake/HsChapter.cmake), since Catch2 2 has no skip of its own. Also the way to
// run a program where io_uring is refused, to test what it says there.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "hs/io_uring_probe.hpp"

namespace hs::testing {

/// Prints the line that makes ctest report the running test as skipped, with the reason.
inline void report_skipped_without_io_uring(const std::string& why) {
  fmt::print("SKIPPED: io_uring is unavailable: {}\n", why);
  std::fflush(stdout);
}

/// The path of hs-without-io-uring (common/testing/src/without_io_uring.cpp), built beside the
/// running test executable: in every test executable the same tool, never a -ref twin, so not
/// program_path().
inline std::string without_io_uring_path() {
  return (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "hs-without-io-uring").string();
}

}  // namespace hs::testing

/// Ends the running TEST_CASE, reported Skipped with the reason, if this machine refuses io_uring.
/// Put it first, or after REQUIREs only: ctest reports a skip even if a CHECK failed before it.
#define HS_SKIP_WITHOUT_IO_URING()                                     \
  do {                                                                 \
    if (const auto why = ::hs::io_uring_unavailable(); !why.empty()) { \
      ::hs::testing::report_skipped_without_io_uring(why);             \
      return;                                                          \
    }                                                                  \
  } while (false)
