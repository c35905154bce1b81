/// @file
/// Test support: run one of the course's programs as a child process, read its stdout line by
/// line against a deadline, signal it, and collect its exit status and output. Tests of a chapter's
/// programs use it to check what a learner would see (`listening on ...`, exit codes, SIGTERM).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hs/testing/raw_socket.hpp"

namespace hs::testing {

/// The path of program `name` built beside the running test executable. In a reference test
/// executable (`hs-chNN-ref-tests`) this is the `-ref` twin: `hs-ch01-server` -> `hs-ch01-server-ref`.
std::string program_path(std::string_view name);

/// A running child process: stdout is a pipe that tests read; stderr goes to an in-memory file that
/// tests read at the end (so a chatty child can never block on a full pipe). Killed and reaped on
/// destruction if still running.
class ChildProcess {
 public:
  /// Starts `program` with `args`. Throws std::runtime_error if it cannot be started.
  ChildProcess(const std::string& program, const std::vector<std::string>& args);
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  /// The next line of stdout without its `\n`; whatever arrived if stdout closes or the deadline passes.
  std::string read_line(Duration timeout = generous);

  /// Sends `signal` (e.g. SIGTERM) if the process is still running.
  void signal(int signal);

  /// Waits for the process to exit. Returns its exit status, 128 + N if killed by signal N, or
  /// nothing if it is still running at the deadline.
  std::optional<int> wait(Duration timeout = generous);

  /// Everything written to stdout not yet returned by read_line() (after exit: all of it).
  std::string rest_of_stdout();
  /// Everything written to stderr so far.
  std::string stderr_text() const;

  /// The process id.
  pid_t pid() const noexcept { return pid_; }

 private:
  pid_t pid_ = -1;
  int stdout_ = -1;            ///< read end of the child's stdout pipe
  int stderr_ = -1;            ///< memfd holding the child's stderr
  std::string buffer_;         ///< stdout read but not yet returned
  std::optional<int> status_;  ///< exit status once reaped
};

/// For a test stopped at its deadline (test_deadline.cpp), which ends without running destructors:
/// kills (SIGKILL) every ChildProcess still running, and returns what each one said on stderr
/// (its last lines), to show with the test's failure.
std::string stop_child_processes();

/// The port from a server's first line, `listening on ADDR:PORT`. Throws std::runtime_error
/// quoting the line if it is not of that form.
std::uint16_t port_from_listening_line(std::string_view line);

}  // namespace hs::testing
