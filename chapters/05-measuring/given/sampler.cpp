// Server RSS and CPU sampling for hs-load (see hs/load/sampler.hpp).
#include "given/ch05/sampler.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "hs/proc_stats.hpp"

namespace hs::load {

double ServerUsage::kib_per_connection() const {
  if (most_open_sampled <= 0 || rss_at_most_open_kb < rss_idle_kb) return 0;
  return static_cast<double>(rss_at_most_open_kb - rss_idle_kb) / static_cast<double>(most_open_sampled);
}

ServerSampler::ServerSampler(pid_t pid) {
  const auto stats = read_process_stats(pid);
  if (!stats) throw std::runtime_error(fmt::format("no process with pid {} to sample", pid));
  usage_.pid = pid;
  usage_.rss_idle_kb = usage_.rss_peak_kb = usage_.rss_at_most_open_kb = stats->rss_kb;
  usage_.cpu_start_s = usage_.cpu_end_s = stats->cpu_seconds;
  usage_.samples = 1;
}

void ServerSampler::sample(std::int64_t open_now) {
  if (usage_.vanished) return;
  const auto stats = read_process_stats(usage_.pid);
  if (!stats) {
    usage_.vanished = true;
    return;
  }
  ++usage_.samples;
  usage_.cpu_end_s = stats->cpu_seconds;
  if (stats->rss_kb > usage_.rss_peak_kb) usage_.rss_peak_kb = stats->rss_kb;
  // ">=": of the samples at the highest concurrency, keep the latest (the server has settled most).
  if (open_now > 0 && open_now >= usage_.most_open_sampled) {
    usage_.most_open_sampled = open_now;
    usage_.rss_at_most_open_kb = stats->rss_kb;
  }
}

}  // namespace hs::load
