// Exercise 6.3 (reference): the hashed timer wheel.
#include "ch06/timer_wheel.hpp"

#include <algorithm>

namespace hs::ch06 {

TimerWheel::TimerWheel(TimePoint start, Duration tick, std::size_t slots)
    : start_{start}, tick_{tick}, slots_{slots}, slot_{std::make_unique<Entry*[]>(slots)} {}

std::uint64_t TimerWheel::tick_of(TimePoint t) const noexcept {
  return t <= start_ ? 0 : static_cast<std::uint64_t>((t - start_) / tick_);
}

void TimerWheel::arm(Entry& entry, TimePoint deadline) {
  cancel(entry);
  // The first tick whose start is at or after the deadline: never early. And never the tick
  // visited already (the next visit is of now_tick_ + 1).
  std::uint64_t due = tick_of(deadline);
  if (start_ + static_cast<Duration::rep>(due) * tick_ < deadline) ++due;
  entry.due_tick = std::max(due, now_tick_ + 1);
  Entry*& head = slot_[entry.due_tick % slots_];
  entry.prev = nullptr;
  entry.next = head;
  if (head != nullptr) head->prev = &entry;
  head = &entry;
  entry.armed = true;
  ++size_;
}

void TimerWheel::cancel(Entry& entry) {
  if (!entry.armed) return;
  if (entry.prev != nullptr) {
    entry.prev->next = entry.next;
  } else {
    slot_[entry.due_tick % slots_] = entry.next;
  }
  if (entry.next != nullptr) entry.next->prev = entry.prev;
  entry.prev = entry.next = nullptr;
  entry.armed = false;
  --size_;
}

void TimerWheel::take_due(std::uint64_t tick, Entry*& due) noexcept {
  for (Entry* e = slot_[tick % slots_]; e != nullptr;) {
    Entry* next = e->next;
    if (e->due_tick <= tick) {  // others in this slot are due on a later turn of the wheel
      cancel(*e);
      e->next = due;
      due = e;
    }
    e = next;
  }
}

TimerWheel::Entry* TimerWheel::expire(TimePoint now) {
  const std::uint64_t target = tick_of(now);
  Entry* due = nullptr;
  // Visit each tick up to now's. A jump longer than a turn visits each slot once, at its last
  // tick before `target` (every entry due by then is in the slot it visits).
  std::uint64_t tick = std::max(now_tick_, target > slots_ ? target - slots_ : 0);
  while (tick < target && size_ > 0) take_due(++tick, due);
  now_tick_ = std::max(now_tick_, target);
  Entry* in_order = nullptr;  // take_due() pushed each in front: turn the list round, earliest first
  while (due != nullptr) {
    Entry* next = due->next;
    due->next = in_order;
    in_order = due;
    due = next;
  }
  return in_order;
}

std::optional<TimePoint> TimerWheel::next_visit() const {
  if (size_ == 0) return std::nullopt;
  for (std::uint64_t tick = now_tick_ + 1;; ++tick) {  // an armed entry is in one of the next `slots_` ticks' slots
    if (slot_[tick % slots_] != nullptr) return start_ + static_cast<Duration::rep>(tick) * tick_;
  }
}

}  // namespace hs::ch06
