/// @file
/// Exercise 6.2: the runtime. A run queue of tasks ready to go on, an epoll reactor that says which
/// sockets are ready, and the timer wheel of exercise 6.3: what asio::io_context was in chapter 03,
/// and what tokio's runtime is to Rust. One thread runs it: run() takes turns, each one
///   1. resumes the tasks that are ready (each runs until its next co_await),
///   2. asks epoll which descriptors became ready (waiting, if no task is ready, until the next
///      timer is due) and wakes the tasks waiting for them,
///   3. expires the timers that fell due and wakes theirs,
/// and returns when nothing is left: no task ready, none waiting for a descriptor or a timer.
///
/// Readiness, not completion (README, "Readiness"): epoll says "you may read now", and only then
/// does the task call recv(), into a buffer of its own, for bytes the kernel already has. A task
/// waiting for a client to speak holds no buffer at all.
#pragma once

#include <sys/epoll.h>

#include <array>
#include <coroutine>
#include <cstddef>
#include <span>
#include <utility>
#include <vector>

#include "ch06/timer_wheel.hpp"
#include "ch06/waiter.hpp"
#include "given/ch06/clock.hpp"
#include "hs/net.hpp"

namespace hs::ch06 {

class Runtime;

/// Keeps a Runtime from being finished() while it lives: a task waits for the kernel where the
/// runtime cannot see it (an IoWait; chapter 07's io_uring operations in flight). Taken with
/// Runtime::pending_io(), given back by its destructor or by assigning an empty one: counted once,
/// uncounted once, whatever way the wait ends.
class PendingIo {
 public:
  /// Counts nothing.
  PendingIo() noexcept = default;
  /// Takes `other`'s count; `other` holds none after.
  PendingIo(PendingIo&& other) noexcept : runtime_{std::exchange(other.runtime_, nullptr)} {}
  /// Gives back the count held, if any, and takes `other`'s.
  PendingIo& operator=(PendingIo&& other) noexcept;
  /// Gives back the count held, if any.
  ~PendingIo();

  /// The runtime whose count it holds (not an empty token's).
  Runtime& runtime() const noexcept { return *runtime_; }

 private:
  friend class Runtime;
  explicit PendingIo(Runtime& runtime) noexcept;

  Runtime* runtime_ = nullptr;  ///< whose count it holds (null: none)
};

/// What a non-blocking read or write did.
struct Transfer {
  std::size_t bytes = 0;  ///< how many were moved (0 with no error: the peer closed, for a read)
  int error = 0;          ///< 0 when the call succeeded (even moving no bytes), else its errno: EAGAIN
                          ///< when the kernel has nothing for us yet

  /// Nothing to do until the descriptor is ready again.
  bool would_block() const noexcept { return error == EAGAIN || error == EWOULDBLOCK; }
};

/// A non-blocking descriptor watched by a Runtime (edge-triggered: epoll reports each change of
/// readiness once), and what the runtime knows of its readiness. read_some() and write_some()
/// forget the readiness when the kernel says EAGAIN, so that the next wait really waits.
/// Registered for its whole life at one address (epoll keeps a pointer to it): it does not move.
/// Closing the descriptor (the destructor, or close()) removes it from epoll, *if no duplicate of
/// it is open* (dup(), fork()): epoll forgets a registration only when the last descriptor of
/// the open file is closed. So a WatchedFd over a duplicate must outlive every turn of its runtime
/// (main() and the tests watch duplicates only that way).
class WatchedFd {
 public:
  /// Takes `fd`, which must be non-blocking; runtime.watch() registers it.
  explicit WatchedFd(Fd fd) noexcept : fd_{std::move(fd)} {}
  WatchedFd(const WatchedFd&) = delete;
  WatchedFd& operator=(const WatchedFd&) = delete;

  /// The descriptor (-1 once closed).
  int fd() const noexcept { return fd_.get(); }
  /// recv() what the kernel has, up to `buffer.size()` bytes.
  Transfer read_some(std::span<char> buffer);
  /// send() as much of `bytes` as the kernel takes now (never raises SIGPIPE).
  Transfer write_some(std::span<const char> bytes);
  /// The kernel said EAGAIN to a call other than read_some() (accept4(), say): forget that the
  /// descriptor was readable, so that the next wait waits for epoll.
  void forget_readable() noexcept { readable_ = false; }
  /// Closes the descriptor now (epoll forgets it, unless a duplicate is open). A task still
  /// waiting on it is not woken: use Runtime::cancel() first.
  void close() noexcept { fd_.reset(); }

 private:
  friend class Runtime;
  friend class IoWait;

  Fd fd_;                     ///< owned
  bool readable_ = false;     ///< epoll said readable (or hung up) since the last EAGAIN of a read
  bool writable_ = false;     ///< epoll said writable (or hung up) since the last EAGAIN of a write
  Waiter* reader_ = nullptr;  ///< the task waiting to read, if any
  Waiter* writer_ = nullptr;  ///< the task waiting to write, if any
};

/// `co_await runtime.readable(io)` (or writable, or with a deadline): suspends until the
/// descriptor is ready, the deadline passes, or the wait is cancelled, and says which. Does not
/// suspend at all if the readiness is known already. Lives in the awaiting task's frame: waiting
/// allocates nothing. Like every wait of the runtime (Sleep, Timer, NextTurn), it is registered
/// with the runtime while the task is suspended in it: a task suspended there must not be
/// destroyed before it is resumed (the runtime would reach into a freed frame).
class IoWait {
 public:
  /// Which readiness a wait is for.
  enum class Direction : bool {
    read,   ///< readable (or hung up)
    write,  ///< writable (or hung up)
  };

  /// True (no suspension) when the WatchedFd's readiness for this direction is known already.
  bool await_ready() const noexcept;
  /// Registers `task` as the WatchedFd's reader (or writer), and arms the deadline's timer if any.
  void await_suspend(std::coroutine_handle<> task);
  /// Unregisters whatever did not happen; says why the task was woken (Wake::ready if it never
  /// suspended).
  Wake await_resume();

 private:
  friend class Runtime;
  IoWait(Runtime& runtime, WatchedFd& io, Direction direction, TimePoint deadline) noexcept;

  PendingIo pending_;  ///< counts the wait while it lasts; also its only pointer to the runtime (one, not two)
  WatchedFd& io_;
  Direction direction_;      ///< which readiness it waits for
  TimePoint deadline_;       ///< TimePoint::max(): none
  Waiter waiter_;            ///< the suspended task
  TimerWheel::Entry timer_;  ///< the deadline's entry, armed while waiting if there is a deadline
};

/// `co_await runtime.sleep_until(t)`: suspends until the clock reaches `t`, on the wheel.
/// Wake::ready when it does. (Another task cannot cut it short: for that, see Timer.)
class Sleep {
 public:
  /// Always suspends (a time already past fires at the wheel's next tick).
  bool await_ready() const noexcept { return false; }
  /// Arms the sleep's entry on the wheel, waking `task`.
  void await_suspend(std::coroutine_handle<> task);
  /// Wake::ready: the time has come.
  Wake await_resume() const noexcept { return Wake::ready; }

 private:
  friend class Runtime;
  Sleep(Runtime& runtime, TimePoint until) noexcept : runtime_{runtime}, until_{until} {}

  Runtime& runtime_;
  TimePoint until_;
  Waiter waiter_;
  TimerWheel::Entry timer_;
};

/// `co_await runtime.next_turn()`: back to the end of the run queue, so that the other tasks ready
/// get their turn first. For a task that could go on without waiting (a client flooding us with
/// bytes to drop) but should not keep the thread to itself.
class NextTurn {
 public:
  /// Always suspends.
  bool await_ready() const noexcept { return false; }
  /// Queues `task` at the back of the run queue.
  void await_suspend(std::coroutine_handle<> task);
  /// Goes on: the other tasks had their turn.
  void await_resume() const noexcept {}

 private:
  friend class Runtime;
  explicit NextTurn(Runtime& runtime) noexcept : runtime_{runtime} {}

  Runtime& runtime_;
};

/// A sleep that another task can cut short (the server's pause after EMFILE, which the stop ends):
/// `co_await timer.wait_until(t)` gives Wake::ready when the clock reaches `t`, Wake::cancelled if
/// cancel() came first. One wait at a time.
class Timer {
 public:
  /// A timer on `runtime`'s wheel, not armed.
  explicit Timer(Runtime& runtime) noexcept : runtime_{runtime} {}
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  /// The awaitable wait_until() returns.
  struct Wait {
    Timer& timer;     ///< whose wait this is
    TimePoint until;  ///< when it ends by itself
    /// Always suspends.
    bool await_ready() const noexcept { return false; }
    /// Arms the timer's entry, waking `task`.
    void await_suspend(std::coroutine_handle<> task);
    /// Wake::ready when the time came, Wake::cancelled after cancel(); disarms the entry.
    Wake await_resume();
  };
  /// Awaitable: until the clock reaches `until`, or cancel().
  Wait wait_until(TimePoint until) noexcept { return {*this, until}; }
  /// Wakes the task waiting on this timer, if any, with Wake::cancelled.
  void cancel();

 private:
  Runtime& runtime_;
  Waiter waiter_;            ///< the task waiting, while one is
  TimerWheel::Entry entry_;  ///< armed while it waits
  bool waiting_ = false;     ///< a task is suspended in wait_until()
};

/// Whether a turn may wait in the kernel (when no task is ready) or must only look.
enum class MayBlock : bool {
  no,   ///< only look: what is ready now
  yes,  ///< wait, if no task is ready, until something happens or the next timer
};

/// The event loop: run queue, epoll, timer wheel, on one thread. Not thread-safe: every function
/// is called from the thread that runs it (another thread asks it to stop through a descriptor it
/// watches: an eventfd, a signalfd, a pipe). It does not own the tasks: run it until finished()
/// before destroying it, or the frames of the tasks still suspended are never freed.
class Runtime {
 public:
  /// A runtime on `clock` (the system's steady clock unless a test gives a VirtualClock), with
  /// timers on a wheel of `tick`.
  explicit Runtime(const Clock& clock = steady_clock(), Duration tick = default_tick);
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;
  ~Runtime();

  /// The time, from the runtime's clock.
  TimePoint now() const { return clock_.now(); }
  /// The wheel its deadlines and sleeps go on.
  TimerWheel& timers() noexcept { return timers_; }

  /// Registers `io` with epoll, edge-triggered, for reading and writing at once; throws
  /// std::system_error if epoll refuses. Once per WatchedFd.
  void watch(WatchedFd& io);
  /// Awaitable: until `io` is readable (or hung up), or `deadline` passes.
  IoWait readable(WatchedFd& io, TimePoint deadline = TimePoint::max()) noexcept {
    return {*this, io, IoWait::Direction::read, deadline};
  }
  /// Awaitable: until `io` is writable (or hung up), or `deadline` passes.
  IoWait writable(WatchedFd& io, TimePoint deadline = TimePoint::max()) noexcept {
    return {*this, io, IoWait::Direction::write, deadline};
  }
  /// Awaitable: until the clock reaches `until`.
  Sleep sleep_until(TimePoint until) noexcept { return {*this, until}; }
  /// Awaitable: until the next turn, after the tasks ready now.
  NextTurn next_turn() noexcept { return NextTurn{*this}; }
  /// Wakes the tasks waiting on `io` (to read or to write) with Wake::cancelled.
  void cancel(WatchedFd& io);

  /// Queues `waiter`'s task to be resumed in the next turn, with `why`; does nothing if it has
  /// been woken already (the first reason wins).
  void wake(Waiter& waiter, Wake why);
  /// Queues a task to be resumed in the next turn.
  void schedule(std::coroutine_handle<> task);
  /// Counts a task that starts waiting for the kernel until the token it returns is destroyed
  /// (or replaced by an empty one): run() is not over while one is held.
  PendingIo pending_io() noexcept { return PendingIo{*this}; }

  /// One turn: the tasks ready at its start, then I/O (blocking, if it may and no task is ready,
  /// until an event or the next timer visit), then the timers due. With no timer armed, it
  /// blocks without end only while a task waits for I/O: with none waiting, no event can come, and
  /// it does not block at all (run() returns instead of hanging). A signal that interrupts
  /// epoll_wait() (EINTR) is not an error: the turn goes on as if no descriptor were ready.
  /// Returns true if it did anything: resumed a task, saw an event, fired a timer.
  bool turn(MayBlock may_block);
  /// Takes turns until nothing is left: no task ready, none waiting for I/O, no timer armed.
  /// Exceptions that escape a task (spawn(): an on_done that throws) propagate from here; the
  /// tasks that were to run after it in that turn stay queued, in order, for the next run().
  void run();
  /// Takes turns without blocking until one does nothing (exercise 6.5: on a VirtualClock).
  void poll();
  /// True when a task is queued to run in the next turn (so a turn must not block).
  bool has_ready() const noexcept { return !ready_.empty(); }
  /// True when nothing is left.
  bool finished() const noexcept { return ready_.empty() && pending_io_ == 0 && timers_.empty(); }

  /// The clock every Runtime uses unless given another.
  static const Clock& steady_clock();

 private:
  const Clock& clock_;                            ///< where now() comes from
  Fd epoll_;                                      ///< the epoll instance
  TimerWheel timers_;                             ///< every deadline and sleep
  std::vector<std::coroutine_handle<>> ready_;    ///< resumed by the next turn, in order
  std::vector<std::coroutine_handle<>> running_;  ///< the batch the current turn resumes
  std::size_t pending_io_ = 0;                    ///< PendingIo tokens held
  std::array<epoll_event, 256> events_{};         ///< one epoll_wait's worth

  friend class PendingIo;
};

inline PendingIo::PendingIo(Runtime& runtime) noexcept : runtime_{&runtime} { ++runtime.pending_io_; }

inline PendingIo& PendingIo::operator=(PendingIo&& other) noexcept {
  if (this != &other) {
    if (runtime_ != nullptr) --runtime_->pending_io_;
    runtime_ = std::exchange(other.runtime_, nullptr);
  }
  return *this;
}

inline PendingIo::~PendingIo() {
  if (runtime_ != nullptr) --runtime_->pending_io_;
}

inline IoWait::IoWait(Runtime& runtime, WatchedFd& io, Direction direction, TimePoint deadline) noexcept
    : pending_{runtime.pending_io()}, io_{io}, direction_{direction}, deadline_{deadline} {}

}  // namespace hs::ch06
