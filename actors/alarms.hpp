#pragma once
// The peers' and children's timers (retransmissions, negotiation limits, lifetimes, DPD,
// NAT-T keepalives) on one thread of coatid's own, instead of CAF's delayed_send.
//
// CAF 0.17's clock wakes its thread for every delayed message it is given, whatever its
// deadline: four to five per negotiation, 16 % of the hub's CPU in a PSK run (perf on
// tools/bench/vs_charon.sh), and each pending message costs a mailbox element and a node
// in the clock's multimap. Here a new alarm wakes the thread only when it is due before
// every pending one; the thread sleeps until the earliest, then sends all that are due.
//
// An alarm is 40 bytes: its deadline, its actor's token and one number; the message (a
// timer atom and that number) is made when it is due. An actor enrols once (alarm_slot,
// in its state) and leaves when its state ends: its pending alarms are then dropped when
// due, and the service holds no reference to it meanwhile, so an ended peer's memory goes
// at once, not when its hour-long lifetime alarm would have come.
// Metrics only in `pending()` and `enrolled()`; no actor decides anything from them.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <caf/actor_addr.hpp>
#include <caf/actor_cast.hpp>
#include <caf/message.hpp>

namespace coati::actors {

class alarm_service {
public:
  /// Makes the message an alarm sends from its number, when it is due.
  using maker = caf::message (*)(std::uint64_t);
  /// An enrolled actor (never 0).
  using token = std::uint64_t;

  alarm_service();
  ~alarm_service(); ///< stops the thread; pending alarms are dropped
  alarm_service(const alarm_service&) = delete;
  alarm_service& operator=(const alarm_service&) = delete;

  /// `who`'s alarms go under the returned token, until `leave`. Any thread.
  token enroll(caf::actor_addr who);
  /// The actor of `t` ends: none of its alarms is sent, and it is no longer referenced.
  void leave(token t);
  /// Sends `make(arg)` (no sender) to the actor of `t` once `delay` has passed, unless it
  /// left or ended by then. Any thread.
  void after(caf::timespan delay, token t, maker make, std::uint64_t arg);

  /// Alarms not yet due (those of actors that left count until they are due).
  std::size_t pending() const;
  /// Actors enrolled and not gone.
  std::size_t enrolled() const;
  /// Times the thread was woken by a new alarm due before all others (tests, stats).
  std::uint64_t early_wakeups() const;

private:
  using clock = std::chrono::steady_clock;
  struct entry {
    clock::time_point due;
    std::uint64_t seq; ///< equal deadlines go in the order they were set
    token who;
    maker make;
    std::uint64_t arg;
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
  std::unordered_map<token, caf::actor_addr> actors_;
  token next_ = 0;
  std::uint64_t seq_ = 0;
  std::uint64_t early_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

/// The message of a timer: `Atom` and one number.
template <class Atom, class Arg>
caf::message timer_message(std::uint64_t arg) {
  return caf::make_message(Atom{}, static_cast<Arg>(arg));
}

/// An actor's enrolment with the alarm service, held in its state: enrolled at its first
/// alarm, gone with the state (its pending alarms with it).
class alarm_slot {
public:
  alarm_slot() = default;
  ~alarm_slot() {
    if (svc_)
      svc_->leave(token_);
  }
  alarm_slot(const alarm_slot&) = delete;
  alarm_slot& operator=(const alarm_slot&) = delete;

  /// Sends `self` `make(arg)` after `delay` on `svc` (its address taken once, to enrol).
  template <class Self>
  void after(const std::shared_ptr<alarm_service>& svc, Self* self, caf::timespan delay,
             alarm_service::maker make, std::uint64_t arg) {
    if (!svc_) {
      svc_ = svc;
      token_ = svc_->enroll(caf::actor_cast<caf::actor_addr>(self));
    }
    svc_->after(delay, token_, make, arg);
  }

private:
  std::shared_ptr<alarm_service> svc_;
  alarm_service::token token_ = 0;
};

} // namespace coati::actors
