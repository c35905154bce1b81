// Exercise 1.1: blocking reads and writes with deadlines.
// Read chapters/01-blocking/README.md#exercise-11, then replace the stubs below.
#include "ch01/blocking_io.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "hs/exercise.hpp"

namespace hs::ch01 {

ReadResult read_some([[maybe_unused]] int fd, [[maybe_unused]] std::span<char> buffer,
                     [[maybe_unused]] Clock::time_point deadline) {
  // TODO(ex 1.1): poll() the socket for POLLIN with the time left until `deadline`; then recv().
  // 0 ready: timeout. recv() > 0: data, 0: eof, < 0: error (but retry on EINTR and EAGAIN).
  exercise_not_done("1.1", "01-blocking");
}

std::error_code write_all([[maybe_unused]] int fd, [[maybe_unused]] std::string_view bytes,
                          [[maybe_unused]] Clock::time_point deadline) {
  // TODO(ex 1.1): loop until every byte is sent: poll() for POLLOUT until `deadline`, then
  // send() with MSG_NOSIGNAL (a vanished peer must give EPIPE, not kill the process).
  exercise_not_done("1.1", "01-blocking");
}

}  // namespace hs::ch01
