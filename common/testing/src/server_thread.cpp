// A server loop in a background thread, for tests (see hs/testing/server_thread.hpp).
#include "hs/testing/server_thread.hpp"

#include "hs/server_log.hpp"

#include <chrono>
#include <stdexcept>

namespace hs::testing {

ServerThread::ServerThread(Loop loop)
    : listener_{listen_tcp("127.0.0.1", 0)},
      port_{local_endpoint(listener_.get()).port},
      loop_{std::move(loop)},
      thread_{[this] {
        try {
          loop_(listener_.get(), stop_.fd());
        } catch (...) {
          error_ = std::current_exception();
          listener_.reset();  // clients are refused at once instead of waiting
        }
        returned_ = true;
      }} {}

ServerThread::~ServerThread() { stop(); }

void ServerThread::stop() {
  request_stop();
  if (thread_.joinable()) thread_.join();
}

std::string ServerThread::error() const {
  if (!returned_ || !error_) return {};
  return message_of(error_);
}

bool ServerThread::eventually(const std::function<bool()>& condition, Duration timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (returned_ || std::chrono::steady_clock::now() > deadline) return condition();
    std::this_thread::sleep_for(std::chrono::milliseconds{1});  // polling for a condition, with a deadline
  }
  return true;
}

}  // namespace hs::testing
