// The metrics endpoint (given code, given/ch04/metrics_http.hpp) on its own: what `curl`,
// Prometheus or `nc` get from `--metrics-port`, byte for byte, and the limits that keep a scraper
// from holding the server (one request per connection, its headers within 8 KiB and 2 s, at most
// 16 scrapes at once). It uses none of this chapter's exercises, so it runs once, against the
// reference (GIVEN_TESTS in CMakeLists.txt).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
#include <asio/strand.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "../support/descriptors.hpp"
#include "given/ch04/metrics_http.hpp"
#include "hs/net.hpp"
#include "hs/protocol.hpp"
#include "hs/testing/log_recorder.hpp"
#include "hs/testing/raw_socket.hpp"

namespace {

using namespace std::chrono_literals;
using hs::testing::RawSocket;
using hs::testing::ReadEnd;
using Clock = std::chrono::steady_clock;

constexpr char body[] = "hs_test_total 7\n";  // what render() returns: 16 bytes
constexpr char ok_head[] =
    "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: 16\r\n"
    "Connection: close\r\n\r\n";

/// The whole answer to GET /metrics. (Appended, not `string + body`: g++ 12 -O2 warns wrongly on that.)
std::string ok_reply() {
  std::string reply = ok_head;
  reply += body;
  return reply;
}

/// serve_metrics() on a loopback port picked by the OS, on two io threads (as in the server); the
/// acceptor closed on its strand when the test ends, as the server closes it when it stops.
class MetricsEndpoint {
 public:
  MetricsEndpoint()
      : acceptor_{io_, asio::ip::tcp::v4(), hs::listen_tcp("127.0.0.1", 0).release()},
        port_{acceptor_.local_endpoint().port()} {
    asio::co_spawn(strand_,
                   hs::ch04::serve_metrics(
                       acceptor_, [this] { return render(); }, log_),
                   [this](auto thrown) { failed_ = thrown != nullptr; });
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run_for(hs::testing::generous); });
  }
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;
  ~MetricsEndpoint() {
    asio::post(strand_, [this] {
      std::error_code ignored;
      acceptor_.close(ignored);
    });
    for (auto& t : threads_) t.join();
    CHECK_FALSE(failed_);
  }

  /// A client that sends `request` and reads until the endpoint closes.
  std::string ask(std::string_view request) const {
    auto c = connect();
    c.send(request);
    return c.read_all();
  }
  RawSocket connect() const { return RawSocket::connect("127.0.0.1", port_); }
  /// How many times the metrics were rendered.
  int renders() const { return renders_; }
  /// What it logged.
  const hs::testing::LogRecorder& log() const { return recorder_; }
  std::uint16_t port() const { return port_; }

 private:
  std::string render() {
    ++renders_;
    return body;
  }

  asio::io_context io_{2};
  hs::testing::LogRecorder recorder_;
  hs::Logger log_ = recorder_.logger();
  hs::ch04::Executor strand_ = asio::make_strand(io_);
  hs::ch04::Acceptor acceptor_;
  std::uint16_t port_;
  std::atomic<int> renders_{0};
  std::atomic<bool> failed_{false};
  std::vector<std::thread> threads_;  // last: they run what is above
};

}  // namespace

TEST_CASE("the metrics endpoint: GET /metrics as curl sends it gets 200 and the metrics text", "[given]") {
  MetricsEndpoint endpoint;
  CHECK(endpoint.ask("GET /metrics HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n") == ok_reply());
  CHECK(endpoint.renders() == 1);
}

TEST_CASE("the metrics endpoint: HEAD gets the same headers and no body", "[given]") {
  MetricsEndpoint endpoint;
  CHECK(endpoint.ask("HEAD /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n") == ok_head);
}

TEST_CASE(
    "the metrics endpoint: a request may end its lines with a bare LF (as nc sends them) and carry query parameters",
    "[given]") {
  MetricsEndpoint endpoint;
  CHECK(endpoint.ask("GET /metrics\n\n") == ok_reply());
  CHECK(endpoint.ask("GET /metrics?name[]=hs_test_total HTTP/1.0\r\n\r\n") == ok_reply());
}

TEST_CASE("the metrics endpoint: other paths get 404 and other methods 405 and a line without a target 400",
          "[given]") {
  MetricsEndpoint endpoint;
  const auto reply = [](std::string_view status, std::string_view text) {
    return fmt::format("HTTP/1.0 {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                       status, text.size(), text);
  };
  CHECK(endpoint.ask("GET / HTTP/1.1\r\n\r\n") == reply("404 Not Found", "try /metrics\n"));
  CHECK(endpoint.ask("GET /metricsx HTTP/1.1\r\n\r\n") == reply("404 Not Found", "try /metrics\n"));
  CHECK(endpoint.ask("POST /metrics HTTP/1.1\r\n\r\n") == reply("405 Method Not Allowed", "GET only\n"));
  CHECK(endpoint.ask("get /metrics HTTP/1.1\r\n\r\n") == reply("405 Method Not Allowed", "GET only\n"));
  CHECK(endpoint.ask("hello\r\n\r\n") == reply("400 Bad Request", "bad request\n"));
  CHECK(endpoint.ask(std::string(10'000, 'x')) == reply("431 Request Header Fields Too Large", "too large\n"));
  CHECK(endpoint.renders() == 0);  // the metrics are rendered for GET /metrics only
}

TEST_CASE("the metrics endpoint: a request that ends before its empty line gets no answer", "[given]") {
  MetricsEndpoint endpoint;
  for (const char* cut : {"GET /metrics HTTP/1.1\r\nHost: localhost\r\n", "GET /metrics HTTP/1.1\n", "GET /metr"}) {
    INFO("request \"" << hs::printable(cut) << "\", then the client's end of stream");
    auto c = endpoint.connect();
    c.send(cut);
    c.shutdown_write();
    CHECK(c.read_all().empty());
    CHECK(c.last_end() == ReadEnd::closed);
  }
  CHECK(endpoint.renders() == 0);
}

TEST_CASE("the metrics endpoint: one connection after another and each is answered (no scrape is left counted)",
          "[given]") {
  MetricsEndpoint endpoint;
  int answered = 0;
  for (int i = 0; i < 40; ++i) answered += endpoint.ask("GET /metrics HTTP/1.0\r\n\r\n") == ok_reply();
  CHECK(answered == 40);
}

TEST_CASE("the metrics endpoint: at most 16 scrapes at once and the 17th is closed unanswered", "[given]") {
  MetricsEndpoint endpoint;
  const auto start = Clock::now();
  std::vector<RawSocket> silent;  // each holds a scrape until its request deadline, 2 s
  for (int i = 0; i < 16; ++i) {
    silent.push_back(endpoint.connect());
    silent.back().send("GET /metrics HTTP/1.1\r\n");  // and never the empty line
  }
  const auto reply = endpoint.ask("GET /metrics HTTP/1.1\r\n\r\n");
  if (!reply.empty()) {
    // Only if the silent ones were already let go: their 2 s must have passed.
    CHECK(Clock::now() - start >= 2s);
  }
  for (auto& c : silent) {
    CHECK(c.read_all().empty());  // let go after 2 s without an answer
    CHECK(c.last_end() == ReadEnd::closed);
  }
  // A place is free again (once the last scrape's end is counted: right after its close, so a
  // few attempts at most).
  bool answered = false;
  for (int attempt = 0; attempt < 100 && !answered; ++attempt) {
    answered = endpoint.ask("GET /metrics HTTP/1.1\r\n\r\n") == ok_reply();
  }
  CHECK(answered);
}

TEST_CASE("the metrics endpoint: out of descriptors it pauses between attempts and warns once then serves again",
          "[given]") {
  MetricsEndpoint endpoint;
  // Fill the descriptor table, keeping one free for the client, which takes the last one.
  const auto start = Clock::now();
  hs::testing::DescriptorsExhausted exhausted{1};
  const hs::Fd client = hs::testing::connect_with_one_descriptor(endpoint.port());
  const bool connected = client.get() >= 0;
  // accept() fails with EMFILE now (and again after each 100 ms pause): wait for its warning,
  // using plain POSIX calls only while the table is full.
  const auto warned = [&] { return endpoint.log().count("warn metrics: accept failed: Too many open files") > 0; };
  while (!warned() && Clock::now() - start < hs::testing::generous) ::usleep(1000);
  exhausted.release();

  REQUIRE(connected);
  INFO("it logged:\n" << endpoint.log().text());
  CHECK(endpoint.log().count("warn metrics: accept failed: Too many open files; pausing 100 ms between retries") == 1);
  RawSocket raw{::dup(client.get())};
  raw.send("GET /metrics HTTP/1.0\r\n\r\n");
  CHECK(raw.read_all() == ok_reply());  // not a reason to stop: served once descriptors are free
}
