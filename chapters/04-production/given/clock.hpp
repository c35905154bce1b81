/// @file
/// The clock of chapter 04. The rate limiter and the circuit breaker are handed the time
/// (`Clock::time_point now`) instead of reading a clock themselves, so the tests can pass exact
/// instants and never sleep. In the server, the caller reads `Clock::now()` and passes it on.
#pragma once

#include <chrono>

namespace hs::ch04 {

/// The one clock of this chapter: steady (it never jumps when the wall clock is set).
using Clock = std::chrono::steady_clock;

}  // namespace hs::ch04
