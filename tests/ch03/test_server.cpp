// Exercises 3.3 and 3.4: the listener and the graceful stop, on one thread. What chapter 01 could
// not do: a slow or silent client no longer holds up the others, and one thread holds thousands
// of clients at once. Every check is on counts and order, never on how long something took.
#include <vector>

#include "fixtures.hpp"
#include "hs/testing/log_recorder.hpp"

using namespace hs::ch03;
using namespace hs::ch03::test;

namespace {

ServerOptions generous_timeouts() {
  ServerOptions options;
  options.session.read_timeout = std::chrono::minutes{2};  // the test thread may be slow to come back
  options.session.handshake_timeout = std::chrono::minutes{4};
  return options;
}

}  // namespace

// Served, failures harmless, EMFILE, the stop: what every chapter's server does
// (tests/support/server_behaviour.hpp). The rest of this file is what one thread of coroutines adds.
HS_SERVER_BEHAVIOUR_TEST_CASES(InProcessServer, "", "[ex3.3]", "[ex3.4]")
// One thread holds thousands; a slow, silent or working client holds up nobody: what every
// event-loop server does (tests/support/event_loop_behaviour.hpp).
HS_EVENT_LOOP_SERVER_TEST_CASES(InProcessServer, "[ex3.3]")

namespace {

// A listening acceptor on 127.0.0.1, port chosen by the OS (written to `port`).
Acceptor loopback_acceptor(asio::io_context& io, std::uint16_t& port) {
  Acceptor acceptor{io};
  const asio::ip::tcp::endpoint where{asio::ip::address_v4::loopback(), 0};
  acceptor.open(where.protocol());
  acceptor.bind(where);
  acceptor.listen(4096);
  port = acceptor.local_endpoint().port();
  return acceptor;
}

}  // namespace

TEST_CASE("stop: the connections still queued are answered ERROR shutdown and not reset", "[ex3.4]") {
  asio::io_context io{1};
  hs::Logger log{true};
  ServerStats stats;
  std::uint16_t port = 0;
  Server server{loopback_acceptor(io, port), {}, log, stats};
  // Three clients connect before the server accepts anything: they wait in the kernel's queue.
  std::vector<RawSocket> queued;
  for (int i = 0; i < 3; ++i) queued.push_back(RawSocket::connect("127.0.0.1", port));
  server.stop();  // on this thread, which is the io_context's: it is not running yet
  auto listened = asio::co_spawn(io, server.listen(), asio::use_future);
  io.run_for(hs::testing::generous);
  CHECK(io.stopped());  // nothing left behind
  listened.get();       // listen() returned (rethrows what it threw)
  for (auto& c : queued) behaviour::check_answered_shutdown(c);
  CHECK(stats.accept.accepted == 0);
}

TEST_CASE("stop: listen() returns at once and the handshakes in progress finish before run() returns", "[ex3.4]") {
  asio::io_context io{1};
  hs::testing::LogRecorder recorded;
  const hs::Logger log = recorded.logger();
  ServerStats stats;
  std::uint16_t port = 0;
  Server server{loopback_acceptor(io, port), generous_timeouts(), log, stats};
  auto listened = asio::co_spawn(io, server.listen(), asio::use_future);
  std::thread running{[&] { io.run_for(hs::testing::generous); }};

  const auto stop_on_the_io_thread = [&] {
    asio::post(io, [&] {  // how main() calls it on SIGTERM: on the io thread
      server.stop();
      server.stop();  // a second SIGTERM: does nothing
    });
  };
  behaviour::handshakes_in_progress_finish_after_stop(port, stats, recorded, stop_on_the_io_thread, listened, running,
                                                      [&] { return io.stopped(); });
  listened.get();
}
