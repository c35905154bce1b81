// hs-client: the blocking HELLO client. Connects, runs the handshake with run_client()
// (exercise 1.4), prints the exchange. Exit status 0 on success, 1 on failure (the ERROR line is
// printed on stderr), 2 for bad arguments.
//
// With --repeat N and --clients C it becomes a quick measuring tool: C threads, each running N
// handshakes one after another (a blocking client needs a thread per concurrent connection; that
// is chapter 02's subject), then a summary: handshakes/s, latency percentiles, failures by reason.
#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "ch01/blocking_client.hpp"
#include "hs/cli.hpp"
#include "hs/exercise.hpp"
#include "hs/net.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// Prints each line of `bytes` with an arrow: "-> HELLO 41" or "<- HELLO 42".
void print_lines(hs::ch01::Direction direction, std::string_view bytes) {
  const char* arrow = direction == hs::ch01::Direction::sent ? "->" : "<-";
  while (!bytes.empty()) {
    const auto nl = bytes.find('\n');
    const auto line = bytes.substr(0, nl);
    fmt::print("{} {}{}\n", arrow, hs::printable(line, 80), nl == std::string_view::npos ? " (no newline yet)" : "");
    bytes.remove_prefix(nl == std::string_view::npos ? bytes.size() : nl + 1);
  }
  std::fflush(stdout);
}

struct Target {
  std::string host;
  std::uint16_t port;
};

// How one handshake on a new connection went.
struct Outcome {
  std::string connect_error;  ///< set when the connection could not be made
  hs::ch01::ClientResult result;
};

Outcome one_handshake(const Target& target, const hs::ch01::ClientOptions& options,
                      const hs::ch01::ClientObserver& observe) {
  hs::Fd socket;
  try {
    socket = hs::connect_tcp(target.host, target.port, options.read_timeout);
  } catch (const std::system_error& e) {
    return {e.what(), {}};
  }
  if (observe) fmt::print("connected to {}\n", hs::peer_endpoint(socket.get()).to_string());
  return {{}, hs::ch01::run_client(socket.get(), options, observe)};
}

// A short name for what went wrong ("" if nothing), to count failures by reason.
std::string failure_reason(const Outcome& o) {
  if (!o.connect_error.empty()) return "connect failed";
  if (o.result.status == hs::Status::done) return {};
  if (o.result.io_error) return o.result.io_error.message();
  if (!o.result.error) return "unknown";
  return fmt::format("{}{}", o.result.error->from_peer ? "server ERROR " : "", hs::reason_name(o.result.error->reason));
}

// --clients C --repeat N: run them all, print a summary. Returns the exit status.
int measure(const Target& target, const hs::ch01::ClientOptions& options, int clients, int repeat) {
  std::mutex mutex;  // guards the two collections below
  std::vector<double> latencies_ms;
  std::map<std::string, int> failures;
  const auto start = Clock::now();
  {
    std::vector<std::jthread> threads;
    threads.reserve(static_cast<std::size_t>(clients));
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back([&, c] {
        hs::ch01::ClientOptions mine = options;
        for (int i = 0; i < repeat; ++i) {
          mine.x = options.x + static_cast<std::int64_t>(c) * repeat + i;
          const auto t0 = Clock::now();
          const std::string failure = failure_reason(one_handshake(target, mine, {}));
          const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
          const std::lock_guard lock{mutex};
          if (failure.empty()) {
            latencies_ms.push_back(ms);
          } else {
            ++failures[failure];
          }
        }
      });
    }
  }  // jthreads join here
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const auto total = static_cast<std::size_t>(clients) * static_cast<std::size_t>(repeat);
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto percentile = [&latencies_ms](double p) {
    if (latencies_ms.empty()) return 0.0;
    const auto i = static_cast<std::size_t>(std::lround(p * static_cast<double>(latencies_ms.size() - 1)));
    return latencies_ms[i];
  };
  fmt::print("{} handshakes by {} client(s) in {:.2f} s: {:.0f} completed handshakes/s\n", total, clients, seconds,
             static_cast<double>(latencies_ms.size()) / seconds);
  fmt::print("done {} ({:.1f}%), failed {}\n", latencies_ms.size(),
             100.0 * static_cast<double>(latencies_ms.size()) / static_cast<double>(total),
             total - latencies_ms.size());
  fmt::print("latency ms: p50 {:.2f}  p90 {:.2f}  p99 {:.2f}  max {:.2f}\n", percentile(0.5), percentile(0.9),
             percentile(0.99), latencies_ms.empty() ? 0.0 : latencies_ms.back());
  for (const auto& [reason, count] : failures) fmt::print("failed: {} x {}\n", count, reason);
  return failures.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Target target{"127.0.0.1", 7878};
  int think_ms = 0;
  int repeat = 1;
  int clients = 1;
  hs::ch01::ClientOptions options;
  hs::Cli cli{"hs-client", "the blocking HELLO client: one handshake, printed (chapter 01)"};
  cli.add("--host", target.host, "HOST", "server address or name");
  cli.add("--port", target.port, "N", "server port");
  cli.add("--seq", options.x, "X", "the number to open with (HELLO X)");
  cli.add("--think-ms", think_ms, "N", "pause between the server's reply and HELLO Z, in ms");
  cli.add("--read-timeout", options.read_timeout, "DURATION", "time allowed for each reply");
  cli.add("--handshake-timeout", options.handshake_timeout, "DURATION", "time allowed for the whole handshake");
  cli.add("--repeat", repeat, "N", "measure: N handshakes per client, one after another");
  cli.add("--clients", clients, "C", "measure: C clients at once (one thread each)");
  cli.parse(argc, argv);
  if (think_ms < 0) cli.fail("--think-ms must be 0 or more");
  if (repeat < 1 || clients < 1 || clients > 10000) cli.fail("--repeat must be 1 or more, --clients 1 to 10000");
  options.think = std::chrono::milliseconds{think_ms};

  try {
    if (repeat > 1 || clients > 1) return measure(target, options, clients, repeat);
    const Outcome outcome = one_handshake(target, options, print_lines);
    const auto& result = outcome.result;
    if (!outcome.connect_error.empty()) {
      fmt::print(stderr, "hs-client: {}\n", outcome.connect_error);
      if (outcome.connect_error.find("refused") != std::string::npos) {
        fmt::print(stderr, "Is a server running on that port?\n");
      }
      return 1;
    }
    if (result.status == hs::Status::done) {
      fmt::print("done: the server closed the connection after HELLO Z\n");
      return 0;
    }
    if (result.io_error) fmt::print(stderr, "hs-client: connection broke: {}\n", result.io_error.message());
    if (result.error) {
      fmt::print(stderr, "{}({})\n", hs::error_line(*result.error),
                 result.error->from_peer ? "sent by the server" : "detected by this client");
    }
    return 1;
  } catch (const hs::ExerciseNotDone& e) {
    fmt::print(stderr, "hs-client: {}\n", e.what());
    return 1;
  }
}
