// Exercise 1.4 (reference): the blocking client.
#include "ch01/blocking_client.hpp"

#include <algorithm>
#include <array>
#include <thread>

#include "ch00/client_handshake.hpp"
#include "ch01/blocking_io.hpp"

namespace hs::ch01 {

ClientResult run_client(int fd, const ClientOptions& options, const ClientObserver& observe) {
  auto notify = [&observe](Direction d, std::string_view bytes) {
    if (observe && !bytes.empty()) observe(d, bytes);
  };
  ch00::ClientHandshake machine{options.x};
  const auto handshake_deadline = Clock::now() + options.handshake_timeout;
  std::array<char, max_line_bytes> buffer;
  auto message_deadline = Clock::now() + options.read_timeout;  // per reply, restarted after each send
  ClientResult result;

  Step step = machine.start();
  while (true) {
    if (!step.out.empty()) {
      if (machine.phase() == ch00::ClientHandshake::Phase::awaiting_close && options.think.count() > 0) {
        std::this_thread::sleep_for(options.think);  // the client "thinks" between Y and Z
      }
      if (auto ec = write_all(fd, step.out, Clock::now() + options.read_timeout)) {
        result.io_error = ec;
        step = machine.on_eof();
      } else {
        notify(Direction::sent, step.out);
      }
      message_deadline = Clock::now() + options.read_timeout;
    }
    if (step.status != Status::in_progress) break;
    const bool handshake_first = handshake_deadline <= message_deadline;
    const ReadResult read = read_some(fd, buffer, std::min(handshake_deadline, message_deadline));
    switch (read.status) {
      case ReadStatus::data:
        notify(Direction::received, {buffer.data(), read.size});
        step = machine.on_bytes({buffer.data(), read.size});
        break;
      case ReadStatus::eof: step = machine.on_eof(); break;
      case ReadStatus::timeout: step = machine.on_timeout(handshake_first ? Timeout::handshake : Timeout::read); break;
      case ReadStatus::error:
        result.io_error = read.error;
        step = machine.on_eof();
        break;
    }
  }
  result.status = step.status;
  result.error = step.error;
  return result;
}

}  // namespace hs::ch01
