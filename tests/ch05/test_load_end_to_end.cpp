// hs-load against a scripted server that, by a fixed rule on the order it accepts connections,
// answers right or injects wrong replies, ERROR lines, wrong numbers and resets: every count must
// come out exactly. Runs the load in this process (run_load) and as the hs-load program.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "given/ch05/run.hpp"
#include "hs/net.hpp"
#include "hs/testing/child_process.hpp"
#include "hs/testing/raw_socket.hpp"

using hs::load::Result;
using hs::testing::RawSocket;

namespace {

// The scripted server: a thread per connection on test support's raw sockets (not Asio, not hs-load's
// code). Connection k (in accept order) gets rule k % 7 in the `mixed` script, rule 0 in `correct`.
class ScriptedServer {
 public:
  enum class Script { correct, mixed };
  static constexpr int rules = 7;

  ScriptedServer(int connections, Script script)
      : script_{script}, accepting_{[this, connections] { accept_all(connections); }} {}
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  std::uint16_t port() const { return listener_.port(); }

  // Waits for every connection to be served; returns what went wrong on the server's side, if anything.
  std::vector<std::string> finish() {
    accepting_.join();
    sessions_.clear();  // joins them
    return problems_;
  }
  std::set<std::string> peers() const { return peers_; }

 private:
  void accept_all(int connections) {
    try {
      for (int k = 0; k < connections; ++k) {
        RawSocket socket = listener_.accept();
        sessions_.emplace_back([this, k, s = std::move(socket)]() mutable { serve(k, s); });
      }
    } catch (const std::exception& e) {
      note(e.what());
    }
  }

  void serve(int k, RawSocket& client) {
    {
      const std::lock_guard lock{mutex_};
      peers_.insert(hs::peer_endpoint(client.fd()).address);
    }
    const std::string hello = client.read_line();
    if (!hello.starts_with("HELLO ") || !hello.ends_with("\n")) return note("bad HELLO X: " + hello);
    const std::int64_t x = std::stoll(hello.substr(6));
    switch (script_ == Script::correct ? 0 : k % rules) {
      case 0:  // right
        client.send(fmt::format("HELLO {}\n", x + 1));
        if (client.read_line() != fmt::format("HELLO {}\n", x + 2)) note("bad HELLO Z");
        break;
      case 1:  // not a HELLO or ERROR line: bad-reply
        client.send("HELO 1\n");
        break;
      case 2:  // ERROR busy
        client.send("ERROR busy test server is full\n");
        break;
      case 3:  // wrong-sequence
        client.send(fmt::format("HELLO {}\n", x + 5));
        break;
      case 4:  // reset
        client.close(true);
        break;
      case 5:  // bytes after Z: bad-reply
        client.send(fmt::format("HELLO {}\n", x + 1));
        client.read_line();
        client.send("surprise\n");
        break;
      case 6:  // ERROR after Z, the reason counted
        client.send(fmt::format("HELLO {}\n", x + 1));
        client.read_line();
        client.send("ERROR sequence expected 9 got 10\n");
        break;
    }
    client.close();
  }

  void note(std::string problem) {
    const std::lock_guard lock{mutex_};
    problems_.push_back(std::move(problem));
  }

  hs::testing::RawListener listener_;
  Script script_;
  std::mutex mutex_;  // guards the two below
  std::set<std::string> peers_;
  std::vector<std::string> problems_;
  std::vector<std::jthread> sessions_;  // only the accepting thread touches it until finish()
  std::jthread accepting_;              // last: starts once everything above exists
};

hs::load::LoadOptions options_for(std::uint16_t port, std::int64_t conns, std::int64_t total) {
  hs::load::LoadOptions o;
  o.server = {asio::ip::make_address("127.0.0.1"), port};
  o.conns = conns;
  o.total = total;
  o.timeout = std::chrono::seconds{60};  // only stops a broken test: every handshake here ends long before
  return o;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in{path};
  return {std::istreambuf_iterator<char>{in}, {}};
}

}  // namespace

TEST_CASE("every injected failure is counted exactly in-process", "[load]") {
  constexpr int total = 10 * ScriptedServer::rules;
  ScriptedServer server{total, ScriptedServer::Script::mixed};
  auto options = options_for(server.port(), 5, total);
  options.think = std::chrono::milliseconds{2};
  const auto r = hs::load::run_load(options, ::getpid(), hs::load::Progress::none);
  CHECK(server.finish().empty());
  CHECK(r.tally.finished() == total);
  CHECK(r.tally.count(Result::ok) == 10);
  CHECK(r.tally.count(Result::bad_reply) == 20);     // rules 1 and 5
  CHECK(r.tally.count(Result::server_error) == 20);  // rules 2 and 6
  CHECK(r.tally.count(hs::ErrorReason::busy) == 10);
  CHECK(r.tally.count(hs::ErrorReason::sequence) == 10);
  CHECK(r.tally.count(Result::wrong_sequence) == 10);
  CHECK(r.tally.count(Result::reset) == 10);
  CHECK(r.tally.causes.empty());
  CHECK(r.latency.samples == 10);
  CHECK(r.peak_open >= 1);
  CHECK(r.peak_open <= 5);
  REQUIRE(r.server);  // this process played the server: its figures were sampled
  CHECK(r.server->pid == ::getpid());
  CHECK(r.server->rss_idle_kb > 0);
}

TEST_CASE("connecting to a port where nothing listens counts refused", "[load]") {
  // A socket bound but not listening holds the port: connects to it are refused, and no other
  // program can start listening there during the test.
  const hs::Fd bound{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(bound.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  const auto r = hs::load::run_load(options_for(hs::local_endpoint(bound.get()).port, 3, 6), std::nullopt,
                                    hs::load::Progress::none);
  CHECK(r.tally.count(Result::refused) == 6);
  CHECK(r.tally.finished() == 6);
  CHECK(r.peak_open == 0);
}

TEST_CASE("a server that never answers makes every handshake time out", "[load]") {
  // Connections complete in the listen backlog, but nobody accepts them, so no reply ever comes.
  const hs::Fd listener = hs::listen_tcp("127.0.0.1", 0, 16);
  auto options = options_for(hs::local_endpoint(listener.get()).port, 4, 4);
  options.timeout = std::chrono::milliseconds{300};
  const auto r = hs::load::run_load(options, std::nullopt, hs::load::Progress::none);
  CHECK(r.tally.count(Result::timeout) == 4);
  CHECK(r.tally.finished() == 4);
  CHECK(r.peak_open == 4);
  CHECK(r.latency.samples == 0);
}

TEST_CASE("hs-load with --procs and --src-ips merges its workers' counts and writes JSON", "[load][program]") {
  constexpr int total = 6 * ScriptedServer::rules;
  ScriptedServer server{total, ScriptedServer::Script::mixed};
  const auto json = std::filesystem::temp_directory_path() / fmt::format("hs-load-test-{}.json", ::getpid());
  hs::testing::ChildProcess load{
      hs::testing::program_path("hs-load"),
      {"--port", std::to_string(server.port()), "--conns", "4", "--total", std::to_string(total), "--procs", "2",
       "--src-ips", "2", "--think-ms", "1", "--json", json.string()}};
  CHECK(load.wait() == 1);  // some handshakes failed, as scripted
  CHECK(server.finish().empty());
  const auto out = load.rest_of_stdout();
  INFO(out << load.stderr_text());
  CHECK_THAT(out, Catch::StartsWith("hs-load: 42 handshakes, 6 ok (14.29%), 36 failed\n"));
  CHECK_THAT(out,
             Catch::Contains("failures: reset 6, bad-reply 12, wrong-sequence 6, ERROR sequence 6, ERROR busy 6\n"));
  const auto text = read_file(json);
  std::filesystem::remove(json);
  CHECK_THAT(text, Catch::StartsWith("{\"handshakes\": 42, \"ok\": 6, \"failed\": 36,"));
  CHECK_THAT(text,
             Catch::Contains("\"failures\": {\"refused\": 0, \"reset\": 6, \"timeout\": 0, \"bad-reply\": 12, "
                             "\"wrong-sequence\": 6, \"server-error\": 12, \"connect-error\": 0, \"io-error\": 0}"));
  CHECK_THAT(text, Catch::Contains("\"busy\": 6,"));
  CHECK_THAT(text, Catch::Contains("\"latency_us\": {\"samples\": 6,"));
  CHECK(server.peers() == std::set<std::string>{"127.0.0.1", "127.0.0.2"});
}

TEST_CASE("hs-load exits 0 when every handshake succeeds", "[load][program]") {
  ScriptedServer server{20, ScriptedServer::Script::correct};
  hs::testing::ChildProcess load{
      hs::testing::program_path("hs-load"),
      {"--port", std::to_string(server.port()), "--conns", "6", "--total", "20", "--procs", "3", "--quiet"}};
  CHECK(load.wait() == 0);
  CHECK(server.finish().empty());
  const auto out = load.rest_of_stdout();
  CHECK_THAT(out, Catch::StartsWith("hs-load: 20 handshakes, 20 ok (100.00%), 0 failed\n  failures: (none)\n"));
  CHECK(load.stderr_text().empty());  // --quiet: no progress lines
}

TEST_CASE("hs-load refuses what it must not do with a usage error", "[load][program]") {
  const std::array<std::pair<std::vector<std::string>, std::string>, 4> cases{{
      {{"--host", "10.1.2.3"}, "only loads a server on this machine"},
      {{"--conns", "30000"}, "add --procs"},
      {{"--src-ips", "10.0.0.1-10.0.0.2"}, "within 127.0.0.0/8"},
      {{"--duration", "5"}, "needs a duration with a unit"},
  }};
  for (const auto& [args, message] : cases) {
    hs::testing::ChildProcess load{hs::testing::program_path("hs-load"), args};
    CHECK(load.wait() == 2);
    CHECK_THAT(load.stderr_text(), Catch::Contains(message));
  }
}
