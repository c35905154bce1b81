/// @file
/// Exercise 1.1: blocking reads and writes that give up at a deadline. A blocking call parks the
/// thread in the kernel until the socket is ready; poll() does the same, but with a time limit, so
/// a silent peer cannot hold the server forever.
#pragma once

#include <chrono>
#include <cstddef>
#include <span>
#include <string_view>
#include <system_error>

namespace hs::ch01 {

/// The clock for deadlines: steady, so changing the wall clock does not fire timeouts.
using Clock = std::chrono::steady_clock;

/// How read_some() ended.
enum class ReadStatus {
  data,     ///< bytes arrived: ReadResult::size of them
  eof,      ///< the peer closed its side (recv returned 0)
  timeout,  ///< the deadline passed first
  error,    ///< the connection broke: ReadResult::error says how (e.g. reset by peer)
};

/// What read_some() returns.
struct ReadResult {
  ReadStatus status = ReadStatus::timeout;  ///< how the read ended
  std::size_t size = 0;                     ///< bytes read into the buffer, when status is data
  std::error_code error;                    ///< the OS error, `{errno, std::generic_category()}`, when status is error
};

/// Waits until `fd` has bytes, the peer closes, or `deadline` passes, then reads what is there
/// (at most buffer.size() bytes). Never blocks past the deadline; one already past is no error:
/// with nothing there, the result is timeout. A signal that interrupts the wait (EINTR) is no
/// error either: wait again, until the same deadline.
ReadResult read_some(int fd, std::span<char> buffer, Clock::time_point deadline);

/// Writes all of `bytes`, waiting at most until `deadline` for room in the socket's buffer.
/// Returns no error on success, std::errc::timed_out if the deadline passed, or the OS error as
/// `{errno, std::generic_category()}` (e.g. EPIPE or ECONNRESET: the peer has gone). Never raises
/// SIGPIPE. A signal that interrupts the wait (EINTR) is no error: wait again.
std::error_code write_all(int fd, std::string_view bytes, Clock::time_point deadline);

}  // namespace hs::ch01
