#pragma once
// The kernel actor's event thread: reads the XFRM event socket (ACQUIRE, EXPIRE, MAPPING) and the
// rtnetlink one (address, link and route changes) without blocking, and hands each event
// to the subscriber (the listener): `kernel_event`, `(net_atom, kind, address)`.
// Private to the kernel actor (actors/kernel.cpp).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>

#include <caf/all.hpp>

#include "actors/interfaces.hpp"
#include "kernel/net_events.hpp"
#include "kernel/xfrm_events.hpp"

namespace coati::actors {

/// Reads the XFRM event socket, and the rtnetlink one (address, link and route changes),
/// on its own thread; events go to the current subscriber. Never blocks on either.
class event_reader {
public:
  /// Starts the thread; either socket may be missing.
  event_reader(std::optional<kernel::xfrm_events> ev, std::optional<kernel::net_events> net);
  event_reader(const event_reader&) = delete;
  event_reader& operator=(const event_reader&) = delete;
  ~event_reader(); ///< stops and joins the thread
  void subscribe(caf::actor a) {
    std::lock_guard lock{mu_};
    sub_ = std::move(a);
  }
  std::atomic<std::int64_t> acquires{0}, expires{0}, errors{0}, net_seen{0}, net_errors{0};
  /// NAT-T mapping events read, and those passed on (one per SA and new source a second:
  /// the kernel reports every packet from the new source until the SA moves).
  std::atomic<std::int64_t> mappings{0}, mappings_passed{0};

private:
  caf::actor subscriber() {
    std::lock_guard lock{mu_};
    return sub_;
  }
  void read_xfrm();
  bool pass_mapping(const kernel::mapping_event& m);
  void read_net();
  void run();
  std::optional<kernel::xfrm_events> ev_;
  std::optional<kernel::net_events> net_;
  int stop_ = -1;
  std::thread thread_;
  std::mutex mu_;
  caf::actor sub_;
  struct last_mapping {
    std::uint32_t spi = 0;
    kernel::ip_address src;
    std::uint16_t sport = 0;
    std::chrono::steady_clock::time_point at;
  } last_mapping_; ///< (the event thread's only)
};

} // namespace coati::actors
