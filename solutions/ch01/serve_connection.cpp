// Exercise 1.2 (reference): serve one connection to the end.
#include "ch01/serve_connection.hpp"

#include <algorithm>
#include <array>
#include <thread>

#include "ch00/server_handshake.hpp"
#include "ch01/blocking_io.hpp"
#include "hs/net.hpp"

namespace hs::ch01 {
namespace {

using Phase = ch00::ServerHandshake::Phase;

}  // namespace

ServeResult serve_connection(int fd, const ServeOptions& options) {
  ch00::ServerHandshake machine;
  const auto start = Clock::now();
  const auto handshake_deadline = start + options.handshake_timeout;
  auto message_deadline = start + options.read_timeout;  // per message, not per read: see README
  std::array<char, max_line_bytes> buffer;               // one line's worth: never read far ahead
  ServeResult result;

  while (result.status == Status::in_progress) {
    const bool handshake_first = handshake_deadline <= message_deadline;
    const ReadResult read = read_some(fd, buffer, std::min(handshake_deadline, message_deadline));
    Step step;
    switch (read.status) {
      case ReadStatus::data: {
        const Phase before = machine.phase();
        step = machine.on_bytes({buffer.data(), read.size});
        if (before == Phase::awaiting_hello &&
            (machine.phase() == Phase::awaiting_z || machine.phase() == Phase::done)) {
          if (options.work.count() > 0) std::this_thread::sleep_for(options.work);  // blocks everyone: the point
          message_deadline = Clock::now() + options.read_timeout;                   // the clock restarts for Z
        }
        break;
      }
      case ReadStatus::eof: step = machine.on_eof(); break;
      case ReadStatus::timeout: step = machine.on_timeout(handshake_first ? Timeout::handshake : Timeout::read); break;
      case ReadStatus::error:  // reset: nobody is left to read an ERROR line
        result.io_error = read.error;
        step = machine.on_eof();
        step.out.clear();
        break;
    }
    if (!step.out.empty()) {
      if (auto ec = write_all(fd, step.out, Clock::now() + options.read_timeout)) {
        result.io_error = ec;
        if (step.status == Status::in_progress) step = machine.on_eof();  // cannot go on without writing
      }
    }
    result.status = step.status;
    result.error = step.error;
  }
  // Closing with unread input would reset the connection and could destroy our last line: after a
  // failure the client may still be sending, and after HELLO Z it may have sent more. Linger then.
  if (!result.io_error && (result.status == Status::failed || unread_bytes(fd) > 0)) {
    shutdown_and_drain(fd, linger_time(options.read_timeout));
  }
  return result;
}

}  // namespace hs::ch01
