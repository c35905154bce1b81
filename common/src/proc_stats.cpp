// Process resource use from /proc (see hs/proc_stats.hpp).
#include "hs/proc_stats.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace hs {

std::optional<ProcessStats> read_process_stats(pid_t pid) {
  const std::string dir = pid == 0 ? "/proc/self" : "/proc/" + std::to_string(pid);
  std::ifstream status{dir + "/status"};
  std::ifstream stat{dir + "/stat"};
  if (!status || !stat) return std::nullopt;
  ProcessStats s;
  for (std::string line; std::getline(status, line);) {
    std::istringstream fields{line};
    std::string key;
    std::uint64_t value = 0;
    fields >> key >> value;
    if (key == "VmRSS:") s.rss_kb = value;
    if (key == "VmSize:") s.vsize_kb = value;
    if (key == "Threads:") s.threads = value;
  }
  // /proc/PID/stat: the command name (field 2) may hold spaces; fields 14 and 15 (utime, stime,
  // in clock ticks) come after its closing parenthesis.
  std::string text{std::istreambuf_iterator<char>{stat}, {}};
  std::istringstream after{text.substr(text.rfind(')') + 2)};
  std::string field;
  std::uint64_t utime = 0;
  std::uint64_t stime = 0;
  for (int i = 3; i <= 15 && after >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  s.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  return s;
}

}  // namespace hs
