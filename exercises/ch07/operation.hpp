/// @file
/// The two kinds of submission a task waits for: an Operation (one submission, one completion: a
/// receive, a send, a poll) and a Stream (one multishot submission, many completions: the accept).
/// Each lives in its task's frame, and each has the awaitable that waits for its next completion.
#pragma once

#include <coroutine>
#include <cstddef>
#include <vector>

#include "ch07/completion.hpp"

namespace hs::ch07 {

/// One operation at a time, from Ring::receive() (or send(), poll_readable()) until its completion.
/// A task awaits ring.completion(op) after each submission, even after a deadline: cancelling is
/// asking the kernel, and only the completion says it is over.
class Operation final : public Completable {
 public:
  Operation() = default;

  /// The awaitable Ring::completion() returns: until the last submission's completion.
  class Wait {
   public:
    /// True (no suspension) when the operation completed already.
    bool await_ready() const noexcept { return !op_.in_flight(); }
    /// Registers `task` as the one the completion wakes.
    void await_suspend(std::coroutine_handle<> task) noexcept { op_.suspend(task); }
    /// What the completion said.
    Completion await_resume() const noexcept { return op_.done_; }

   private:
    friend class Ring;
    explicit Wait(Operation& op) noexcept : op_{op} {}
    Operation& op_;
  };

 private:
  void keep(const Completion& done) override { done_ = done; }

  Completion done_;  ///< what the last completion said
};

/// A multishot operation (accept): one submission, many completions, until one comes without
/// IORING_CQE_F_MORE. The completions that arrive while no task waits queue up here.
class Stream final : public Completable {
 public:
  Stream() = default;

  /// Submitted, and its last completion not seen yet.
  bool active() const noexcept { return in_flight(); }
  /// Completions seen but not taken yet (next() does not suspend). A stream that is no longer
  /// active() may still hold some: its last completion was seen before the ones before it were
  /// taken.
  bool has_queued() const noexcept { return next_ < queued_.size(); }

  /// The awaitable Ring::next() returns: the oldest completion not taken. Only while the stream
  /// is active() or has some queued (asserted in a debug build: else nothing would ever wake it).
  class Wait {
   public:
    /// True when a completion is queued already.
    bool await_ready() const noexcept { return stream_.has_queued(); }
    /// Registers `task` as the one the next completion wakes.
    void await_suspend(std::coroutine_handle<> task) noexcept {
      assert(stream_.active() && "waiting for a stream that has ended: nothing will wake the task");
      stream_.suspend(task);
    }
    /// The oldest completion not taken (its flags lack IORING_CQE_F_MORE if it was the last).
    Completion await_resume() noexcept { return stream_.take(); }

   private:
    friend class Ring;
    explicit Wait(Stream& stream) noexcept : stream_{stream} {}
    Stream& stream_;
  };

 private:
  void keep(const Completion& done) override { queued_.push_back(done); }
  /// The oldest completion queued, taken.
  Completion take() noexcept {
    Completion done = queued_[next_++];
    if (next_ == queued_.size()) {  // all taken: start again at the front
      queued_.clear();
      next_ = 0;
    }
    return done;
  }

  std::vector<Completion> queued_;  ///< completions not taken yet, oldest first
  std::size_t next_ = 0;            ///< the first of queued_ not taken
};

}  // namespace hs::ch07
