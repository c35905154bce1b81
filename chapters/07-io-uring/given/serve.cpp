// How chapter 07's Server runs until it is told to stop (see serve.hpp).
#include "given/ch07/serve.hpp"

#include <exception>

#include "ch06/task.hpp"

namespace hs::ch07 {

namespace {

// Waits until `stop_fd` is readable (a poll on the ring), then stops the server. Cancelled (the
// listener ended by itself), it returns: nothing is left to stop.
ch06::Task<void> stop_when_readable(Ring& ring, Operation& poll, int stop_fd, Server& server,
                                    const std::function<void(int)>& before_stop) {
  ring.poll_readable(poll, stop_fd);
  const Completion done = co_await ring.completion(poll);
  if (done.why == Wake::cancelled) co_return;
  if (before_stop) before_stop(stop_fd);
  server.stop();
}

}  // namespace

void serve(Ring& ring, Server& server, int stop_fd, const std::function<void(int)>& before_stop) {
  Operation poll;
  // The stop's poll is submitted first, so that a listener that ends at once (an error) finds it
  // in flight to cancel. The listener's error is rethrown only once run() has returned: the poll
  // is in flight until its completion, and leaving earlier would destroy it under the kernel.
  ch06::spawn(stop_when_readable(ring, poll, stop_fd, server, before_stop), [](std::exception_ptr thrown) {
    if (thrown) std::rethrow_exception(thrown);
  });
  std::exception_ptr listener_failed;
  ch06::spawn(server.listen(), [&](std::exception_ptr thrown) {
    listener_failed = thrown;
    ring.cancel(poll);  // nothing left to stop: let run() return once the sessions are done
  });
  ring.run();
  if (listener_failed) std::rethrow_exception(listener_failed);
}

}  // namespace hs::ch07
