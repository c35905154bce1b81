// The metrics endpoint (given): see metrics_http.hpp.
#include "given/ch04/metrics_http.hpp"

#include <atomic>
#include <chrono>
#include <exception>
#include <iterator>
#include <memory>
#include <string_view>
#include <system_error>
#include <utility>

#include <asio/buffers_iterator.hpp>
#include <asio/co_spawn.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/read_until.hpp>
#include <asio/strand.hpp>
#include <asio/streambuf.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>

#include "ch03/listener.hpp"
#include "hs/server_log.hpp"

namespace hs::ch04 {

namespace {

using namespace asio::experimental::awaitable_operators;

constexpr std::size_t max_request_bytes = 8192;
constexpr int max_scrapes = 16;                                  // at once: each holds a descriptor
constexpr auto request_deadline = std::chrono::seconds{2};       // and delays the exit at most this long
constexpr auto accept_backoff = std::chrono::milliseconds{100};  // out of descriptors: the pause between tries

// The end of the request's headers: an empty line, "\r\n\r\n" (or "\n\n", as nc sends it).
struct EndOfHeaders {
  using Iterator = asio::buffers_iterator<asio::streambuf::const_buffers_type>;
  using result_type = std::pair<Iterator, bool>;  // what makes it a match condition for read_until

  result_type operator()(Iterator begin, Iterator end) const {
    char previous = 0, before = 0;
    for (Iterator i = begin; i != end; ++i) {
      const char c = *i;
      if (c == '\n' && (previous == '\n' || (previous == '\r' && before == '\n'))) return {std::next(i), true};
      before = previous;
      previous = c;
    }
    return {end, false};
  }
};

std::string response(std::string_view status, std::string_view content_type, std::string_view body) {
  return fmt::format("HTTP/1.0 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}", status,
                     content_type, body.size(), body);
}

// The answer to the request whose first line is `line`.
std::string answer(std::string_view line, const std::function<std::string()>& render) {
  const auto first_space = line.find(' ');
  if (first_space == std::string_view::npos) return response("400 Bad Request", "text/plain", "bad request\n");
  const std::string_view method = line.substr(0, first_space);
  std::string_view target = line.substr(first_space + 1);
  target = target.substr(0, target.find(' '));
  target = target.substr(0, target.find('?'));  // Prometheus may add parameters
  if (method != "GET" && method != "HEAD") return response("405 Method Not Allowed", "text/plain", "GET only\n");
  if (target != "/metrics") return response("404 Not Found", "text/plain", "try /metrics\n");
  std::string reply = response("200 OK", "text/plain; version=0.0.4; charset=utf-8", render());
  if (method == "HEAD") reply.resize(reply.find("\r\n\r\n") + 4);
  return reply;
}

Awaitable<void> scrape(Socket socket, std::function<std::string()> render) {
  asio::streambuf request{max_request_bytes};
  Timer deadline{socket.get_executor(), request_deadline};
  // The request's headers, up to the empty line, within the size cap and the deadline.
  const auto read =
      co_await (asio::async_read_until(socket, request, EndOfHeaders{}, as_tuple) || deadline.async_wait(as_tuple));
  if (read.index() != 0) co_return;  // too slow: just close
  const auto [error, size] = std::get<0>(read);
  if (error && error != asio::error::not_found) co_return;
  std::string_view head{static_cast<const char*>(request.data().data()), request.size()};
  std::string_view first_line = head.substr(0, head.find('\n'));
  if (first_line.ends_with('\r')) first_line.remove_suffix(1);
  const std::string reply =
      error ? response("431 Request Header Fields Too Large", "text/plain", "too large\n") : answer(first_line, render);
  [[maybe_unused]] auto [write_error, written] = co_await asio::async_write(socket, asio::buffer(reply), as_tuple);
  std::error_code ignored;
  socket.shutdown(Socket::shutdown_both, ignored);
}

}  // namespace

Awaitable<void> serve_metrics(Acceptor& acceptor, std::function<std::string()> render, const Logger& log) {
  auto& io = static_cast<asio::io_context&>(acceptor.get_executor().context());
  auto active = std::make_shared<std::atomic<int>>(0);  // scrapes in progress, on their own strands
  // The listener's accept loop and error policy (chapter 03), with its own pause and counts.
  Timer backoff{io};
  ch01::ListenerStats stats;
  co_await ch03::accept_until_closed<Executor>(
      acceptor, backoff, accept_backoff, log, stats,
      [&](Socket socket, const asio::ip::tcp::endpoint&) {
        if (active->load() >= max_scrapes) return;  // closed at once: a scraper retries, a flood gets nothing
        ++*active;
        asio::co_spawn(asio::make_strand(io), scrape(std::move(socket), render),
                       [&log, active](std::exception_ptr thrown) {
                         --*active;
                         log_or_rethrow(thrown, log, "metrics: a scrape");
                       });
      },
      "metrics: accept");
}

}  // namespace hs::ch04
