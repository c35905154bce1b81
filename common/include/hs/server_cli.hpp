/// @file
/// What every server program of the course shares on its command line and at start-up
/// (the same for every chapter): `--bind`, `--port`, the two timeouts, `--work-ms`, `--quiet`; and the
/// listening socket announced as `listening on ADDR:PORT`, the line tests and scripts read.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hs/cli.hpp"
#include "hs/net.hpp"

namespace hs {

/// The options every server takes, with the protocol's defaults.
struct ServerArgs {
  std::string bind = "127.0.0.1";                      ///< `--bind`: a numeric address
  std::uint16_t port = 7878;                           ///< `--port`: 0 picks a free one
  std::chrono::milliseconds read_timeout{5000};        ///< `--read-timeout`: for each message
  std::chrono::milliseconds handshake_timeout{10000};  ///< `--handshake-timeout`: for the whole handshake
  int work_ms = 0;                                     ///< `--work-ms`: simulated work per handshake
  bool quiet = false;                                  ///< `--quiet`: no line per connection

  /// Declares these options on `cli` (`work_help` says how this server does its work).
  void add_to(Cli& cli, std::string_view work_help);
  /// Parses argv with `cli` (this server's own options declared on it too), then checks these
  /// options. Exits 0 after --help, 2 after a usage error (Cli::parse()).
  void parse(const Cli& cli, int argc, char** argv) const;
  /// `--work-ms` as a duration.
  std::chrono::milliseconds work() const { return std::chrono::milliseconds{work_ms}; }
};

/// Listens on args.bind:args.port, prints `listening on ADDR:PORT` on stdout and flushes it. On
/// failure: a bad address is a usage error (exit 2); anything else (port in use, ...) is explained
/// on stderr, with a hint, and the program exits with status 1.
Fd listen_and_announce(const Cli& cli, std::string_view program, const ServerArgs& args);

/// The same, with `count` sockets on one address and port (SO_REUSEPORT), one per worker process;
/// the line is printed once, after all exist, so that no connection can reach a socket not yet there.
std::vector<Fd> listen_and_announce(const Cli& cli, std::string_view program, const ServerArgs& args, int count);

}  // namespace hs
