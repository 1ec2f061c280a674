#include "actors/alarms.hpp"

#include <algorithm>

#include <caf/actor_cast.hpp>
#include <caf/actor_control_block.hpp>
#include <caf/message_id.hpp>

namespace coati::actors {

alarm_service::alarm_service() : thread_([this] { run(); }) {}

alarm_service::~alarm_service() {
  {
    std::lock_guard lock{mu_};
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

alarm_service::token alarm_service::enroll(caf::actor_addr who) {
  std::lock_guard lock{mu_};
  auto t = ++next_;
  actors_.emplace(t, std::move(who));
  return t;
}

void alarm_service::leave(token t) {
  caf::actor_addr gone; // (the weak reference goes outside the lock)
  std::lock_guard lock{mu_};
  if (auto i = actors_.find(t); i != actors_.end()) {
    gone = std::move(i->second);
    actors_.erase(i);
  }
}

void alarm_service::after(caf::timespan delay, token t, maker make, std::uint64_t arg) {
  auto due = clock::now() + std::chrono::duration_cast<clock::duration>(delay);
  bool wake = false;
  {
    std::lock_guard lock{mu_};
    wake = heap_.empty() || due < heap_.front().due;
    heap_.push_back(entry{due, ++seq_, t, make, arg});
    std::push_heap(heap_.begin(), heap_.end(), later_first{});
    if (wake)
      ++early_;
  }
  if (wake)
    cv_.notify_one();
}

std::size_t alarm_service::pending() const {
  std::lock_guard lock{mu_};
  return heap_.size();
}

std::size_t alarm_service::enrolled() const {
  std::lock_guard lock{mu_};
  return actors_.size();
}

std::uint64_t alarm_service::early_wakeups() const {
  std::lock_guard lock{mu_};
  return early_;
}

void alarm_service::run() {
  struct due_alarm {
    caf::actor_addr dest;
    maker make;
    std::uint64_t arg;
  };
  std::vector<due_alarm> due;
  std::unique_lock lock{mu_};
  while (!stop_) {
    if (heap_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto now = clock::now();
    if (auto next = heap_.front().due; next > now) { // (a copy: `after` may move the heap)
      cv_.wait_until(lock, next);
      continue;
    }
    while (!heap_.empty() && heap_.front().due <= now) {
      std::pop_heap(heap_.begin(), heap_.end(), later_first{});
      const auto& e = heap_.back();
      if (auto i = actors_.find(e.who); i != actors_.end()) // else: it left
        due.push_back(due_alarm{i->second, e.make, e.arg});
      heap_.pop_back();
    }
    lock.unlock();
    for (auto& a : due)
      if (auto dest = caf::actor_cast<caf::strong_actor_ptr>(a.dest))
        dest->enqueue(nullptr, caf::make_message_id(), a.make(a.arg), nullptr);
    due.clear(); // (the weak references go outside the lock)
    lock.lock();
  }
}

} // namespace coati::actors
