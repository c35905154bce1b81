// Shared server options and start-up (see hs/server_cli.hpp).
#include "hs/server_cli.hpp"

#include <cstdio>
#include <cstdlib>
#include <system_error>
#include <utility>

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

void ServerArgs::parse(const Cli& cli, int argc, char** argv) const {
  cli.parse(argc, argv);
  if (work_ms < 0) cli.fail("--work-ms must be 0 or more");
}

Fd listen_and_announce(const Cli& cli, std::string_view program, const ServerArgs& args) {
  return std::move(listen_and_announce(cli, program, args, 1).front());
}

std::vector<Fd> listen_and_announce(const Cli& cli, std::string_view program, const ServerArgs& args, int count) {
  std::vector<Fd> listeners;
  try {
    const bool reuse_port = count > 1;
    // SO_REUSEPORT would also let us join another server's group on that port, splitting its
    // clients with it: first check, without it, that the port is free.
    if (reuse_port && args.port != 0) listen_tcp(args.bind, args.port, 1);
    listeners.push_back(listen_tcp(args.bind, args.port, 4096, reuse_port));
    const std::uint16_t port = local_endpoint(listeners.front().get()).port;  // port 0: the one picked
    while (static_cast<int>(listeners.size()) < count) listeners.push_back(listen_tcp(args.bind, port, 4096, true));
  } catch (const std::system_error& e) {
    if (e.code() == std::errc::invalid_argument) cli.fail(e.what());  // --bind is not an address
    fmt::print(stderr, "{}: {}\n", program, e.what());
    if (e.code() == std::errc::address_in_use) {
      fmt::print(stderr, "Is another server on that port? Choose another with --port, or --port 0 for any free one.\n");
    }
    std::exit(1);
  }
  fmt::print("listening on {}\n", local_endpoint(listeners.front().get()).to_string());
  std::fflush(stdout);  // scripts and tests wait for this line
  return listeners;
}

}  // namespace hs
