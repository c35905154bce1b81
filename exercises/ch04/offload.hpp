/// @file
/// Exercise 4.1: the offload helper. A blocking call (a sleep, a disk read, a library that only
/// knows how to block) or a long computation must not run on an io thread: every connection that
/// thread serves would wait for it. offload() runs it on a thread pool and resumes the calling
/// coroutine on its own strand once it has finished; the io thread serves others meanwhile.
#pragma once

#include <functional>

#include <asio/thread_pool.hpp>

#include "given/ch04/asio_types.hpp"

namespace hs::ch04 {

/// Runs `job` on one of `pool`'s threads, and resumes the caller on its own executor (its strand)
/// when the job has returned. What `job` throws is rethrown here, in the caller. The io thread is
/// free while the job runs: that is the point.
///
/// A job cannot be interrupted: if the caller is cancelled meanwhile (a deadline), offload() still
/// returns only once the job has finished, so the job may safely use the caller's variables.
Awaitable<void> offload(asio::thread_pool& pool, std::function<void()> job);

}  // namespace hs::ch04
