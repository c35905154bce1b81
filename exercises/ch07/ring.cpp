// Exercise 7.1: the queue and the provided buffers' group, the submissions and the turn (README,
// "Exercise 7.1"). The rest of the Ring is given: chapters/07-io-uring/given/operations.cpp and
// given/buffers.cpp.
#include "ch07/ring.hpp"

#include "hs/exercise.hpp"

namespace hs::ch07 {

// TODO(ex 7.1): io_uring_queue_init_params() with IORING_SETUP_COOP_TASKRUN (without it if the
// kernel says -EINVAL); fail(error, "io_uring_queue_init") if refused.
Queue::Queue(unsigned) { exercise_not_done("7.1", "07-io-uring"); }

// TODO(ex 7.1): give back what the constructor took: io_uring_queue_exit().
Queue::~Queue() = default;

// TODO(ex 7.1): register the buffer ring as group `id` (io_uring_register_buf_ring), then add
// every buffer with its id and advance the ring by all of them.
BufferGroup::BufferGroup(Queue& queue, Buffers&, std::uint16_t id) : queue_{queue}, id_{id} {
  exercise_not_done("7.1", "07-io-uring");
}

// TODO(ex 7.1): give back what the constructor took: io_uring_unregister_buf_ring().
BufferGroup::~BufferGroup() = default;

// TODO(ex 7.1): a recv with no buffer of its own: IOSQE_BUFFER_SELECT from buffer_group_id.
void Ring::receive(Operation&, int, TimePoint) { exercise_not_done("7.1", "07-io-uring"); }

// TODO(ex 7.1): a send that never raises SIGPIPE.
void Ring::send(Operation&, int, std::span<const char>, TimePoint) { exercise_not_done("7.1", "07-io-uring"); }

// TODO(ex 7.1): nothing if the target is not in flight or is being cancelled already; else take
// a slot() first, io_uring_prep_cancel() for the target with a null user_data (its own completion
// goes to no one), then mark_cancelling(target, why).
void Ring::cancel(Completable&, Wake) { exercise_not_done("7.1", "07-io-uring"); }

// TODO(ex 7.1): put the completion's buffer back into the buffer ring.
void Ring::give_back(const Completion&) noexcept {}

// TODO(ex 7.1): io_uring_for_each_cqe(): hand each completion with a user_data to complete(),
// counting it in stats_.completions (and stats_.no_buffers for -ENOBUFS); skip the null ones (a
// cancel's, a close's); io_uring_cq_advance() by all seen. True if there were any.
bool Ring::reap() { exercise_not_done("7.1", "07-io-uring"); }

// TODO(ex 7.1): wait only with MayBlock::yes and when something can come (an operation in flight,
// or next_timer() not max()); enter() once, with that wait and next_timer() as its limit; -ETIME,
// -EINTR, -EBUSY, -EAGAIN are no failure, any other is fail(); reap(); then cancel(...,
// Wake::timeout) each entry deadlines_.expire() gives. True if it reaped or cancelled something.
bool Ring::turn(MayBlock) { exercise_not_done("7.1", "07-io-uring"); }

// TODO(ex 7.1): until finished(): runtime_.turn(MayBlock::no), then the ring's turn, blocking only
// when no task is ready (runtime_.has_ready()); then enter() to submit what is still queued (the
// last closes).
void Ring::run() { exercise_not_done("7.1", "07-io-uring"); }

// TODO(ex 7.1): turns of both, without blocking, until neither does anything.
void Ring::poll() { exercise_not_done("7.1", "07-io-uring"); }

}  // namespace hs::ch07
