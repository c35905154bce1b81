/// @file
/// What the kernel says when it has done something for the Ring (a Completion), and what it says
/// it to (a Completable): the Operation or Stream whose address the submission carried as its
/// user_data. Everything the Ring keeps about a submission until its last completion lives here,
/// in the Completable, in the waiting task's frame: submitting allocates nothing (README, "Two rings").
#pragma once

#include <cassert>
#include <coroutine>
#include <cstdint>

#include "ch06/timer_wheel.hpp"
#include "ch06/waiter.hpp"

namespace hs::ch07 {

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

/// Something the kernel completes, from its submission until its last completion (the one without
/// IORING_CQE_F_MORE): the Ring's start(), mark_cancelling() and complete() do its bookkeeping,
/// for every kind.
/// It must not be destroyed in flight, because the kernel will write its completion here: a task
/// awaits the completion after each submission, even after a cancel (asserted in a debug build).
class Completable {
 public:
  Completable(const Completable&) = delete;
  Completable& operator=(const Completable&) = delete;

  /// Submitted, and its last completion not seen yet.
  bool in_flight() const noexcept { return in_flight_; }

 protected:
  Completable() = default;
  ~Completable() {
    assert(!in_flight_ && "destroyed in flight: the kernel would write its completion into freed memory");
  }

  /// Registers `task` as the one the next completion wakes (an awaitable's await_suspend()).
  void suspend(std::coroutine_handle<> task) noexcept {
    waiter_ = ch06::Waiter{task};
    waiting_ = true;
  }

 private:
  friend class Ring;

  /// Keeps what a completion said for the task (after the Ring's bookkeeping, before the wake-up).
  virtual void keep(const Completion& done) = 0;

  /// Its entry on the Ring's deadline wheel: firing cancels `owner` (README, "Cancellation is a request").
  struct Deadline : ch06::TimerWheel::Entry {
    Completable* owner = nullptr;  ///< the submission to cancel
  };

  ch06::Waiter waiter_;                ///< the task waiting for the next completion, while waiting_
  Deadline deadline_;                  ///< on the Ring's deadline wheel while in flight with a deadline
  Wake cancel_why_ = Wake::cancelled;  ///< why cancel() was asked: the reason a -ECANCELED wakes with
  bool in_flight_ = false;             ///< submitted, and the last completion not seen
  bool cancelling_ = false;            ///< an ASYNC_CANCEL for it is queued or submitted
  bool waiting_ = false;               ///< a task is suspended for its next completion
};

}  // namespace hs::ch07
