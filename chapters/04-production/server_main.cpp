// hs-ch04-server: the HELLO server as it would run in production. T threads run one io_context,
// each connection on its own strand; handshake work done the way --work says; limits in front of
// the sessions; metrics on --metrics-port; a drain on SIGINT/SIGTERM; --workers K processes.
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <asio/strand.hpp>
#include <fmt/format.h>

#include "given/ch04/metrics_http.hpp"
#include "given/ch04/server.hpp"
#include "given/ch04/workers.hpp"
#include "hs/cli.hpp"
#include "hs/log.hpp"
#include "hs/server_cli.hpp"
#include "hs/server_log.hpp"

namespace {

using namespace hs::ch04;

// Everything on the command line beyond what every server takes.
struct Args {
  hs::ServerArgs common;
  std::string work = "timer";
  std::uint64_t cpu_rounds_per_ms = 0;  // 0: measured at start-up
  unsigned pool_threads = std::max(2u, std::thread::hardware_concurrency());
  unsigned io_threads = 1;
  std::size_t max_conns = 0;  // 0: derived from the descriptor limit
  std::string rate;           // "R/s"
  unsigned burst = 0;         // 0: one second's worth
  hs::Duration downstream_timeout{0};
  int breaker_failures = 5;
  hs::Duration breaker_cool_down{1000};
  hs::Duration drain{5000};
  int metrics_port = -1;
  int workers = 1;
};

// The sessions a process can hold: its descriptor limit, less a reserve for the listener, the
// metrics socket, refusals in progress and the program itself.
std::size_t default_max_conns() {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  const auto fds = static_cast<std::size_t>(limit.rlim_cur);
  return fds > 1100 ? fds - 100 : fds * 9 / 10;
}

// Far above what a core hashes in a millisecond, and low enough that no --work-ms overflows the rounds.
constexpr std::uint64_t max_cpu_rounds_per_ms = 1'000'000'000;

std::optional<double> parse_rate(std::string_view text) {
  if (!text.ends_with("/s")) return std::nullopt;
  text.remove_suffix(2);
  try {
    std::size_t used = 0;
    const double rate = std::stod(std::string{text}, &used);
    if (used != text.size() || !(rate > 0) || rate > 1e9) return std::nullopt;
    return rate;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// SIGINT and SIGTERM stop the server through serve()'s signal_set. main() blocks them before the
// `listening on` line, and serve() unblocks them once its signal_set is there: one sent as soon as
// a script has read that line waits for it (pending) instead of killing the process outright.
sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// One server process: its io_context, its threads, until the drain has finished.
int serve(const Args& args, const ServerOptions& options, const WorkOptions& work_options, hs::Fd listener,
          std::optional<hs::Fd> metrics_listener) {
  const hs::Logger log{args.common.quiet};
  ServerMetrics metrics;
  Work work{work_options, metrics};
  IoContext io{static_cast<int>(args.io_threads)};
  Server server{io, hs::ch03::adopt(io, std::move(listener)), options, work, metrics, log};

  std::optional<Acceptor> metrics_acceptor;
  const Executor metrics_strand = asio::make_strand(io);  // the endpoint's accept loop, and its close
  if (metrics_listener) {
    metrics_acceptor.emplace(hs::ch03::adopt(io, std::move(*metrics_listener)));
    asio::co_spawn(metrics_strand,
                   serve_metrics(
                       *metrics_acceptor, [&] { return metrics.prometheus() + prometheus(work.breaker()); }, log),
                   [](std::exception_ptr thrown) {
                     if (thrown) std::rethrow_exception(thrown);
                   });
  }
  // The end: once the drain is over, close the metrics endpoint too, and run() returns everywhere.
  auto close_metrics = [&] {
    if (!metrics_acceptor) return;
    asio::post(metrics_strand, [&] {
      std::error_code ignored;
      metrics_acceptor->close(ignored);
    });
  };

  asio::signal_set signals{io, SIGINT, SIGTERM};
  signals.async_wait([&](std::error_code error, int signal) {
    if (error) return;
    log.info("{}: stopping", ::sigdescr_np(signal));
    asio::co_spawn(server.executor(), server.drain(), [&](std::exception_ptr thrown) {
      close_metrics();
      if (thrown) std::rethrow_exception(thrown);
    });
  });
  const sigset_t stopping = stop_signals();
  ::pthread_sigmask(SIG_UNBLOCK, &stopping, nullptr);  // the signal_set takes them from here on
  asio::co_spawn(server.executor(), server.listen(), [&](std::exception_ptr thrown) {
    asio::post(io, [&] { signals.cancel(); });  // nothing left to stop
    if (thrown) std::rethrow_exception(thrown);
  });

  // Every thread runs the same io_context. The first exception (a stub, a bug) stops them all.
  const std::exception_ptr failure = run_on_threads(io, args.io_threads);
  work.join();    // after a failure, jobs may still run on the pool for suspended sessions:
  io.shutdown();  // those sessions go now, while the server and the work they use still exist
  if (failure) {
    fmt::print(stderr, "hs-ch04-server: {}\n", hs::message_of(failure));
    return 1;
  }
  hs::log_stopped(log, metrics.listener.accepted, metrics.completed.value(),
                  metrics.listener.accepted - metrics.completed.value(), metrics.open.peak());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  hs::Cli cli{"hs-ch04-server", "the HELLO server in production: threads, limits, metrics, drain (chapter 04)"};
  args.common.add_to(cli, "done the way --work says");
  cli.add("--work", args.work, "MODE", "how the work is done: blocking, timer, offload, cpu, cpu-offload");
  cli.add("--cpu-rounds-per-ms", args.cpu_rounds_per_ms, "N",
          "hash rounds in 1 ms of cpu or cpu-offload work (0: measure at start-up); logged either way");
  cli.add("--pool-threads", args.pool_threads, "N", "threads for offloaded work");
  cli.add("--io-threads", args.io_threads, "N", "threads running the io_context");
  cli.add("--max-conns", args.max_conns, "N", "sessions at once; more get ERROR busy (0: the descriptor limit - 100)");
  cli.add("--rate", args.rate, "R/s", "new connections per second per source address; more get ERROR busy");
  cli.add("--burst", args.burst, "N", "connections a source may open at once under --rate (0: R)");
  cli.add("--downstream-timeout", args.downstream_timeout, "DURATION",
          "offloaded calls slower than this count as failures (0ms: no limit)");
  cli.add("--breaker-failures", args.breaker_failures, "N", "consecutive downstream failures that open the breaker");
  cli.add("--breaker-cool-down", args.breaker_cool_down, "DURATION", "how long the breaker stays open");
  cli.add("--drain", args.drain, "DURATION", "on SIGINT/SIGTERM, how long handshakes in flight may finish");
  cli.add("--metrics-port", args.metrics_port, "N", "serve GET /metrics on this port (0: any free one)");
  cli.add("--workers", args.workers, "K", "processes sharing the port (SO_REUSEPORT)");
  args.common.parse(cli, argc, argv);

  const auto mode = mode_from_name(args.work);
  if (!mode) cli.fail(fmt::format("--work must be blocking, timer, offload, cpu or cpu-offload, not '{}'", args.work));
  if (args.cpu_rounds_per_ms > max_cpu_rounds_per_ms) {
    cli.fail(fmt::format("--cpu-rounds-per-ms must be at most {} (0: measure at start-up)", max_cpu_rounds_per_ms));
  }
  if (args.cpu_rounds_per_ms > 0 && !hashes(*mode)) cli.fail("--cpu-rounds-per-ms goes with --work cpu or cpu-offload");
  if (args.io_threads < 1 || args.io_threads > 256) cli.fail("--io-threads must be between 1 and 256");
  if (args.pool_threads < 1 || args.pool_threads > 256) cli.fail("--pool-threads must be between 1 and 256");
  if (args.workers < 1 || args.workers > 64) cli.fail("--workers must be between 1 and 64");
  if (args.breaker_failures < 1) cli.fail("--breaker-failures must be 1 or more");
  if (args.metrics_port > 65535) cli.fail("--metrics-port must be a port number");
  if (args.metrics_port >= 0 && args.workers > 1) {
    cli.fail("--metrics-port serves one process's counters: use it without --workers, or scrape each worker");
  }

  ServerOptions options;
  options.session = {args.common.read_timeout, args.common.handshake_timeout};
  options.max_conns = args.max_conns > 0 ? args.max_conns : default_max_conns();
  options.drain = args.drain;
  if (!args.rate.empty()) {
    const auto rate = parse_rate(args.rate);
    if (!rate) cli.fail(fmt::format("--rate takes a rate per second such as 100/s, not '{}'", args.rate));
    options.rate = RateOptions{*rate, args.burst > 0 ? static_cast<double>(args.burst) : std::max(1.0, *rate)};
  } else if (args.burst > 0) {
    cli.fail("--burst goes with --rate");
  }
  WorkOptions work;
  work.mode = *mode;
  work.duration = args.common.work();
  work.pool_threads = args.pool_threads;
  work.downstream_timeout = args.downstream_timeout;
  work.breaker = {args.breaker_failures, args.breaker_cool_down};
  work.cpu_rounds_per_ms = args.cpu_rounds_per_ms;
  if (hashes(work.mode)) {
    // Once, before any worker starts, so that they all hash alike. Logged even with --quiet (which
    // drops the lines per connection): measurements run quiet, and this is the figure that makes
    // two of them comparable (README, "Pitfall 2").
    const bool measured = work.cpu_rounds_per_ms == 0;
    if (measured) work.cpu_rounds_per_ms = measure_rounds_per_ms();
    hs::Logger{}.info("cpu work: {} hash rounds per ms ({})", work.cpu_rounds_per_ms,
                      measured ? "measured at start-up" : "from --cpu-rounds-per-ms");
  }

  const sigset_t stopping = stop_signals();
  ::pthread_sigmask(SIG_BLOCK, &stopping, nullptr);  // until serve() can take them (each worker's too)
  std::vector<hs::Fd> listeners = hs::listen_and_announce(cli, "hs-ch04-server", args.common, args.workers);
  std::optional<hs::Fd> metrics_listener;
  if (args.metrics_port >= 0) {
    hs::ServerArgs metrics_args = args.common;
    metrics_args.port = static_cast<std::uint16_t>(args.metrics_port);
    try {
      metrics_listener = hs::listen_tcp(metrics_args.bind, metrics_args.port);
    } catch (const std::system_error& e) {
      fmt::print(stderr, "hs-ch04-server: metrics: {}\n", e.what());
      return 1;
    }
    fmt::print("metrics on {}\n", hs::local_endpoint(metrics_listener->get()).to_string());
    std::fflush(stdout);
  }
  if (args.workers == 1) return serve(args, options, work, std::move(listeners.front()), std::move(metrics_listener));
  const hs::Logger log{args.common.quiet};
  return run_workers(
      std::move(listeners), [&](hs::Fd listener) { return serve(args, options, work, std::move(listener), {}); }, log);
}
