/// @file
/// The metrics endpoint (given): a deliberately small HTTP/1.0 responder for `GET /metrics`, on its
/// own listening socket (`--metrics-port`, loopback), for Prometheus or `curl`. One request per
/// connection, read with a size cap and a deadline, like everything else this server reads.
#pragma once

#include <functional>
#include <string>

#include "given/ch04/asio_types.hpp"
#include "hs/log.hpp"

namespace hs::ch04 {

/// Serves `GET /metrics` on `acceptor` with the text `render()` returns at that moment (200, Prometheus
/// text format), `404` for any other path and `400`/`405` for what is not a GET request; until the
/// acceptor is closed (the caller owns it, and closes it on the strand this runs on, to stop). Each scrape runs on
/// its own strand, its request read within 2 s; at most 16 at once (more are closed at once).
/// `log` must outlive the scrapes.
Awaitable<void> serve_metrics(Acceptor& acceptor, std::function<std::string()> render, const Logger& log);

}  // namespace hs::ch04
