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

void alarm_service::after(caf::timespan delay, caf::actor_addr dest, caf::message msg) {
  auto due = clock::now() + std::chrono::duration_cast<clock::duration>(delay);
  bool wake = false;
  {
    std::lock_guard lock{mu_};
    wake = heap_.empty() || due < heap_.front().due;
    heap_.push_back(entry{due, ++seq_, std::move(dest), std::move(msg)});
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

std::uint64_t alarm_service::early_wakeups() const {
  std::lock_guard lock{mu_};
  return early_;
}

void alarm_service::run() {
  std::vector<entry> due;
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
      due.push_back(std::move(heap_.back()));
      heap_.pop_back();
    }
    lock.unlock();
    for (auto& e : due)
      if (auto dest = caf::actor_cast<caf::strong_actor_ptr>(e.dest))
        dest->enqueue(nullptr, caf::make_message_id(), std::move(e.msg), nullptr);
    due.clear(); // (the weak references and messages go outside the lock)
    lock.lock();
  }
}

} // namespace coati::actors
