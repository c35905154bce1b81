/// @file
/// Test support: what a sanitizer build changes for a test.
// HS_SANITIZED: defined when this test program is built with AddressSanitizer or ThreadSanitizer.
// They intercept some C library functions themselves (pthread_create(), fork(), operator new), so
// a test that replaces one of them in the test program (symbol interposition) is skipped under
// them. HS_LEAK_CHECKED: defined under AddressSanitizer, whose leak check a test that leaks on
// purpose turns off around that allocation (__lsan::ScopedDisabler, from the header included here).
#pragma once

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define HS_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define HS_SANITIZED 1
#endif
#if defined(__SANITIZE_ADDRESS__)
#define HS_LEAK_CHECKED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HS_LEAK_CHECKED 1
#endif
#endif
#if HS_LEAK_CHECKED
#include <sanitizer/lsan_interface.h>
#endif

namespace hs::testing {

/// How many times longer a test may take in this build: AddressSanitizer slows a test down about
/// 2 to 3 times, ThreadSanitizer 5 to 15. The tests' waits (`generous`) and the learner's test
/// deadline (test_deadline.cpp) are scaled by it.
#if defined(__SANITIZE_THREAD__)
inline constexpr int sanitizer_slowdown = 8;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
inline constexpr int sanitizer_slowdown = 8;
#elif HS_SANITIZED
inline constexpr int sanitizer_slowdown = 3;
#else
inline constexpr int sanitizer_slowdown = 1;
#endif
#elif HS_SANITIZED
inline constexpr int sanitizer_slowdown = 3;
#else
inline constexpr int sanitizer_slowdown = 1;
#endif

}  // namespace hs::testing
