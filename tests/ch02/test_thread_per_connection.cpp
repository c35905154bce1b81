// Exercise 2.1: a thread per connection. What chapter 01 could not do: many clients at once, each
// stalled mid-handshake on its own thread.
#include <vector>

#include "fixtures.hpp"

using namespace hs::ch02;
using namespace hs::ch02::test;

// What every chapter's server does (tests/support/server_behaviour.hpp); then what threads add.
HS_SERVER_BEHAVIOUR_TEST_CASES(ThreadPerConnectionServer, "thread per connection: ", "[ex2.1]", "[ex2.1]")

TEST_CASE("thread per connection: 200 stalled clients are held at once with one thread each", "[ex2.1]") {
  Server server{thread_per_connection()};
  constexpr int clients = 200;
  std::vector<RawSocket> stalled;
  for (int i = 0; i < clients; ++i) {
    stalled.push_back(server.connect());
    CHECK(hello(stalled.back(), i) == fmt::format("HELLO {}\n", i + 1));  // blocking ch01 would answer one
  }
  CHECK(server.eventually([&] { return server.stats().threads_now == clients; }));
  CHECK(server.stats().threads_peak >= clients);
  for (int i = 0; i < clients; ++i) CHECK(finish(stalled[static_cast<std::size_t>(i)], i).empty());
  CHECK(server.eventually([&] { return server.stats().accept.completed == clients; }));
  CHECK(server.eventually([&] { return server.stats().threads_now == 0; }));  // each thread ended
}

TEST_CASE("thread per connection: no head-of-line blocking", "[ex2.1]") {
  Server server{thread_per_connection()};
  auto slow = server.connect();
  CHECK(hello(slow, 1) == "HELLO 2\n");
  auto fast = server.connect();  // served at once, while `slow` still owes its Z
  CHECK(hello(fast, 10) == "HELLO 11\n");
  CHECK(finish(fast, 10).empty());
  CHECK(fast.last_end() == ReadEnd::closed);
  CHECK(finish(slow, 1).empty());
  CHECK(server.eventually([&] { return server.stats().accept.completed == 2; }));
}

TEST_CASE("thread per connection: failures stay in their own thread", "[ex2.1]") {
  Server server{thread_per_connection()};
  auto good = server.connect();
  CHECK(hello(good, 5) == "HELLO 6\n");
  {
    auto bad = server.connect();
    bad.send("nonsense\n");
    CHECK(bad.read_all().starts_with("ERROR malformed"));
    auto vanishing = server.connect();
    vanishing.send("HELLO 1\n");
    vanishing.close(/*reset=*/true);
  }
  CHECK(finish(good, 5).empty());
  CHECK(server.eventually([&] { return server.stats().accept.failed == 2 && server.stats().accept.completed == 1; }));
}

TEST_CASE("thread per connection: stop lets every thread finish its client then joins them", "[ex2.1]") {
  Server server{thread_per_connection()};
  std::vector<RawSocket> stalled;
  for (int i = 0; i < 5; ++i) {
    stalled.push_back(server.connect());
    CHECK(hello(stalled.back(), i) == fmt::format("HELLO {}\n", i + 1));
  }
  server.request_stop();
  for (int i = 0; i < 5; ++i) CHECK(finish(stalled[static_cast<std::size_t>(i)], i).empty());
  server.stop();  // returns only once the loop has joined every thread
  CHECK(server.stats().accept.completed == 5);
  CHECK(server.stats().threads_now == 0);
}
