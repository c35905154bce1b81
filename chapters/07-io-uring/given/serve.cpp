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
  ring.readable(poll, stop_fd);
  const Completion done = co_await ring.completion(poll);
  if (done.why == Wake::cancelled) co_return;
  if (before_stop) before_stop(stop_fd);
  server.stop();
}

}  // namespace

void serve(Ring& ring, Server& server, int stop_fd, const std::function<void(int)>& before_stop) {
  Operation poll;
  ch06::spawn(server.listen(), [&](std::exception_ptr thrown) {
    ring.cancel(poll);  // nothing left to stop: let run() return once the sessions are done
    if (thrown) std::rethrow_exception(thrown);
  });
  ch06::spawn(stop_when_readable(ring, poll, stop_fd, server, before_stop), [](std::exception_ptr thrown) {
    if (thrown) std::rethrow_exception(thrown);
  });
  ring.run();
}

}  // namespace hs::ch07
