// Exercise 6.3: the hashed timer wheel (README, "Exercise 6.3"). The constructor is given; the
// stubs of cancel(), expire() and next_visit() do the right thing for an empty wheel (so that your
// runtime of exercise 6.2 works before this one is done), and nothing else.
#include "ch06/timer_wheel.hpp"

#include "hs/exercise.hpp"

namespace hs::ch06 {

TimerWheel::TimerWheel(TimePoint start, Duration tick, std::size_t slots)
    : start_{start}, tick_{tick}, slots_{slots}, slot_{std::make_unique<Entry*[]>(slots)} {}

// TODO(ex 6.3): how many whole ticks from start_ to the time (0 for a time before start_).
std::uint64_t TimerWheel::tick_of(TimePoint) const noexcept { return 0; }

// TODO(ex 6.3): link the entry into the slot of the first tick at or after the deadline.
void TimerWheel::arm(Entry&, TimePoint) { exercise_not_done("6.3", "06-runtime"); }

// TODO(ex 6.3): unlink it, in O(1).
void TimerWheel::cancel(Entry& entry) {
  if (entry.armed) exercise_not_done("6.3", "06-runtime");
}

// TODO(ex 6.3): unlink the entries of that tick's slot whose due_tick has come, and push each
// onto the front of `due`; leave those due on a later turn of the wheel.
void TimerWheel::take_due(std::uint64_t, Entry*&) noexcept {}

// TODO(ex 6.3): visit every tick up to now's; return what fell due, earliest first.
TimerWheel::Entry* TimerWheel::expire(TimePoint) {
  if (!empty()) exercise_not_done("6.3", "06-runtime");
  return nullptr;
}

// TODO(ex 6.3): the start of the first tick after now_tick_ whose slot holds an entry.
std::optional<TimePoint> TimerWheel::next_visit() const {
  if (!empty()) exercise_not_done("6.3", "06-runtime");
  return std::nullopt;
}

}  // namespace hs::ch06
