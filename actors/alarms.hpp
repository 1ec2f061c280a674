#pragma once
// The peers' and children's timers (retransmissions, negotiation limits, lifetimes, DPD,
// NAT-T keepalives) on one thread of coatid's own, instead of CAF's delayed_send.
//
// CAF 0.17's clock wakes its thread for every delayed message it is given, whatever its
// deadline: four to five per negotiation, 16 % of the hub's CPU in a PSK run (perf on
// tools/bench/vs_charon.sh), and each pending message costs a mailbox element and a node
// in the clock's multimap. Here a new alarm wakes the thread only when it is due before
// every pending one; the thread sleeps until the earliest, then sends all that are due.
// An alarm holds a weak reference: an actor that ended gets nothing and is not kept.
// Metrics only in `pending()`; no actor decides anything from it.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include <caf/actor_addr.hpp>
#include <caf/message.hpp>

namespace coati::actors {

class alarm_service {
public:
  alarm_service();
  ~alarm_service(); ///< stops the thread; pending alarms are dropped
  alarm_service(const alarm_service&) = delete;
  alarm_service& operator=(const alarm_service&) = delete;

  /// Sends `msg` to `dest` (no sender) once `delay` has passed, if `dest` still lives.
  /// Any thread.
  void after(caf::timespan delay, caf::actor_addr dest, caf::message msg);

  /// Alarms not yet sent.
  std::size_t pending() const;
  /// Times the thread was woken by a new alarm due before all others (tests, stats).
  std::uint64_t early_wakeups() const;

private:
  using clock = std::chrono::steady_clock;
  struct entry {
    clock::time_point due;
    std::uint64_t seq; ///< equal deadlines go in the order they were set
    caf::actor_addr dest;
    caf::message msg;
  };
  struct later_first {
    bool operator()(const entry& a, const entry& b) const {
      return a.due != b.due ? a.due > b.due : a.seq > b.seq;
    }
  };
  void run();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<entry> heap_; ///< a min-heap on (due, seq)
  std::uint64_t seq_ = 0;
  std::uint64_t early_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

} // namespace coati::actors
