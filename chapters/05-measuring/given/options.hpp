/// @file
/// What a load run is asked to do (LoadOptions, filled from hs-load's command line), how it is
/// split among worker processes (plan_for_worker), and the checks that keep it on loopback and
/// within this machine's limits (file descriptors, ephemeral ports).
#pragma once

#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hs/cli.hpp"

namespace hs::load {

/// The whole run, as asked for on the command line.
struct LoadOptions {
  asio::ip::tcp::endpoint server{asio::ip::make_address("127.0.0.1"), 7878};  ///< loopback only
  std::int64_t conns = 100;                    ///< at most this many handshakes at once (over all processes)
  std::int64_t total = 0;                      ///< handshakes in all; 0 = no count limit (then `duration` must be set)
  Duration duration{0};                        ///< stop starting new handshakes after this; 0 = no time limit
  Duration think{0};                           ///< pause between HELLO Y arriving and sending HELLO Z
  Duration timeout{std::chrono::seconds{30}};  ///< for each whole handshake, connect included
  std::int64_t ramp = 20;                      ///< new connects per millisecond at most (over all processes)
  std::int64_t max_opening = 1000;             ///< at most this many handshakes waiting for the server's first reply
  int procs = 1;                               ///< worker processes
  std::vector<asio::ip::address_v4> sources;   ///< source addresses, round robin; empty = the kernel's choice
};

/// One worker process's share of the run.
struct WorkerPlan {
  asio::ip::tcp::endpoint server;             ///< where to connect
  std::int64_t conns = 1;                     ///< this worker's concurrency
  std::int64_t total = 0;                     ///< this worker's handshakes; 0 = until `duration`
  Duration duration{0};                       ///< as in LoadOptions
  Duration think{0};                          ///< as in LoadOptions
  Duration timeout{0};                        ///< as in LoadOptions
  std::int64_t ramp = 1;                      ///< this worker's connects per millisecond
  std::int64_t max_opening = 1;               ///< this worker's share of LoadOptions::max_opening
  std::int64_t first_x = 1;                   ///< X of this worker's first handshake ...
  std::int64_t x_step = 1;                    ///< ... and the step to the next: workers never share an X
  std::vector<asio::ip::address_v4> sources;  ///< as in LoadOptions
  std::size_t first_source = 0;               ///< where this worker starts in the round robin
};

/// Worker `index`'s share (of options.procs): conns, total, ramp and max_opening are split as
/// evenly as whole numbers allow (the first workers get one more); each worker gets at least 1.
WorkerPlan plan_for_worker(const LoadOptions& options, int index);

/// The address of `host` if it is a loopback address: 127.0.0.0/8, ::1, or the name "localhost".
/// hs-load refuses anything else: it is a tool for measuring on one machine, not for loading others'.
std::optional<asio::ip::address> loopback_address(std::string_view host);

/// Source addresses for --src-ips: a count N (127.0.0.1 ... 127.0.0.N), a range `A-B`, or one
/// address; all within 127.0.0.0/8, at most 255 of them. Nothing if the text is none of these.
std::optional<std::vector<asio::ip::address_v4>> parse_source_ips(std::string_view text);

/// The usage error in `options`, if any: counts out of range, or more connections than this
/// machine allows one process (`fd_limit`: open files, less a reserve) or one source address
/// (`ephemeral_ports`). The message says which option fixes it.
std::optional<std::string> check_limits(const LoadOptions& options, std::uint64_t fd_limit,
                                        std::uint64_t ephemeral_ports);

/// Raises this process's soft limit on open files to the hard limit; returns the limit now.
std::uint64_t raise_fd_limit();

/// How many ephemeral ports the kernel hands out per source address (net.ipv4.ip_local_port_range).
std::uint64_t ephemeral_port_count();

}  // namespace hs::load
