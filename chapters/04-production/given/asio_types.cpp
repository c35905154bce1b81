// The io threads (given): see asio_types.hpp.
#include "given/ch04/asio_types.hpp"

#include <mutex>
#include <thread>
#include <vector>

namespace hs::ch04 {

std::exception_ptr run_on_threads(asio::io_context& io, unsigned threads) {
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto run = [&] {
    try {
      io.run();
    } catch (...) {
      const std::lock_guard lock{failure_mutex};
      if (!failure) failure = std::current_exception();
      io.stop();
    }
  };
  std::vector<std::thread> others;
  for (unsigned i = 1; i < threads; ++i) others.emplace_back(run);
  run();
  for (auto& thread : others) thread.join();
  return failure;
}

}  // namespace hs::ch04
