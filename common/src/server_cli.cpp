// Shared server options and start-up (see hs/server_cli.hpp).
#include "hs/server_cli.hpp"

#include <cstdio>
#include <cstdlib>
#include <system_error>

#include <fmt/format.h>

namespace hs {

void ServerArgs::add_to(Cli& cli, std::string_view work_help) {
  cli.add("--bind", bind, "ADDR", "address to listen on");
  cli.add("--port", port, "N", "port to listen on; 0 picks a free one");
  cli.add("--read-timeout", read_timeout, "DURATION", "time allowed for each message");
  cli.add("--handshake-timeout", handshake_timeout, "DURATION", "time allowed for the whole handshake");
  cli.add("--work-ms", work_ms, "N", fmt::format("simulated work per handshake, in ms ({})", work_help));
  cli.add("--quiet", quiet, "no line per connection");
}

void ServerArgs::check(const Cli& cli) const {
  if (work_ms < 0) cli.fail("--work-ms must be 0 or more");
}

Fd listen_and_announce(const Cli& cli, std::string_view program, const ServerArgs& args) {
  Fd listener;
  try {
    listener = listen_tcp(args.bind, args.port);
  } catch (const std::system_error& e) {
    if (e.code() == std::errc::invalid_argument) cli.fail(e.what());  // --bind is not an address
    fmt::print(stderr, "{}: {}\n", program, e.what());
    if (e.code() == std::errc::address_in_use) {
      fmt::print(stderr, "Is another server on that port? Choose another with --port, or --port 0 for any free one.\n");
    }
    std::exit(1);
  }
  fmt::print("listening on {}\n", local_endpoint(listener.get()).to_string());
  std::fflush(stdout);  // scripts and tests wait for this line
  return listener;
}

}  // namespace hs
