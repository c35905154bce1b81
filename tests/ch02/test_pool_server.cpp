// Exercise 2.3: the pool server. With W workers and a queue of Q, W stalled clients are served at
// once, Q more wait in the pool's queue, and the next one waits in the kernel's backlog (wait) or
// is told ERROR busy (refuse).
#include <vector>

#include "fixtures.hpp"

using namespace hs::ch02;
using namespace hs::ch02::test;

namespace {

PoolOptions two_workers_one_place(Overload overload) { return {2, 1, overload}; }

// Two stalled clients hold both workers; a third waits in the pool's one queue place.
struct Saturated {
  RawSocket a, b, queued;
};

Saturated saturate(Server& server) {
  auto a = server.connect();
  CHECK(hello(a, 1) == "HELLO 2\n");  // a worker is serving a (one at a time: the queue holds only one)
  auto b = server.connect();
  CHECK(hello(b, 10) == "HELLO 11\n");  // both workers are now busy with a stalled client
  auto queued = server.connect();       // accepted, waiting in the pool's queue
  queued.send("HELLO 20\n");
  CHECK(server.eventually([&] { return server.stats().accept.accepted == 3; }));
  return {std::move(a), std::move(b), std::move(queued)};
}

}  // namespace

// What every chapter's server does (tests/support/server_behaviour.hpp); then what a pool adds.
HS_SERVER_BEHAVIOUR_TEST_CASES(PoolServer, "pool: ", "[ex2.3]", "[ex2.3]")

TEST_CASE("pool with overload wait: W clients served at once while the rest wait their turn", "[ex2.3]") {
  Server server{pool(two_workers_one_place(Overload::wait))};
  auto [a, b, queued] = saturate(server);
  auto waiting = server.connect();  // not even accepted: the queue is full, it waits in the backlog
  waiting.send("HELLO 30\n");
  CHECK(waiting.read_line(300ms).empty());
  CHECK(waiting.last_end() == ReadEnd::timeout);
  CHECK(server.stats().accept.accepted == 3);
  CHECK(server.stats().refused_busy == 0);
  // a finishes: its worker takes `queued`, and `waiting` moves into the queue.
  CHECK(finish(a, 1).empty());
  CHECK(queued.read_line() == "HELLO 21\n");
  CHECK(finish(b, 10).empty());
  CHECK(waiting.read_line() == "HELLO 31\n");
  CHECK(finish(queued, 20).empty());
  CHECK(finish(waiting, 30).empty());
  CHECK(server.eventually([&] { return server.stats().accept.completed == 4; }));
  CHECK(server.stats().threads_peak == 2);
}

TEST_CASE("pool with overload refuse: the client beyond W + Q gets ERROR busy at once", "[ex2.3]") {
  Server server{pool(two_workers_one_place(Overload::refuse))};
  auto [a, b, queued] = saturate(server);
  auto refused = server.connect();
  refused.send("HELLO 30\n");
  CHECK(refused.read_all() == "ERROR busy server at capacity\n");
  CHECK(refused.last_end() == ReadEnd::closed);
  CHECK(server.eventually([&] { return server.stats().refused_busy == 1; }));
  CHECK(finish(a, 1).empty());
  CHECK(queued.read_line() == "HELLO 21\n");
  CHECK(finish(queued, 20).empty());
  CHECK(finish(b, 10).empty());
  CHECK(server.eventually([&] { return server.stats().accept.completed == 3; }));
}

TEST_CASE("pool: stop serves every client already accepted then joins the workers", "[ex2.3]") {
  Server server{pool(two_workers_one_place(Overload::wait))};
  auto [a, b, queued] = saturate(server);
  auto waiting = server.connect();  // in the backlog: the queue is full
  waiting.send("HELLO 30\n");
  server.request_stop();
  // Not accepted before the stop: told so at once, while the pool still serves the others...
  CHECK(waiting.read_all() == "ERROR shutdown server stopping\n");
  // ...on its two workers, which count as serving threads until the pool has shut down.
  CHECK_FALSE(server.eventually([&] { return server.stats().threads_now != 2; }, 200ms));
  CHECK(finish(a, 1).empty());
  CHECK(queued.read_line() == "HELLO 21\n");  // accepted before the stop: still served
  CHECK(finish(queued, 20).empty());
  CHECK(finish(b, 10).empty());
  server.stop();
  CHECK(server.stats().accept.completed == 3);
  CHECK(server.stats().threads_now == 0);
}

TEST_CASE("pool: many clients and few workers and all are served", "[ex2.3]") {
  Server server{pool({4, 8, Overload::wait})};
  constexpr int clients = 100;
  std::vector<RawSocket> all;
  for (int i = 0; i < clients; ++i) {
    all.push_back(server.connect());
    all.back().send(fmt::format("HELLO {}\nHELLO {}\n", i, i + 2));  // pipelined: no stall
  }
  for (auto& c : all) CHECK(c.read_all().starts_with("HELLO "));
  CHECK(server.eventually([&] { return server.stats().accept.completed == clients; }));
  CHECK(server.stats().threads_peak == 4);
}
