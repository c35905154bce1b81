// Fixtures for the chapter 04 tests: the Server on an io_context run by several threads of the test
// (as hs-ch04-server runs it), with its metrics at hand and served on a second loopback port, and a
// scraper for that port; and one session on a strand. The client side is test support's scripted
// RawSocket, as in every chapter.
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>
#include <asio/strand.hpp>
#include <catch2/catch.hpp>

#include "../support/fixtures.hpp"
#include "../support/running.hpp"
#include "ch04/offload.hpp"
#include "given/ch04/metrics_http.hpp"
#include "given/ch04/server.hpp"
#include "hs/exercise.hpp"
#include "hs/net.hpp"

namespace hs::ch04::test {

using namespace hs::testing::prelude;
using hs::testing::Running;

/// How the server under test runs.
struct Config {
  ServerOptions server;     ///< limits, timeouts, drain
  WorkOptions work;         ///< the handshake's work (none by default)
  unsigned io_threads = 2;  ///< threads running the io_context
};

/// The work of every handshake: `mode` for `duration`.
inline WorkOptions work(WorkMode mode, std::chrono::milliseconds duration) {
  WorkOptions options;
  options.mode = mode;
  options.duration = duration;
  return options;
}

/// session() on the server's end of a connection, on a strand of an io_context run by two threads
/// of the test, with a Work of its own (the handshake's work an awaited timer, as chapter 03's
/// `--work-ms`) and a SessionRegistry.
class RunSession {
 public:
  using Options = ch03::SessionOptions;  ///< the timeouts, and `work`: the timer's duration
  RunSession(Fd fd, Options options)
      : work_{work(WorkMode::timer, options.work), metrics_},
        running_{[this, fd = fd.release(), options](asio::io_context& io) {
                   return session(Socket{io, asio::ip::tcp::v4(), fd},
                                  {options.read_timeout, options.handshake_timeout}, work_, registry_);
                 },
                 2} {}
  SessionResult result() { return running_.result(); }

 private:
  ServerMetrics metrics_;
  Work work_;
  SessionRegistry registry_;
  Running<SessionResult, Executor> running_;  // last: it runs the session on what is above
};
/// The fixture tests/support/session_behaviour.hpp expects.
using Session = testing::Session<RunSession>;

/// The chapter 04 Server in a background thread of the test, on a loopback port picked by the OS,
/// its metrics served on a second one. The test's stop request reaches it as SIGTERM reaches
/// hs-ch04-server: Server::drain() on the server's strand. metrics() are live.
class InProcessServer : public testing::InProcessServer<ServerMetrics> {
 public:
  explicit InProcessServer(Config config = {}) : InProcessServer{config, Shared::make()} {}

  /// The server-behaviour suite's: the pause after EMFILE & co., the rest as by default.
  explicit InProcessServer(std::chrono::milliseconds accept_backoff) : InProcessServer{with_backoff(accept_backoff)} {}

  /// The port it listens on. (Its own listener, not the base's: the Acceptor owns it, so that when
  /// the drain closes it, new clients are refused as they would be by hs-ch04-server.)
  std::uint16_t port() const { return port_; }
  /// A scripted client connected to it.
  RawSocket connect() const { return RawSocket::connect("127.0.0.1", port_); }
  /// The port of its /metrics endpoint.
  std::uint16_t metrics_port() const { return metrics_port_; }
  /// Its counters, live.
  ServerMetrics& metrics() { return stats(); }
  /// How many sessions were still running when drain() returned (-1: it has not returned).
  std::int64_t live_after_drain() const { return *live_after_drain_; }
  /// What it counted so far, as the server-behaviour suite reads it: a connection that broke
  /// counts as failed.
  behaviour::Counts counts() {
    const ServerMetrics& m = metrics();
    std::uint64_t failed = m.reset.value();
    for (const auto& counter : m.failed) failed += counter.value();
    return {m.listener.accepted,      m.completed.value(), failed,
            m.listener.accept_errors, m.listener.backoffs, static_cast<std::uint64_t>(m.open.value())};
  }

 private:
  static Config with_backoff(std::chrono::milliseconds accept_backoff) {
    Config config;
    config.server.accept_backoff = accept_backoff;
    return config;
  }

  // What the server thread shares with the test: the two listeners, and their ports (read now:
  // the server thread takes the descriptors); the sessions still live when drain() returned.
  struct Shared {
    std::shared_ptr<Fd> listener, metrics;
    std::uint16_t port, metrics_port;
    std::shared_ptr<std::atomic<std::int64_t>> live_after_drain;
    static Shared make() {
      auto listener = std::make_shared<Fd>(listen_tcp("127.0.0.1", 0));
      auto metrics = std::make_shared<Fd>(listen_tcp("127.0.0.1", 0));
      return {listener, metrics, local_endpoint(listener->get()).port, local_endpoint(metrics->get()).port,
              std::make_shared<std::atomic<std::int64_t>>(-1)};
    }
  };

  InProcessServer(Config config, Shared shared)
      : testing::InProcessServer<ServerMetrics>{[config, listener = shared.listener, metrics_fd = shared.metrics,
                                                 live_after_drain = shared.live_after_drain](
                                                    int, int stop_fd, const Logger& log, ServerMetrics& metrics) {
          IoContext io{static_cast<int>(config.io_threads)};
          Work work{config.work, metrics};
          Server server{io, Acceptor{io, asio::ip::tcp::v4(), listener->release()}, config.server, work, metrics, log};
          Acceptor scrapes{io, asio::ip::tcp::v4(), ::dup(metrics_fd->get())};
          const Executor scrapes_strand = asio::make_strand(io);
          asio::co_spawn(scrapes_strand,
                         serve_metrics(
                             scrapes, [&] { return metrics.prometheus(); }, log),
                         [](std::exception_ptr thrown) {
                           if (thrown) std::rethrow_exception(thrown);
                         });
          auto close_scrapes = [&] {
            asio::post(scrapes_strand, [&] {
              std::error_code ignored;
              scrapes.close(ignored);
            });
          };
          asio::posix::stream_descriptor stop{io, ::dup(stop_fd)};
          stop.async_wait(asio::posix::stream_descriptor::wait_read, [&](std::error_code error) {
            if (error) return;
            asio::co_spawn(server.executor(), server.drain(), [&](std::exception_ptr thrown) {
              *live_after_drain = static_cast<std::int64_t>(server.live());
              close_scrapes();
              if (!thrown) return;
              try {
                std::rethrow_exception(thrown);
              } catch (const ExerciseNotDone&) {
                io.stop();  // exercise 4.6 is not done yet: its own tests say so; end this server anyway
              }
            });
          });
          asio::co_spawn(server.executor(), server.listen(), [&](std::exception_ptr thrown) {
            asio::post(io, [&] { stop.cancel(); });
            if (thrown) std::rethrow_exception(thrown);
          });
          struct ShutDown {  // on every way out: suspended coroutines go while what they use exists
            Work& work;
            IoContext& io;
            ~ShutDown() {
              work.join();
              io.shutdown();
            }
          } shut_down{work, io};
          if (const auto failure = run_on_threads(io, config.io_threads)) std::rethrow_exception(failure);
        }},
        port_{shared.port},
        metrics_port_{shared.metrics_port},
        live_after_drain_{shared.live_after_drain} {}

  std::uint16_t port_;
  std::uint16_t metrics_port_;
  std::shared_ptr<std::atomic<std::int64_t>> live_after_drain_;
};

/// GET /metrics on `port`, as curl would: the whole HTTP response.
inline std::string http_get(std::uint16_t port, std::string_view target = "/metrics") {
  auto c = RawSocket::connect("127.0.0.1", port);
  c.send(fmt::format("GET {} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: test\r\n\r\n", target));
  return c.read_all();
}

/// The samples of a Prometheus text body: `name{labels}` -> value (comments skipped).
inline std::map<std::string, double> samples(std::string_view text) {
  std::map<std::string, double> out;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (line.empty() || line.front() == '#') continue;
    const auto space = line.rfind(' ');
    if (space == std::string_view::npos) continue;
    out[std::string{line.substr(0, space)}] = std::stod(std::string{line.substr(space + 1)});
  }
  return out;
}

/// The hs-ch04-server program (or its -ref twin, in the reference tests) on port 0.
inline constexpr char server_program[] = "hs-ch04-server";
using ServerProgram = testing::Program<server_program>;

}  // namespace hs::ch04::test
