/// @file
/// Exercise 7.1: an io_uring beside chapter 06's runtime. Every wait so far was for *readiness*
/// (epoll: "you may read now", then a recv() system call). io_uring waits for *completion*: the
/// program writes what it wants done into a submission queue shared with the kernel (a recv, a
/// send, an accept, a close), and the kernel writes what happened into a completion queue ("here
/// are 12 bytes", "-ECANCELED"). Submitting a whole turn's worth and waiting for the next
/// completions is one system call, io_uring_enter(); reading the completions is none (README,
/// "Two rings").
///
/// The Ring keeps chapter 06's Runtime for everything that is not I/O: the tasks, the run queue,
/// the timer wheel (sleeps, the server's back-off). Ring::run() takes the turns: the runtime's
/// (the tasks ready, the timers due), then the ring's (submit, wait for a completion or the next
/// timer, wake the tasks whose operations completed).
///
/// One idea per file: completion.hpp (what the kernel says, to whom), operation.hpp (what a task
/// waits for), queue.hpp and buffers.hpp (what the Ring acquires and releases), and here the Ring,
/// which submits and hands out the completions.
#pragma once

#include <liburing.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "ch06/runtime.hpp"
#include "ch06/timer_wheel.hpp"
#include "ch07/buffers.hpp"
#include "ch07/completion.hpp"
#include "ch07/operation.hpp"
#include "ch07/queue.hpp"
#include "given/ch06/clock.hpp"
#include "hs/net.hpp"

namespace hs::ch07 {

using ch06::Duration;
using ch06::MayBlock;
using ch06::Runtime;
using ch06::TimePoint;

/// io_uring, driven together with a chapter 06 Runtime, on one thread.
class Ring {
 public:
  /// How the ring is sized.
  struct Options {
    unsigned entries = 4096;        ///< submission queue slots (the completion queue has twice as many)
    unsigned buffers = 1024;        ///< provided buffers (a power of two, at most Buffers::most), shared by all
    std::size_t buffer_size = 512;  ///< bytes in each
  };

  /// A ring for `runtime`'s tasks, with its provided buffers registered: the Buffers, the Queue,
  /// then the BufferGroup, each of which throws what it says and releases what it took (the ones
  /// before it are released as members).
  explicit Ring(Runtime& runtime, Options options);
  /// The same, sized by default.
  explicit Ring(Runtime& runtime) : Ring(runtime, Options{}) {}
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;
  /// Submits what is still queued (closes); then its members tear the ring down, and the kernel
  /// cancels what is still in flight. Run it until finished() first.
  ~Ring();

  /// The provided buffers' group: the one every receive() picks from.
  static constexpr std::uint16_t buffer_group_id = 0;

  /// The runtime whose tasks it wakes.
  Runtime& runtime() noexcept { return runtime_; }

  /// Submits a recv on `fd` into a provided buffer, cancelled at `deadline`. Awaited with
  /// completion(op): the result is the bytes received (0: the peer closed), -errno if the
  /// connection broke (-ECONNRESET), -ENOBUFS if every provided buffer was in use (try again next
  /// turn), or -ECANCELED (why: Wake::timeout at its deadline, or the reason given to cancel()).
  /// The bytes are received_bytes(); give_back() the buffer once they are read.
  void receive(Operation& op, int fd, TimePoint deadline = TimePoint::max());
  /// Submits a send of `bytes` on `fd` (never raising SIGPIPE), cancelled at `deadline`. The bytes
  /// must stay where they are until its completion: the kernel reads them from there.
  void send(Operation& op, int fd, std::span<const char> bytes, TimePoint deadline = TimePoint::max());
  /// Submits a one-shot poll for readability of `fd` (a signalfd, an eventfd): completion when it
  /// can be read without blocking.
  void poll_readable(Operation& op, int fd);
  /// Awaitable: until the operation submitted last on `op` completes.
  Operation::Wait completion(Operation& op) noexcept { return Operation::Wait{op}; }

  /// Submits a multishot accept on `listener`: each connection is one completion of `stream`
  /// (the new descriptor, non-blocking and close-on-exec, or -errno), until one arrives without
  /// IORING_CQE_F_MORE (an error ends it, as does cancel()).
  void accept(Stream& stream, int listener);
  /// Awaitable: the stream's next completion.
  Stream::Wait next(Stream& stream) noexcept { return Stream::Wait{stream}; }

  /// Asks the kernel to cancel `target` (an Operation, a Stream). Its last completion (-ECANCELED,
  /// or what it did if it finished first) wakes its task with `why` when it was cancelled. Does
  /// nothing if it is not in flight or is being cancelled already.
  void cancel(Completable& target, Wake why = Wake::cancelled);

  /// The bytes a completed receive() put in a provided buffer (empty for any other completion).
  std::span<const char> received_bytes(const Completion& done) const noexcept;
  /// Gives a completed receive()'s buffer back to the kernel (nothing if it had none): the kernel
  /// may fill it for another connection from then on.
  void give_back(const Completion& done) noexcept;

  /// Closes `fd` through the ring: no system call of its own, and nothing to wait for.
  void close(Fd fd);

  /// One turn of the ring: submits what is queued and, if it may block and something can come (an
  /// operation in flight, a timer), waits until a completion arrives or the next timer (the
  /// runtime's or a deadline) is due; then hands out every completion and cancels the operations
  /// whose deadline passed. One io_uring_enter() at most, through enter() (none if there is nothing
  /// to submit and no wait, or a completion is posted already). Returns true if it reaped a
  /// completion (a cancel's or a close's too) or cancelled an operation.
  bool turn(MayBlock may_block);
  /// Runs the runtime and the ring together until nothing is left: each turn the runtime's tasks
  /// and timers, then the ring's turn (blocking only when no task is ready). Before it returns, it
  /// submits what is still queued: the last closes, which no task waits for, go out now.
  void run();
  /// Takes turns of both without blocking until neither does anything (the tests' way to let
  /// everything that can happen now happen, on their own thread).
  void poll();
  /// True when nothing is left: the runtime's finished(), and no operation in flight.
  bool finished() const noexcept { return runtime_.finished() && in_flight_count_ == 0; }

  /// Counters for the lesson's measurements and the tests.
  struct Stats {
    std::uint64_t enters = 0;       ///< io_uring_enter() calls (submit, wait, or both): enter() counts them
    std::uint64_t submitted = 0;    ///< submissions handed to the kernel
    std::uint64_t completions = 0;  ///< completions handed out
    std::uint64_t no_buffers = 0;   ///< receives that found every provided buffer in use
  };
  /// What the ring has done so far.
  const Stats& stats() const noexcept { return stats_; }

 private:
  /// A free submission slot (submitting what is queued first if the queue is full).
  io_uring_sqe& slot();
  /// Makes `sqe` the submission of `target`, in flight from now on, with its deadline armed.
  void start(Completable& target, io_uring_sqe& sqe, TimePoint deadline);
  /// Marks `target` as being cancelled for `why` (its last completion will say so) and disarms its
  /// deadline: cancel()'s bookkeeping, once its submission is queued.
  void mark_cancelling(Completable& target, Wake why) noexcept;
  /// Hands what is queued to the kernel and, if `wait`, waits for a completion, at most until
  /// `until` (max(): no limit): one io_uring_enter() (counted in stats_.enters, what it submitted
  /// in stats_.submitted), or none when there is nothing to submit and either no wait or a
  /// completion already posted. Returns liburing's result: >= 0, or -errno (-ETIME: `until` came
  /// first; -EINTR: a signal; -EBUSY, -EAGAIN: the completion queue is full).
  int enter(bool wait, TimePoint until);
  /// Hands the completions the kernel has posted to complete(); true if there were some.
  bool reap();
  /// One completion of `target`: all of its bookkeeping (in flight, deadline, the runtime's count,
  /// the cancel's reason), then kept for its task, which is woken if it waits.
  void complete(Completable& target, int result, std::uint32_t flags);
  /// The earliest of the runtime's next timer visit and the deadlines' (none: max()).
  TimePoint next_timer() const;

  Runtime& runtime_;            ///< the tasks, the run queue, the sleeps
  Buffers buffers_;             ///< the provided buffers (first: freed after the kernel let go of them)
  Queue queue_;                 ///< the io_uring instance
  BufferGroup group_;           ///< buffers_ lent to queue_ as group buffer_group_id
  ch06::TimerWheel deadlines_;  ///< the deadlines of operations in flight
  /// Submissions the kernel still owes a last completion: decides finished(), whether turn() may
  /// wait, and when to take and give back pending_.
  std::size_t in_flight_count_ = 0;
  ch06::PendingIo pending_;  ///< held while in_flight_count_ > 0: the runtime is not finished meanwhile
  Stats stats_;              ///< what it has done
};

}  // namespace hs::ch07
