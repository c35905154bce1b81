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
/// text format; HEAD: the same headers alone), `404` for any other path (a `?query` is ignored),
/// `405` for another method, `400` for a first line without a target; until the acceptor is closed
/// (the caller owns it, and closes it on the strand this runs on, to stop). A request is its headers
/// up to the empty line (`\r\n\r\n`, or `\n\n` as nc sends it): more than 8 KiB gets `431`; one
/// that ends before its empty line, or takes more than 2 s, is closed unanswered. Each scrape runs
/// on its own strand; at most 16 at once (more are closed at once, unanswered). Out of descriptors,
/// it pauses 100 ms between attempts, with one warning per burst (`metrics: accept failed: ...`),
/// as the server's listener does. `log` must outlive the scrapes.
Awaitable<void> serve_metrics(Acceptor& acceptor, std::function<std::string()> render, const Logger& log);

}  // namespace hs::ch04
