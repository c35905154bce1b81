// What every server logs about its connections (see hs/server_log.hpp).
#include "hs/server_log.hpp"

#include <string>

#include "hs/cli.hpp"
#include "hs/exercise.hpp"

namespace hs {

void log_outcome(const Logger& log, const Endpoint& peer, Status status, const std::optional<ProtocolError>& error,
                 const std::error_code& io_error, std::chrono::nanoseconds took) {
  if (log.quiet()) return;  // info lines only: skip the formatting too
  const double ms = std::chrono::duration<double, std::milli>(took).count();
  if (status == Status::done) {
    log.info("{} done in {:.1f} ms", peer.to_string(), ms);
  } else if (io_error) {
    log.info("{} failed after {:.1f} ms: {}", peer.to_string(), ms, io_error.message());
  } else if (error) {
    std::string line = error_line(*error);
    line.pop_back();  // its '\n': the logger ends the line
    log.info("{} failed after {:.1f} ms: {}", peer.to_string(), ms, line);
  }
}

void log_or_rethrow(std::exception_ptr thrown, const Logger& log, std::string_view who) {
  if (!thrown) return;
  try {
    std::rethrow_exception(thrown);
  } catch (const ExerciseNotDone&) {
    throw;
  } catch (const std::exception& e) {
    log.error("{} threw: {}", who, e.what());
  } catch (...) {
    log.error("{} threw something that is not a std::exception", who);
  }
}

void log_stopping(const Logger& log, std::uint64_t in_progress, std::chrono::milliseconds handshake_timeout) {
  if (in_progress == 0) return;
  log.info(
      "stopping: no new connections; waiting for {} handshake(s) in progress (at most {}, plus up to 1s to close "
      "cleanly)",
      in_progress, format_duration(handshake_timeout));
}

void log_stopped(const Logger& log, std::uint64_t accepted, std::uint64_t done, std::uint64_t failed,
                 std::uint64_t peak) {
  log.info("stopped: {}, {} done, {} failed; at most {} at once", count_of(accepted, "connection"), done, failed, peak);
}

std::string message_of(std::exception_ptr thrown) {
  try {
    std::rethrow_exception(thrown);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

std::string count_of(std::uint64_t n, std::string_view noun) {
  return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s");
}

}  // namespace hs
