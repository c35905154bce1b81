// Exercise 7.1: submissions, completions, provided buffers, cancellation and the turn. Every test
// runs on the test's own thread, over socketpairs: Ring::poll() lets what can happen now happen,
// without waiting, so each check sees the same thing every run. The deadline tests wait for their
// deadline in run(), on the real clock: they check what happened, never how long it took.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "../support/aborts.hpp"
#include "fixtures.hpp"

using namespace hs::ch07;
using namespace hs::ch07::test;

namespace {

/// Submits a send of `bytes` on `fd` and awaits its completion.
Task<Completion> send_once(Ring& ring, Operation& op, int fd, std::string_view bytes, TimePoint deadline) {
  ring.send(op, fd, bytes, deadline);
  co_return co_await ring.completion(op);
}

}  // namespace

TEST_CASE("receive(): it waits holding no buffer and the kernel picks one when bytes arrive", "[ex7.1]") {
  HS_SKIP_WITHOUT_IO_URING();
  Runtime runtime;
  Ring ring{runtime, Ring::Options{8, 1, 64}};  // one buffer for everyone
  auto a = LocalPair::make();
  auto b = LocalPair::make();
  Operation op_a;
  Operation op_b;
  std::string got_a;
  std::string got_b;
  Outcome<Completion> first_a;
  Outcome<Completion> first_b;
  spawn_into(receive_once(ring, op_a, a.code.get(), got_a, never, true), first_a);
  spawn_into(receive_once(ring, op_b, b.code.get(), got_b, never, true), first_b);
  ring.poll();
  CHECK_FALSE(first_a.done);  // both wait, and neither took the one buffer
  CHECK_FALSE(first_b.done);
  CHECK_FALSE(ring.finished());

  a.test.send("HELLO 1\n");
  ring.poll();
  REQUIRE(first_a.done);
  CHECK(first_a.value->result == 8);
  CHECK(got_a == "HELLO 1\n");  // in the buffer the kernel picked when the bytes came
  CHECK(ring.stats().no_buffers == 0);

  b.test.send("HELLO 2\n");  // A still holds the only buffer
  ring.poll();
  REQUIRE(first_b.done);
  CHECK(first_b.value->result == -ENOBUFS);
  CHECK(ring.stats().no_buffers == 1);
  CHECK(got_b.empty());

  ring.give_back(*first_a.value);  // the buffer is free again: B's bytes are still in its socket
  Outcome<Completion> again_b;
  spawn_into(receive_once(ring, op_b, b.code.get(), got_b, never), again_b);
  ring.poll();
  REQUIRE(again_b.done);
  CHECK(got_b == "HELLO 2\n");
  CHECK(ring.finished());
}

TEST_CASE("the buffer group holds every buffer once with its own id: 4 buffers for 4 receives and none for a fifth",
          "[ex7.1]") {
  HS_SKIP_WITHOUT_IO_URING();
  Runtime runtime;
  Ring ring{runtime, Ring::Options{8, 4, 64}};  // 4 buffers, for the 5 receives below
  std::vector<LocalPair> pairs;
  std::vector<Operation> ops(5);
  std::vector<Completion> completions;
  for (auto& op : ops) {
    pairs.push_back(LocalPair::make());
    pairs.back().test.send("HELLO 1\n");  // there already: the 5 receives complete at once
    spawn(
        [](Ring& r, Operation& o, int fd, std::vector<Completion>& out) -> Task<void> {
          r.receive(o, fd);
          out.push_back(co_await r.completion(o));
        }(ring, op, pairs.back().code.get(), completions),
        hs::ch06::test::rethrow);
  }
  ring.poll();
  REQUIRE(completions.size() == 5);
  std::set<unsigned> ids;  // of the buffers the kernel filled: Buffers::address(id) is where the bytes are
  for (const auto& done : completions) {
    if (done.result == -ENOBUFS) continue;
    CHECK(ring.received_bytes(done).size() == 8);
    ids.insert(done.flags >> IORING_CQE_BUFFER_SHIFT);
  }
  CHECK(ids == std::set<unsigned>{0, 1, 2, 3});
  CHECK(ring.stats().no_buffers == 1);
  for (const auto& done : completions) ring.give_back(done);
}

TEST_CASE("receive(): 0 bytes when the peer closes and -errno when the connection breaks", "[ex7.1]") {
  HS_SKIP_WITHOUT_IO_URING();
  RingAndPair t;
  auto& [runtime, ring, pair, op, got] = t;
  Outcome<Completion> closed;
  t.receive(closed);
  pair.test.shutdown_write();
  ring.poll();
  REQUIRE(closed.done);
  CHECK(closed.value->result == 0);
  CHECK(closed.value->why == Wake::ready);

  auto tcp_listener = hs::listen_tcp("127.0.0.1", 0);
  auto client = RawSocket::connect("127.0.0.1", hs::local_endpoint(tcp_listener.get()).port);
  hs::Fd served{::accept4(tcp_listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)};
  REQUIRE(served);
  Outcome<Completion> reset;
  spawn_into(receive_once(ring, op, served.get(), got, never), reset);
  client.close(true);  // a reset
  ring.run();
  REQUIRE(reset.done);
  CHECK(reset.value->result == -ECONNRESET);
  CHECK(reset.value->error() == ECONNRESET);
}

TEST_CASE("a receive's deadline cancels it: the completion (-ECANCELED) wakes the task for the timeout", "[ex7.1]") {
  HS_SKIP_WITHOUT_IO_URING();
  RingAndPair t;
  auto& [runtime, ring, pair, op, got] = t;
  Outcome<Completion> timed_out;
  t.receive(timed_out, runtime.now() + 20ms);
  ring.run();  // blocks until the deadline, cancels, and returns once the completion came
  REQUIRE(timed_out.done);
  CHECK(timed_out.value->result == -ECANCELED);
  CHECK(timed_out.value->why == Wake::timeout);
  CHECK_FALSE(op.in_flight());
  CHECK(ring.finished());
  // Nothing was lost: bytes sent afterwards are received by the next receive.
  pair.test.send("HELLO 1\n");
  Outcome<Completion> next;
  t.receive(next);
  ring.run();
  CHECK(got == "HELLO 1\n");
}

TEST_CASE("cancel(): a pending receive ends with -ECANCELED and is woken as cancelled but bytes that came first win",
          "[ex7.1]") {
  HS_SKIP_WITHOUT_IO_URING();
  RingAndPair t;
  auto& [runtime, ring, pair, op, got] = t;
  Outcome<Completion> cancelled;
  t.receive(cancelled);
  ring.poll();
  REQUIRE(op.in_flight());
  CHECK_FALSE(runtime.finished());  // the kernel owes a completion: the ring holds the runtime's count
  ring.cancel(op);
  ring.cancel(op);  // twice: the second does nothing
  ring.poll();
  REQUIRE(cancelled.done);
  CHECK(cancelled.value->result == -ECANCELED);
  CHECK(cancelled.value->why == Wake::cancelled);
  CHECK(runtime.finished());  // its last completion gave the count back

  // A receive whose bytes are in the kernel already completes with them, cancel or not.
  pair.test.send("HELLO 1\n");
  Outcome<Completion> first;
  t.receive(first);
  ring.turn(MayBlock::no);  // submitted: it completes at once, with the bytes
  ring.cancel(op);          // too late: nothing in flight, nothing to cancel
  ring.poll();
  REQUIRE(first.done);
  CHECK(first.value->why == Wake::ready);
  CHECK(got == "HELLO 1\n");
}

TEST_CASE("a cancel that reaches the kernel with the receive it cancels: bytes already there win and wake it as ready",
          "[ex7.1]") {
  HS_SKIP_WITHOUT_IO_URING();
  RingAndPair t;
  auto& [runtime, ring, pair, op, got] = t;
  pair.test.send("HELLO 1\n");
  Outcome<Completion> received;
  t.receive(received);
  runtime.turn(MayBlock::no);  // the receive is queued, not yet submitted...
  REQUIRE(op.in_flight());
  ring.cancel(op, Wake::timeout);  // ...and its cancel after it: one io_uring_enter() submits both
  ring.poll();
  REQUIRE(received.done);
  CHECK(received.value->result == 8);         // the kernel did the receive first: the bytes were there
  CHECK(received.value->why == Wake::ready);  // so it was not cancelled, whatever was asked
  CHECK(got == "HELLO 1\n");
  CHECK(ring.finished());
}

TEST_CASE("send(): a peer that does not read makes a send wait until its deadline cancels it", "[ex7.1]") {
  HS_SKIP_WITHOUT_IO_URING();
  Runtime runtime;
  Ring ring{runtime};
  auto pair = LocalPair::make();
  const std::string chunk(64 * 1024, 'x');
  Operation op;
  std::size_t sent = 0;
  Completion last;
  // Sends until a send does not complete before its deadline: the peer's buffer is full.
  for (int sends = 0; sends < 1000; ++sends) {
    Outcome<Completion> one;
    spawn_into(send_once(ring, op, pair.code.get(), chunk, runtime.now() + 20ms), one);
    ring.run();
    REQUIRE(one.done);
    last = *one.value;
    if (last.result <= 0) break;
    CHECK(ring.received_bytes(last).empty());  // a send's completion: bytes sent, none received
    sent += static_cast<std::size_t>(last.result);
  }
  CHECK(sent > 0);
  CHECK(last.result == -ECANCELED);
  CHECK(last.why == Wake::timeout);
  // What was sent arrives, in order, and nothing of the cancelled send.
  pair.test.shutdown_write();
  ::shutdown(pair.code.get(), SHUT_WR);
  CHECK(pair.test.read_all().size() == sent);
}

#ifndef NDEBUG  // assert() is compiled out of a release build: nothing to test there
TEST_CASE("an operation destroyed in flight stops a debug build: the kernel would write into freed memory", "[ex7.1]") {
  HS_SKIP_WITHOUT_IO_URING();
  CHECK(hs::testing::aborts([] {
    RingAndPair t;
    auto op = std::make_unique<Operation>();
    t.ring.receive(*op, t.pair.code.get());
    op.reset();
  }));
  CHECK_FALSE(hs::testing::aborts([] {  // destroyed after its completion: nothing to say
    RingAndPair t;
    auto op = std::make_unique<Operation>();
    t.ring.receive(*op, t.pair.code.get());
    t.pair.test.send("HELLO 1\n");
    while (op->in_flight()) t.ring.turn(MayBlock::yes);
    op.reset();
  }));
}
#endif

TEST_CASE("poll_readable(): a poll submitted to the ring completes when the descriptor can be read", "[ex7.1]") {
  HS_SKIP_WITHOUT_IO_URING();
  Runtime runtime;
  Ring ring{runtime};
  hs::EventFd event;
  Operation op;
  Outcome<Completion> polled;
  spawn_into(
      [](Ring& r, Operation& o, int fd) -> Task<Completion> {
        r.poll_readable(o, fd);
        co_return co_await r.completion(o);
      }(ring, op, event.fd()),
      polled);
  ring.poll();
  CHECK_FALSE(polled.done);
  event.notify();
  ring.poll();
  REQUIRE(polled.done);
  CHECK(polled.value->result > 0);  // the events: POLLIN
  CHECK(polled.value->why == Wake::ready);
}

TEST_CASE("a turn hands the kernel every submission at once: 100 receives in one io_uring_enter()", "[ex7.1]") {
  HS_SKIP_WITHOUT_IO_URING();
  Runtime runtime;
  Ring ring{runtime};
  std::vector<LocalPair> pairs;
  std::vector<Operation> ops(100);
  std::vector<std::string> got(100);
  std::vector<Outcome<Completion>> outcomes(100);
  for (int i = 0; i < 100; ++i) {
    pairs.push_back(LocalPair::make());
    spawn_into(receive_once(ring, ops[i], pairs[i].code.get(), got[i], never), outcomes[i]);
  }
  const auto before = ring.stats();
  ring.turn(MayBlock::no);
  CHECK(ring.stats().enters - before.enters == 1);
  CHECK(ring.stats().submitted - before.submitted == 100);
  for (auto& pair : pairs) pair.test.send("HELLO 1\n");
  ring.poll();
  // Each completion was read from the completion ring: no system call per completion.
  CHECK(ring.stats().completions - before.completions == 100);
  for (int i = 0; i < 100; ++i) {
    REQUIRE(outcomes[i].done);
    CHECK(got[i] == "HELLO 1\n");
  }
  CHECK(ring.finished());
}

TEST_CASE("close(): the ring closes the descriptor with no completion to wait for", "[ex7.1]") {
  HS_SKIP_WITHOUT_IO_URING();
  Runtime runtime;
  Ring ring{runtime};
  auto pair = LocalPair::make();
  ring.close(std::move(pair.code));
  CHECK_FALSE(pair.code);   // the ring owns it now
  CHECK(ring.finished());   // nothing to wait for
  ring.turn(MayBlock::no);  // submitted: the peer sees the end of the stream
  CHECK(pair.test.read_all(0ms).empty());
  CHECK(pair.test.last_end() == ReadEnd::closed);
}

TEST_CASE("accept(): one submission gives a completion per client until cancel() ends it", "[ex7.1]") {
  HS_SKIP_WITHOUT_IO_URING();
  Runtime runtime;
  Ring ring{runtime};
  auto listener = hs::listen_tcp("127.0.0.1", 0);
  const auto port = hs::local_endpoint(listener.get()).port;
  Stream accepts;
  ring.accept(accepts, listener.get());
  ring.turn(MayBlock::no);
  std::vector<RawSocket> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(RawSocket::connect("127.0.0.1", port));
  std::vector<Completion> seen;
  Outcome<std::monostate> taken;
  spawn_into(
      [](Ring& r, Stream& s, std::vector<Completion>& out) -> Task<void> {
        for (;;) {
          const Completion done = co_await r.next(s);
          out.push_back(done);
          if (done.result >= 0) ::close(done.result);
          if ((done.flags & IORING_CQE_F_MORE) == 0) co_return;  // the stream is over
        }
      }(ring, accepts, seen),
      taken);
  for (int turns = 0; seen.size() < 3 && turns < 100'000; ++turns) ring.turn(MayBlock::yes), ring.poll();
  REQUIRE(seen.size() == 3);
  for (const auto& c : seen) {
    CHECK(c.result >= 0);
    CHECK((c.flags & IORING_CQE_F_MORE) != 0);
  }
  CHECK(accepts.active());
  ring.cancel(accepts, Wake::cancelled);
  ring.run();
  REQUIRE(taken.done);
  REQUIRE(seen.size() == 4);
  CHECK(seen.back().result == -ECANCELED);
  CHECK(seen.back().why == Wake::cancelled);
  CHECK_FALSE(accepts.active());
  CHECK(ring.finished());
}

TEST_CASE("run(): the runtime's sleeps and the ring's completions in one loop until nothing is left", "[ex7.1]") {
  HS_SKIP_WITHOUT_IO_URING();
  RingAndPair t;
  auto& [runtime, ring, pair, op, got] = t;
  Outcome<Completion> received;
  t.receive(received);
  Outcome<std::monostate> slept;
  spawn_into(
      [](Runtime& r, RawSocket& peer) -> Task<void> {
        co_await r.sleep_until(r.now() + 10ms);  // a timer on the runtime's wheel...
        peer.send("HELLO 1\n");                  // ...that makes the ring's receive complete
      }(runtime, pair.test),
      slept);
  ring.run();
  CHECK(slept.done);
  REQUIRE(received.done);
  CHECK(got == "HELLO 1\n");
  CHECK(ring.finished());
}

TEST_CASE("cancel(): nothing to submit for an operation not in flight or one being cancelled already", "[ex7.1]") {
  HS_SKIP_WITHOUT_IO_URING();
  Runtime runtime;
  Ring ring{runtime};
  auto pair = LocalPair::make();
  Operation op;
  ring.cancel(op);  // never submitted
  ring.turn(MayBlock::no);
  CHECK(ring.stats().submitted == 0);
  std::string got;
  Outcome<Completion> cancelled;
  spawn_into(receive_once(ring, op, pair.code.get(), got, never), cancelled);
  ring.poll();
  ring.cancel(op);
  ring.cancel(op);  // being cancelled already
  ring.poll();
  REQUIRE(cancelled.done);
  CHECK(ring.stats().submitted == 2);  // the receive and one cancel
  ring.cancel(op);                     // over: nothing in flight
  ring.turn(MayBlock::no);
  CHECK(ring.stats().submitted == 2);
}

TEST_CASE("a slot is reused for every submission: a cancel's own completion is nobody's", "[ex7.1]") {
  HS_SKIP_WITHOUT_IO_URING();
  Runtime runtime;
  Ring ring{runtime, Ring::Options{1, 8, 64}};  // one submission slot, so the cancel reuses the receive's
  auto pair = LocalPair::make();
  Operation op;
  std::string got;
  Outcome<Completion> cancelled;
  spawn_into(receive_once(ring, op, pair.code.get(), got, never), cancelled);
  ring.poll();
  ring.cancel(op);
  ring.poll();
  REQUIRE(cancelled.done);
  CHECK(cancelled.value->result == -ECANCELED);
  CHECK(ring.stats().completions == 1);  // the receive's, not the cancel's
  CHECK(ring.finished());

  auto listener = hs::listen_tcp("127.0.0.1", 0);
  Stream accepts;
  ring.accept(accepts, listener.get());
  ring.turn(MayBlock::no);
  ring.cancel(accepts);  // in the slot the accept went out from
  std::vector<Completion> seen;
  Outcome<std::monostate> taken;
  spawn_into(
      [](Ring& r, Stream& s, std::vector<Completion>& out) -> Task<void> {
        do {
          out.push_back(co_await r.next(s));
        } while ((out.back().flags & IORING_CQE_F_MORE) != 0);
      }(ring, accepts, seen),
      taken);
  ring.poll();
  REQUIRE(taken.done);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].result == -ECANCELED);
  CHECK(ring.stats().completions == 2);
  CHECK(ring.finished());
}

TEST_CASE("a close that fails in a reused slot is nobody's completion either", "[ex7.1]") {
  HS_SKIP_WITHOUT_IO_URING();
  Runtime runtime;
  Ring ring{runtime, Ring::Options{1, 8, 64}};  // one submission slot: the close reuses the receive's
  auto pair = LocalPair::make();
  Operation op;
  std::string got;
  Outcome<Completion> received;
  spawn_into(receive_once(ring, op, pair.code.get(), got, never), received);
  pair.test.send("HELLO 1\n");
  ring.poll();
  REQUIRE(received.done);
  const auto before = ring.stats().completions;
  ring.close(hs::Fd{1 << 20});  // no such descriptor: the close fails, and only a failure completes
  ring.poll();
  CHECK(ring.stats().completions == before);  // its completion (-EBADF) went to no one
  CHECK(ring.finished());
}

TEST_CASE("a full submission queue is handed to the kernel by the next submission: counted there", "[ex7.1]") {
  HS_SKIP_WITHOUT_IO_URING();
  Runtime runtime;
  Ring ring{runtime, Ring::Options{4, 8, 64}};  // four submission slots
  std::vector<LocalPair> pairs;
  for (int i = 0; i < 6; ++i) pairs.push_back(LocalPair::make());
  for (auto& pair : pairs) ring.close(std::move(pair.code));  // the fifth finds the queue full
  CHECK(ring.stats().enters == 1);
  CHECK(ring.stats().submitted == 4);
  ring.turn(MayBlock::no);  // the last two
  CHECK(ring.stats().enters == 2);
  CHECK(ring.stats().submitted == 6);
  for (auto& pair : pairs) CHECK(pair.test.read_all(0ms).empty());  // each peer sees the end
}

TEST_CASE("stats(): each submission counted once however the turn handed it to the kernel", "[ex7.1]") {
  HS_SKIP_WITHOUT_IO_URING();
  Runtime runtime;
  Ring ring{runtime};
  auto a = LocalPair::make();
  auto b = LocalPair::make();
  Operation op_a;
  Operation op_b;
  std::string got_a;
  std::string got_b;
  Outcome<Completion> first_a;
  Outcome<Completion> first_b;
  spawn_into(receive_once(ring, op_a, a.code.get(), got_a, never), first_a);
  ring.turn(MayBlock::no);  // submitted alone
  CHECK(ring.stats().submitted == 1);
  a.test.send("HELLO 1\n");  // A's completion is posted, not yet handed out
  spawn_into(receive_once(ring, op_b, b.code.get(), got_b, runtime.now() + 1h), first_b);
  ring.turn(MayBlock::yes);  // B's receive, with a wait bounded by its deadline, a completion already there
  CHECK(ring.stats().submitted == 2);
  b.test.send("HELLO 2\n");
  ring.poll();
  REQUIRE(first_a.done);
  REQUIRE(first_b.done);
  CHECK(got_b == "HELLO 2\n");
  CHECK(ring.finished());
}

TEST_CASE("run() hands the kernel what is still queued before it returns: the last closes", "[ex7.1]") {
  HS_SKIP_WITHOUT_IO_URING();
  Runtime runtime;
  Ring ring{runtime};
  auto pair = LocalPair::make();
  ring.close(std::move(pair.code));
  ring.run();  // nothing to wait for: it returns at once, the close gone out
  CHECK(pair.test.read_all(0ms).empty());
  CHECK(pair.test.last_end() == ReadEnd::closed);
}
