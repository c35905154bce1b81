// Whether a piece of code stops a debug build with a failed assert(): the lifetime rules the
// headers assert (an armed timer entry destroyed, an io_uring operation destroyed in flight).
// Catch2 2 has no death tests, so the code runs in a child process and the parent reads how it ended.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <exception>
#include <stdexcept>
#include <string>

#include <catch2/catch.hpp>

namespace hs::testing {

/// Runs `body` in a child process (its stderr, the assert's message, thrown away) and says whether
/// it was stopped by SIGABRT. A body that throws (an untouched stub: "exercise N.M is not done
/// yet") throws the same message here, in the test's process, so that the test says why it failed.
template <typename Body>
bool aborts(Body body) {
  int thrown[2];  // the child's exception message, if it throws
  REQUIRE(::pipe2(thrown, O_CLOEXEC) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(thrown[0]);
    // The child inherits Catch2's handlers of fatal signals, which would report the abort it is
    // here for as a failure, into the parent's report (the same stdout, the same --out file):
    // scripts/progress reads that report.
    for (const int fatal : {SIGABRT, SIGSEGV, SIGILL, SIGFPE, SIGBUS}) std::signal(fatal, SIG_DFL);
    if (const int null = ::open("/dev/null", O_WRONLY); null >= 0) ::dup2(null, STDERR_FILENO);
    try {
      body();
    } catch (const std::exception& e) {
      const std::string what = e.what();
      [[maybe_unused]] const auto n = ::write(thrown[1], what.data(), what.size());
      ::_exit(1);
    } catch (...) {
      ::_exit(1);
    }
    ::_exit(0);
  }
  ::close(thrown[1]);
  std::string message;
  char buffer[512];
  for (ssize_t n; (n = ::read(thrown[0], buffer, sizeof buffer)) > 0;)
    message.append(buffer, static_cast<std::size_t>(n));
  ::close(thrown[0]);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  if (!message.empty()) throw std::runtime_error(message);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

}  // namespace hs::testing
