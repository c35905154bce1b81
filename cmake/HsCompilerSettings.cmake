# Compiler settings every Handshake target shares, gathered in one INTERFACE target: hs::defaults.
# Warnings are strict and fatal (as in CS144), sanitizers come from HS_SANITIZE (set by the presets),
# and standalone Asio is configured here once for the whole tree.

add_library(hs_defaults INTERFACE)
add_library(hs::defaults ALIAS hs_defaults)
target_compile_features(hs_defaults INTERFACE cxx_std_20)
target_compile_options(hs_defaults INTERFACE -Wall -Wextra -Wpedantic -Wshadow $<$<BOOL:${HS_WERROR}>:-Werror>)
# Symmetric transfer between coroutines (chapter 06's Task) is a tail call. clang makes it at every
# level of optimisation; g++ 12 only with sibling-call optimisation, which -O2 turns on: without it a
# loop of tasks that complete at once grows the stack until it overflows. For every target, not only
# chapter 06's: the precompiled headers are shared, and must be built with the same options.
target_compile_options(hs_defaults INTERFACE $<$<CXX_COMPILER_ID:GNU>:-foptimize-sibling-calls>)

# Learner libraries only: a stub (or a half-done exercise) has members it does not use yet, which
# clang would refuse. Linked after hs::defaults so that this comes after -Wall.
add_library(hs_exercise_code INTERFACE)
add_library(hs::exercise_code ALIAS hs_exercise_code)
target_compile_options(hs_exercise_code INTERFACE $<$<CXX_COMPILER_ID:Clang>:-Wno-unused-private-field>)

# Standalone Asio (Debian's libasio-dev, header-only): no Boost, no deprecated names.
find_path(HS_ASIO_INCLUDE_DIR asio.hpp REQUIRED
  DOC "Standalone Asio headers (Debian: libasio-dev)")
add_library(hs_asio INTERFACE)
add_library(hs::asio ALIAS hs_asio)
target_include_directories(hs_asio SYSTEM INTERFACE "${HS_ASIO_INCLUDE_DIR}")
# ASIO_DISABLE_STD_ALIGNED_ALLOC: Asio 1.22 decides between aligned_alloc()/free() and operator
# new/delete by whether a standard header came before its own, so two files could disagree and free
# with the wrong one (ASan: alloc-dealloc-mismatch). One choice for every file.
target_compile_definitions(hs_asio INTERFACE ASIO_STANDALONE ASIO_NO_DEPRECATED ASIO_DISABLE_STD_ALIGNED_ALLOC)
target_link_libraries(hs_asio INTERFACE Threads::Threads)
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  # Asio 1.22 only detects coroutine support on g++; clang 14 has it with -std=c++20.
  target_compile_definitions(hs_asio INTERFACE ASIO_HAS_CO_AWAIT=1)
endif()

if(HS_SANITIZE)
  set(_hs_san_flags -fsanitize=${HS_SANITIZE} -fno-omit-frame-pointer)
  if(HS_SANITIZE MATCHES "undefined")
    list(APPEND _hs_san_flags -fno-sanitize-recover=all)   # UB fails the test, not just prints
    # Not the vptr check: it needs a pipe() to probe memory, and reports a false error when the
    # process is out of file descriptors, which the EMFILE back-off tests do on purpose.
    list(APPEND _hs_san_flags -fno-sanitize=vptr)
    if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
      # Not the function-type check on clang 14 either: on a coroutine it emits data the assembler
      # refuses ("Cannot represent a difference across sections").
      list(APPEND _hs_san_flags -fno-sanitize=function)
    endif()
  endif()
  if(HS_SANITIZE MATCHES "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    list(APPEND _hs_san_flags -Wno-tsan)   # g++ warns about Asio's atomic_thread_fence under TSan
  endif()
  add_compile_options(${_hs_san_flags})
  add_link_options(${_hs_san_flags})
endif()
