// Tests that need io_uring (hs-ch03-server-uring, chapter 07): where this machine refuses it
// (hs/io_uring_probe.hpp: most containers do), such a test prints why and ends, and ctest reports
// it Skipped, never passed: every discovered test carries SKIP_REGULAR_EXPRESSION "SKIPPED: io_uring
// is unavailable" (cmake/HsChapter.cmake), since Catch2 2 has no skip of its own. Also the way to
// run a program where io_uring is refused, to test what it says there.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "hs/io_uring_probe.hpp"

namespace hs::testing {

/// The line that makes ctest report the running test as skipped.
inline std::string skipped_without_io_uring(const std::string& why) {
  return "SKIPPED: io_uring is unavailable: " + why + "\n";
}

/// Prints the line that makes ctest report the running test as skipped, with the reason. Through
/// std::cout: where a reporter captures a test's output (the XML report scripts/progress reads),
/// the line is then part of that test's report.
inline void report_skipped_without_io_uring(const std::string& why) {
  std::cout << skipped_without_io_uring(why) << std::flush;
}

/// Whether a fixture of the shared suites (server_behaviour.hpp & co.) needs io_uring: their test
/// cases then check first, before they build it (suite.hpp). A chapter whose fixtures need it says
/// so for each, after it: `template <> inline constexpr bool hs::testing::needs_io_uring<Session> = true;`
template <typename Fixture>
inline constexpr bool needs_io_uring = false;

/// For a test that cannot return to Catch2 where it finds io_uring refused (deep in a helper, or
/// in a process it started): prints the line and ends the process at once, with status 0 (ctest
/// runs each test in a process of its own). The line goes straight to the process's output, as a
/// reporter that captures std::cout would lose it; and std::_Exit runs no exit handler, as the
/// stream Catch2 swapped in for std::cout is not one they can flush (std::exit() crashes there).
[[noreturn]] inline void end_process_skipped_without_io_uring(const std::string& why) {
  std::cout.flush();
  std::fputs(skipped_without_io_uring(why).c_str(), stdout);
  std::fflush(stdout);
  std::_Exit(0);
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
