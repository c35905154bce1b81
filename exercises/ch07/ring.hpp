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
/// A pending recv needs a buffer for the kernel to fill, and 19,000 clients thinking would pin
/// 19,000 of them. So receive() does not give one: the kernel picks a buffer from a ring of
/// *provided buffers* (a few hundred, shared by every connection) only when bytes arrive, and the
/// task gives it back once it has read it (README, "Who holds the buffer").
#pragma once

#include <liburing.h>

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "ch06/runtime.hpp"
#include "ch06/timer_wheel.hpp"
#include "ch06/waiter.hpp"
#include "given/ch06/clock.hpp"
#include "hs/net.hpp"

namespace hs::ch07 {

using ch06::Duration;
using ch06::Runtime;
using ch06::TimePoint;
using ch06::Wake;

class Ring;

/// What one completion said, and why the task waiting for it was woken.
struct Completion {
  int result = 0;           ///< the completion's `res`: bytes moved, a descriptor, or -errno
  std::uint32_t flags = 0;  ///< the completion's flags: IORING_CQE_F_BUFFER (and the buffer's id), _F_MORE
  Wake why = Wake::ready;   ///< ready: it completed; timeout or cancelled: it was cancelled for that reason

  /// The errno of a failed operation (0 if it succeeded).
  int error() const noexcept { return result < 0 ? -result : 0; }
};

/// Something the kernel will complete: the ring gives each completion to the target whose address
/// it carries (the submission's user_data).
class Target {
 public:
  /// Called by the ring for each completion of this target's submission.
  virtual void complete(Ring& ring, int result, std::uint32_t flags) = 0;

 protected:
  ~Target() = default;
};

/// One operation at a time, in flight from Ring::receive() (or send(), readable()) until its
/// completion, and the task waiting for it. Lives in the task's frame (a session's Connection):
/// an operation in flight must not be destroyed, because the kernel will write its completion
/// there, so a task must co_await ring.completion(op) after each submission, even after a
/// deadline: cancelling is asking the kernel, and only the completion says it is over.
class Operation final : public Target {
 public:
  Operation() = default;
  Operation(const Operation&) = delete;
  Operation& operator=(const Operation&) = delete;

  /// Submitted, and its completion not seen yet.
  bool in_flight() const noexcept { return in_flight_; }
  /// The ring's completion: wakes the waiting task with Wake::ready, or with the reason it was
  /// cancelled for when it ended with -ECANCELED.
  void complete(Ring& ring, int result, std::uint32_t flags) override;

 private:
  friend class Ring;

  /// Its entry on the ring's deadline wheel, which knows whose it is.
  struct Deadline : ch06::TimerWheel::Entry {
    Operation* op = nullptr;  ///< the operation to cancel when it fires
  };

  ch06::Waiter waiter_;      ///< the task waiting for the completion, if one is
  Deadline deadline_;        ///< on the ring's deadline wheel while in flight with one
  Completion done_;          ///< what the completion said
  bool in_flight_ = false;   ///< submitted, not yet completed
  bool cancelling_ = false;  ///< an ASYNC_CANCEL for it is submitted
  bool waiting_ = false;     ///< a task is suspended in completion()
};

/// A multishot operation (accept): one submission, many completions, until one comes without
/// IORING_CQE_F_MORE. The completions that arrive while no task waits queue up here.
class Stream final : public Target {
 public:
  Stream() = default;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  /// Submitted, and its last completion (the one without IORING_CQE_F_MORE) not seen yet.
  bool active() const noexcept { return active_; }
  /// The ring's completion: queued, and the waiting task woken.
  void complete(Ring& ring, int result, std::uint32_t flags) override;

 private:
  friend class Ring;

  ch06::Waiter waiter_;                ///< the task waiting for the next completion, if one is
  std::vector<Completion> queued_;     ///< completions not taken yet, oldest first
  std::size_t next_ = 0;               ///< the first of queued_ not taken
  Wake cancel_why_ = Wake::cancelled;  ///< what a cancel was for
  bool active_ = false;                ///< submitted, and the last completion not seen
  bool waiting_ = false;               ///< a task is suspended in next()
};

/// io_uring, driven together with a chapter 06 Runtime, on one thread.
class Ring {
 public:
  /// How the ring is sized.
  struct Options {
    unsigned entries = 4096;        ///< submission queue slots (the completion queue has twice as many)
    unsigned buffers = 1024;        ///< provided buffers (a power of two, at most 32768), shared by every connection
    std::size_t buffer_size = 512;  ///< bytes in each
  };

  /// A ring for `runtime`'s tasks, with its provided buffers registered. Throws
  /// std::invalid_argument if `options.buffers` is not a power of two or is over 32768 (the most a
  /// buffer ring holds); std::system_error if the kernel refuses a step, after undoing the steps
  /// before it, with the step and the reason as its message: "io_uring_queue_init: ...",
  /// "mmap: Cannot allocate memory", "io_uring_register_buf_ring: ..." (hs::io_uring_unavailable()
  /// says why, in words).
  explicit Ring(Runtime& runtime, Options options);
  /// The same, sized by default.
  explicit Ring(Runtime& runtime) : Ring(runtime, Options{}) {}
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;
  /// Submits what is still queued (closes), then tears the ring down: the kernel cancels what is
  /// still in flight. Run it until finished() first.
  ~Ring();

  /// The provided buffers' group: the one every receive() picks from.
  static constexpr std::uint16_t buffer_group = 0;

  /// The runtime whose tasks it wakes.
  Runtime& runtime() noexcept { return runtime_; }

  /// Submits a recv on `fd` into a provided buffer, cancelled at `deadline`. Awaited with
  /// completion(op): the result is the bytes received (0: the peer closed), -ENOBUFS if every
  /// provided buffer was in use (try again next turn), or -ECANCELED with why == Wake::timeout.
  /// The bytes are received_bytes(); give_back() the buffer once they are read.
  void receive(Operation& op, int fd, TimePoint deadline = TimePoint::max());
  /// Submits a send of `bytes` on `fd` (never raising SIGPIPE), cancelled at `deadline`. The bytes
  /// must stay where they are until its completion: the kernel reads them from there.
  void send(Operation& op, int fd, std::span<const char> bytes, TimePoint deadline = TimePoint::max());
  /// Submits a one-shot poll for readability of `fd` (a signalfd, an eventfd): completion when it
  /// can be read without blocking.
  void readable(Operation& op, int fd);
  /// Asks the kernel to cancel `op`'s operation; its completion (-ECANCELED, or what it did if it
  /// finished first) wakes its task with `why` when cancelled. Does nothing if it is not in flight.
  void cancel(Operation& op, Wake why = Wake::cancelled);

  /// The awaitable completion(op) returns: suspends until op's completion.
  class Wait {
   public:
    /// True (no suspension) when the operation completed already.
    bool await_ready() const noexcept { return !op_.in_flight_; }
    /// Registers `task` as the one the completion wakes.
    void await_suspend(std::coroutine_handle<> task) noexcept;
    /// What the completion said.
    Completion await_resume() noexcept;

   private:
    friend class Ring;
    Wait(Ring& ring, Operation& op) noexcept : ring_{ring}, op_{op} {}
    Ring& ring_;
    Operation& op_;
  };
  /// Awaitable: until the operation submitted last on `op` completes.
  Wait completion(Operation& op) noexcept { return {*this, op}; }

  /// The bytes a completed receive() put in a provided buffer (empty for any other completion).
  std::span<const char> received_bytes(const Completion& done) const noexcept;
  /// Gives a completed receive()'s buffer back to the kernel (nothing if it had none): the kernel
  /// may fill it for another connection from then on.
  void give_back(const Completion& done) noexcept;

  /// Submits a multishot accept on `listener`: each connection is one completion of `stream`
  /// (the new descriptor, non-blocking and close-on-exec, or -errno), until one arrives without
  /// IORING_CQE_F_MORE (an error ends it, as does cancel()).
  void accept(Stream& stream, int listener);
  /// Asks the kernel to end `stream`; its last completion is -ECANCELED (why: `why`).
  void cancel(Stream& stream, Wake why = Wake::cancelled);
  /// The awaitable next(stream) returns.
  class Next {
   public:
    /// True when a completion is queued already.
    bool await_ready() const noexcept { return stream_.next_ < stream_.queued_.size(); }
    /// Registers `task` as the one the next completion wakes.
    void await_suspend(std::coroutine_handle<> task) noexcept;
    /// The oldest completion not taken (its flags lack IORING_CQE_F_MORE if it was the last).
    Completion await_resume() noexcept;

   private:
    friend class Ring;
    Next(Ring& ring, Stream& stream) noexcept : ring_{ring}, stream_{stream} {}
    Ring& ring_;
    Stream& stream_;
  };
  /// Awaitable: the stream's next completion. Only while it is active() or has some queued.
  Next next(Stream& stream) noexcept { return {*this, stream}; }

  /// Closes `fd` through the ring: no system call of its own, and nothing to wait for.
  void close(Fd fd);

  /// One turn of the ring: submits what is queued and, if `may_block`, waits until a completion
  /// arrives or the next timer (the runtime's or a deadline) is due; then hands out every
  /// completion and cancels the operations whose deadline passed. One io_uring_enter() at most
  /// (none if there is nothing to submit and it may not block). Returns true if it handed out a
  /// completion or cancelled an operation.
  bool turn(bool may_block);
  /// Runs the runtime and the ring together until nothing is left: each turn the runtime's tasks
  /// and timers, then the ring's turn (blocking only when no task is ready). Before it returns, it
  /// submits what is still queued: the last closes, which no task waits for, go out now and not
  /// only when the Ring is destroyed.
  void run();
  /// Takes turns of both without blocking until neither does anything (the tests' way to let
  /// everything that can happen now happen, on their own thread).
  void poll();
  /// True when nothing is left: the runtime's finished(), and no operation in flight.
  bool finished() const noexcept { return runtime_.finished() && in_flight_ == 0; }

  /// Counters for the lesson's measurements and the tests.
  struct Stats {
    std::uint64_t enters = 0;       ///< io_uring_enter() calls (submit, wait, or both)
    std::uint64_t submitted = 0;    ///< submissions handed to the kernel
    std::uint64_t completions = 0;  ///< completions handed out
    std::uint64_t no_buffers = 0;   ///< receives that found every provided buffer in use
  };
  /// What the ring has done so far.
  const Stats& stats() const noexcept { return stats_; }

 private:
  friend class Operation;
  friend class Stream;

  /// A free submission slot (submitting what is queued first if the queue is full).
  io_uring_sqe& slot();
  /// Prepares `op` for a new submission in `sqe`, with its deadline armed.
  void start(Operation& op, io_uring_sqe& sqe, TimePoint deadline);
  /// The completion of an operation: unarms its deadline, counts it done.
  void finish(Operation& op) noexcept;
  /// Hands out the completions the kernel has posted; true if there were some.
  bool reap();
  /// The earliest of the runtime's next timer visit and the deadlines' (none: max()).
  TimePoint next_timer() const;

  Runtime& runtime_;                          ///< the tasks, the run queue, the sleeps
  Options options_;                           ///< the sizes
  io_uring ring_{};                           ///< liburing's view of the two rings
  io_uring_buf_ring* buffer_ring_ = nullptr;  ///< the provided buffers' ring, shared with the kernel
  std::unique_ptr<char[]> buffers_;           ///< the buffers themselves
  ch06::TimerWheel deadlines_;                ///< the deadlines of operations in flight
  std::size_t in_flight_ = 0;                 ///< operations and streams the kernel still owes a completion
  Stats stats_;                               ///< what it has done
};

}  // namespace hs::ch07
