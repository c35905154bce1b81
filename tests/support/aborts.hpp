// Whether a piece of code stops a debug build with a failed assert(): the lifetime rules the
// headers assert (an armed timer entry destroyed, an io_uring operation destroyed in flight).
// Catch2 2 has no death tests, so the code runs in a child process and the parent reads how it ended.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <catch2/catch.hpp>

namespace hs::testing {

/// Runs `body` in a child process (its stderr, the assert's message, thrown away) and says whether
/// it was stopped by SIGABRT. A child that returns, or whose body throws (a stub), exits instead.
template <typename Body>
bool aborts(Body body) {
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (const int null = ::open("/dev/null", O_WRONLY); null >= 0) ::dup2(null, STDERR_FILENO);
    try {
      body();
    } catch (...) {
      ::_exit(1);
    }
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

}  // namespace hs::testing
