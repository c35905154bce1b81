// Logging (see hs/log.hpp): "HH:MM:SS.mmm level message" on stderr.
#include "hs/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace hs {

void Logger::write(std::string_view level, std::string_view message) const {
  if (sink_) {
    sink_(level, message);
    return;
  }
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t t = system_clock::to_time_t(now);
  std::tm local{};
  localtime_r(&t, &local);
  // One fmt::print call: stdio's lock keeps the whole line together.
  fmt::print(stderr, "{:02}:{:02}:{:02}.{:03} {:<5} {}\n", local.tm_hour, local.tm_min, local.tm_sec, ms, level,
             message);
}

}  // namespace hs
