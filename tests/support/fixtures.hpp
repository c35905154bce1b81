// What every chapter's test fixtures are made of: test support's scripted peer, servers in the
// test's process and as child processes, and the behaviour suites every chapter runs. A chapter's
// fixtures.hpp includes this, says `using namespace hs::testing::prelude;`, and adds only what is
// its own: how its session and its server are started.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "event_loop_behaviour.hpp"
#include "hs/log.hpp"
#include "hs/testing/in_process_server.hpp"
#include "hs/testing/raw_socket.hpp"
#include "hs/testing/server_program.hpp"
#include "server_behaviour.hpp"
#include "session_behaviour.hpp"

namespace hs::testing {

/// The fixture session_behaviour.hpp expects, for a chapter's "serve one connection": the server's
/// end of a fresh loopback connection goes to `Serve`, the chapter's adapter (`Serve::Options`;
/// `Serve{Fd, Options}` starts serving it; `result()` waits for how that ended, or rethrows what
/// it threw); `client` is the scripted peer at the other end.
template <typename Serve>
class Session {
 public:
  using Options = typename Serve::Options;

  explicit Session(Options options = {}) : Session{connected_pair(), options} {}

  /// How serving ended; rethrows what the code under test threw.
  auto result() { return serve_.result(); }

  RawSocket client;  ///< the test's side of the connection

 private:
  Session(ConnectedPair pair, Options options)
      : client{std::move(pair.client)}, serve_{std::move(pair.server), options} {}

  Serve serve_;
};

/// The fixture server_behaviour.hpp (and event_loop_behaviour.hpp) expects, for a chapter's server
/// in a background thread of the test (hs/testing/in_process_server.hpp), on a loopback port the OS
/// picked. `Run` is the chapter's adapter: `Run::Options` (its ServerOptions: the session's options,
/// then the pause after accept fails), `Run::Stats`, and `Run::run(options, listen_fd, stop_fd, log,
/// stats)`, which serves until `stop_fd` is readable, as the chapter's program does until SIGTERM.
template <typename Run>
class Server : public InProcessServer<typename Run::Stats> {
 public:
  using Options = typename Run::Options;
  using Stats = typename Run::Stats;

  explicit Server(Options options = {})
      : InProcessServer<Stats>{[options](int listen_fd, int stop_fd, const Logger& log, Stats& stats) {
          Run::run(options, listen_fd, stop_fd, log, stats);
        }} {}
  /// The server-behaviour suite's: the pause after EMFILE & co., the rest as by default.
  explicit Server(std::chrono::milliseconds accept_backoff) : Server{Options{{}, accept_backoff}} {}
  /// The event-loop suite's: each session's timeouts and work.
  explicit Server(behaviour::SessionTimes t) : Server{Options{{t.read_timeout, t.handshake_timeout, t.work}}} {}
  /// What it counted so far.
  behaviour::Counts counts() { return behaviour::counts_of(this->stats()); }
};

/// A chapter's server program (or its -ref twin, in the reference tests) on port 0: `Name` is the
/// program's name, a `constexpr char[]` of the chapter's fixtures.
template <const char* Name>
class Program : public ServerProgram {
 public:
  explicit Program(std::vector<std::string> args = {}) : ServerProgram{Name, std::move(args)} {}
};

}  // namespace hs::testing

/// The names a chapter's tests use all the time, for `using namespace hs::testing::prelude;`
/// (the rest of hs::testing would clash with the chapter's own fixtures' names).
namespace hs::testing::prelude {

using namespace std::chrono_literals;
using hs::testing::connected_pair;
using hs::testing::ConnectedPair;
using hs::testing::handshake;
using hs::testing::RawListener;
using hs::testing::RawSocket;
using hs::testing::ReadEnd;
namespace behaviour = hs::testing::behaviour;

}  // namespace hs::testing::prelude
