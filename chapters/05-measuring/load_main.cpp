// hs-load: the load generator. Parses the command line, checks it against loopback and this
// machine's limits, runs the load (hs::load::run_load), prints the summary and, with --json, the
// same figures as JSON. Exit status: 0 if every handshake succeeded, 1 if any failed, 2 usage.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "given/ch05/options.hpp"
#include "given/ch05/report.hpp"
#include "given/ch05/run.hpp"
#include "hs/cli.hpp"

int main(int argc, char** argv) {
  hs::load::LoadOptions options;
  std::string host = "127.0.0.1";
  std::uint16_t port = 7878;
  int think_ms = 0;
  std::string src_ips;
  pid_t server_pid = 0;
  std::string json_path;
  bool quiet = false;

  hs::Cli cli{"hs-load", "the load generator: many HELLO handshakes at once, measured (chapter 05)"};
  cli.add("--host", host, "ADDR", "server address: loopback only (127.0.0.0/8, ::1, localhost)");
  cli.add("--port", port, "N", "server port");
  cli.add("--conns", options.conns, "N", "at most N handshakes at once");
  cli.add("--total", options.total, "M", "handshakes in all; 0 = as many as --conns, or no limit with --duration");
  cli.add("--duration", options.duration, "DURATION",
          "keep starting handshakes this long, then let them finish; 0 = no time limit");
  cli.add("--think-ms", think_ms, "T", "pause between HELLO Y and HELLO Z, in ms: holds connections open");
  cli.add("--timeout", options.timeout, "DURATION", "time allowed for each whole handshake, connect included");
  cli.add("--ramp", options.ramp, "B", "at most B new connects per millisecond");
  cli.add("--max-opening", options.max_opening, "N",
          "at most N connects waiting for the server's first reply (keeps its listen backlog from overflowing)");
  cli.add("--procs", options.procs, "K", "worker processes, each with its share of --conns and --total");
  cli.add("--src-ips", src_ips, "N|A-B", "source addresses 127.0.0.1..127.0.0.N (or A to B), round robin");
  cli.add("--server-pid", server_pid, "PID", "sample this process's RSS and CPU (the server under load); 0 = none");
  cli.add("--json", json_path, "FILE", "also write the figures as one JSON object to FILE");
  cli.add("--quiet", quiet, "no progress on stderr");
  cli.parse(argc, argv);

  const auto address = hs::load::loopback_address(host);
  if (!address) {
    cli.fail(
        fmt::format("--host {}: hs-load only loads a server on this machine (127.0.0.0/8, ::1, localhost), "
                    "so that a load test can never flood someone else's",
                    host));
  }
  options.server = {*address, port};
  if (think_ms < 0) cli.fail("--think-ms must be 0 or more");
  options.think = std::chrono::milliseconds{think_ms};
  if (options.total == 0 && options.duration.count() == 0) options.total = options.conns;
  if (!src_ips.empty()) {
    auto sources = hs::load::parse_source_ips(src_ips);
    if (!sources)
      cli.fail(
          fmt::format("--src-ips {}: give a count (4), a range (127.0.0.1-127.0.0.4) or one "
                      "address, within 127.0.0.0/8, at most 255 addresses",
                      src_ips));
    options.sources = std::move(*sources);
  }
  if (const auto problem =
          hs::load::check_limits(options, hs::load::raise_fd_limit(), hs::load::ephemeral_port_count())) {
    cli.fail(*problem);
  }
  if (server_pid < 0 || (server_pid > 0 && ::kill(server_pid, 0) != 0 && errno == ESRCH)) {
    cli.fail(fmt::format("--server-pid {}: no such process", server_pid));
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> json{nullptr, std::fclose};
  if (!json_path.empty()) {
    json.reset(std::fopen(json_path.c_str(), "w"));
    if (!json) cli.fail(fmt::format("--json {}: cannot write there", json_path));
  }
  ::signal(SIGPIPE, SIG_IGN);  // a peer that vanished is an outcome to count, not a reason to die

  const auto progress = quiet                     ? hs::load::Progress::none
                        : ::isatty(STDERR_FILENO) ? hs::load::Progress::live_line
                                                  : hs::load::Progress::lines;
  try {
    const auto result =
        hs::load::run_load(options, server_pid > 0 ? std::optional{server_pid} : std::nullopt, progress);
    fmt::print("{}", hs::load::format_summary(result));
    if (json) fmt::print(json.get(), "{}", hs::load::format_json(options, result));
    return result.tally.failed() == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "hs-load: {}\n", e.what());
    return 1;
  }
}
