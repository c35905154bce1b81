/// @file
/// What every wait of this chapter's runtime is made of: a suspended task, and why it was woken.
/// A wait may end for several reasons (the socket is readable, its deadline passed, the server is
/// stopping): whichever comes first wakes the task *with that reason*, and the ones after find it
/// woken already and do nothing. That is cancellation as waking with a result (README,
/// "Cancellation is a wake-up"): nothing is thrown, and no second coroutine races the first.
#pragma once

#include <coroutine>
#include <cstdint>

namespace hs::ch06 {

/// Why a waiting task was woken.
enum class Wake : std::uint8_t {
  ready,      ///< what it waited for happened (readable, writable, hung up; or a timer's time came)
  timeout,    ///< its deadline passed first
  cancelled,  ///< the wait was cancelled (Runtime::cancel(), Timer::cancel())
};

/// One suspended task and why it was woken. It lives inside the awaitable the task waits in, so in
/// the task's own frame: waiting allocates nothing.
struct Waiter {
  std::coroutine_handle<> task;  ///< resumed (through the run queue) when it is woken
  Wake why = Wake::ready;        ///< set by the first wake-up
  bool woken = false;            ///< true once woken: later wake-ups do nothing
};

}  // namespace hs::ch06
