// A whole hs-load run (see hs/load/run.hpp): workers, the monitor coroutine that samples the server
// and shows progress, and, with --procs, the collection of the workers' results from their pipes.
#include "given/ch05/run.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "given/ch05/client.hpp"
#include "given/ch05/processes.hpp"
#include "given/ch05/report.hpp"

namespace hs::load {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto no_throw = asio::experimental::as_tuple(asio::use_awaitable);

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Ticks every 50 ms while the run goes on: samples the server, and shows progress every 4th tick on
// a terminal (200 ms) or every 20th otherwise (1 s). Lives in run_load(), beyond io.run().
class Monitor {
 public:
  static constexpr auto interval = std::chrono::milliseconds{50};

  Monitor(asio::io_context& io, const LiveCounters& live, std::optional<ServerSampler>& sampler, Progress progress)
      : timer_{io}, live_{live}, sampler_{sampler}, progress_{progress} {}

  asio::awaitable<void> run() {
    double last_s = 0;
    std::uint64_t last_finished = 0;
    for (std::uint64_t tick = 1; !stopping_; ++tick) {  // ends with the run: stop() is called then
      timer_.expires_after(interval);
      co_await timer_.async_wait(no_throw);
      if (sampler_) sampler_->sample(live_.open.load(std::memory_order_relaxed));
      const std::uint64_t every = progress_ == Progress::live_line ? 4 : 20;
      if (progress_ == Progress::none || (tick % every != 0 && !stopping_)) continue;
      const double now_s = seconds_since(start_);
      const auto ok = live_.succeeded.load(std::memory_order_relaxed);
      const auto failed = live_.failed.load(std::memory_order_relaxed);
      const double rate = static_cast<double>(ok + failed - last_finished) / std::max(now_s - last_s, 1e-3);
      const auto line = progress_line(now_s, live_.open.load(std::memory_order_relaxed), ok, failed, rate);
      // On a terminal, rewrite one line in place (\r, then clear to its end); elsewhere, plain lines.
      if (progress_ == Progress::live_line) {
        fmt::print(stderr, "\r{}\x1b[K{}", line, stopping_ ? "\n" : "");
      } else {
        fmt::print(stderr, "{}\n", line);
      }
      last_s = now_s;
      last_finished = ok + failed;
    }
  }

  // The run is over: one last sample and progress line, then run() returns.
  void stop() {
    stopping_ = true;
    timer_.cancel();
  }

 private:
  asio::steady_timer timer_;
  const LiveCounters& live_;
  std::optional<ServerSampler>& sampler_;
  Progress progress_;
  Clock::time_point start_ = Clock::now();
  bool stopping_ = false;
};

void rethrow_failure(std::exception_ptr failure) {
  if (failure) std::rethrow_exception(failure);
}

// This process as the only worker: runs the load, then stops the monitor.
asio::awaitable<void> work_here(WorkerPlan plan, LiveCounters& live, Tally& tally, Clock::time_point& finished,
                                Monitor& monitor) {
  tally = co_await run_worker(std::move(plan), live);
  finished = Clock::now();
  monitor.stop();
}

// Reads each worker's result from its pipe and merges it into `tally`, then stops the monitor.
// A worker that sends no valid result is noted in `broken` (it is reaped and reported later).
asio::awaitable<void> collect(std::vector<WorkerProcess>& workers, Tally& tally, std::vector<int>& broken,
                              Clock::time_point& finished, Monitor& monitor) {
  constexpr std::size_t max_result_bytes = std::size_t{1} << 30;  // ~50 million latency samples
  for (std::size_t i = 0; i < workers.size(); ++i) {
    asio::posix::stream_descriptor pipe{co_await asio::this_coro::executor, workers[i].result_fd};
    std::string text;
    std::array<char, 65536> chunk;
    while (text.size() < max_result_bytes) {
      auto [ec, n] = co_await pipe.async_read_some(asio::buffer(chunk), no_throw);
      text.append(chunk.data(), n);
      if (ec) break;  // end of file: the worker is done (or died)
    }
    if (const auto part = tally_from_text(text)) {
      tally.merge(*part);
    } else {
      broken.push_back(static_cast<int>(i));
    }
  }
  finished = Clock::now();
  monitor.stop();
}

// One worker in a child process: its own io_context and thread, its tally as text for the pipe.
std::string work_in_child(const WorkerPlan& plan, LiveCounters& live) {
  asio::io_context io;
  Tally tally;
  asio::co_spawn(io, run_worker(plan, live), [&tally](std::exception_ptr failure, Tally result) {
    rethrow_failure(failure);
    tally = std::move(result);
  });
  io.run();
  return to_text(tally);
}

double cpu_seconds(int who) {
  rusage usage{};
  ::getrusage(who, &usage);
  const auto seconds = [](timeval t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

RunResult run_load(const LoadOptions& options, std::optional<pid_t> server_pid, Progress progress) {
  // Declared first so that they outlive the io_context and every coroutine frame it holds.
  SharedCounters shared;
  LiveCounters& live = shared.get();
  std::optional<ServerSampler> sampler;
  if (server_pid) sampler.emplace(*server_pid);  // the idle reading, before any connect
  RunResult result;
  std::vector<int> broken;
  const auto start = Clock::now();
  auto finished = start;

  std::vector<WorkerProcess> workers;
  if (options.procs > 1) {  // fork before this process has an io_context or a second thread
    std::fflush(stdout);
    std::fflush(stderr);
    workers = start_workers(options.procs, [&](int i) { return work_in_child(plan_for_worker(options, i), live); });
  }
  {
    asio::io_context io;
    Monitor monitor{io, live, sampler, progress};
    asio::co_spawn(io, monitor.run(), rethrow_failure);
    if (workers.empty()) {
      asio::co_spawn(io, work_here(plan_for_worker(options, 0), live, result.tally, finished, monitor),
                     rethrow_failure);
    } else {
      asio::co_spawn(io, collect(workers, result.tally, broken, finished, monitor), rethrow_failure);
    }
    io.run();
  }
  std::string failures;
  for (std::size_t i = 0; i < workers.size(); ++i) {
    const int status = wait_for(workers[i]);
    if (status != 0 || std::find(broken.begin(), broken.end(), static_cast<int>(i)) != broken.end()) {
      failures += fmt::format(" worker {} (exit status {}, {})", i, status,
                              status == 0 ? "its result was unreadable" : "see its message above");
    }
  }
  if (!failures.empty()) throw std::runtime_error("worker process(es) failed:" + failures);

  result.latency = summarize(result.tally.latencies_us);
  result.peak_open = live.peak_open.load();
  result.elapsed_s = std::chrono::duration<double>(finished - start).count();
  result.client_cpu_s = cpu_seconds(RUSAGE_SELF) + cpu_seconds(RUSAGE_CHILDREN);
  if (sampler) result.server = sampler->usage();
  return result;
}

}  // namespace hs::load
