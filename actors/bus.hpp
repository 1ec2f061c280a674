#pragma once
// The event bus: one actor that hands every event coatid's actors publish to every
// subscriber (plugin actors, README "Plugin actors").
//
//   bus <- (bus_event)                        one event; to every subscriber, in order
//       <- (subscribe_atom, caf::actor)       deliver events to that actor from now on;
//                                             the bus monitors it and forgets it when it ends
//       <- (status_atom) -> counters          bus.* counters
//
// Publishers: peer (phase1_up/down/dead, xauth_ok/fail, lease_granted/released), child
// (sa_up/down), listener (kernel_acquire/expire, admission_drop: the admission summary
// line in `detail`, at most one per 10 s under a flood, never one per dropped packet).
// An event carries addresses, names and SPIs, never keys or passwords.
//
// Counters: bus.published, bus.delivered, bus.subscribers, bus.event.<kind>, and
// messages_handled / handling_ns / mailbox_depth.
//
// Type IDs: block `coati_bus`, 200 IDs after coati's (clear of the auth, pool and ddns
// blocks); load it with `cfg.add_message_types<caf::id_block::coati_bus>()`.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/interfaces.hpp"

namespace coati::actors {

/// One event on the bus. `kind` is one of: phase1_up, phase1_down, phase1_dead, sa_up,
/// sa_down, xauth_ok, xauth_fail, lease_granted, lease_released, kernel_acquire,
/// kernel_expire, kernel_mapping. Fields that do not apply are empty (0 for the SPIs).
struct bus_event {
  std::string kind;
  std::int64_t time_ms = 0;  ///< wall clock, milliseconds since the Unix epoch
  std::string peer;          ///< the peer's address (no port)
  std::string local;         ///< our address
  std::string user;          ///< the XAuth user
  std::string lease;         ///< the Mode Config address
  std::string id;            ///< the peer's phase-1 identity
  std::uint32_t spi_in = 0;  ///< sa_*: inbound SPI; kernel_expire/_mapping: the SPI
  std::uint32_t spi_out = 0; ///< sa_*: outbound SPI
  std::string detail;        ///< a short note: why (xauth_fail), the selector (acquire)...
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, bus_event& x) {
  return f(caf::meta::type_name("bus_event"), x.kind, x.time_ms, x.peer, x.local, x.user, x.lease,
           x.id, x.spi_in, x.spi_out, x.detail);
}

/// A new event of `kind` between `local` and `peer`, stamped now.
inline bus_event make_event(std::string kind, std::string peer, std::string local) {
  bus_event e;
  e.kind = std::move(kind);
  e.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  e.peer = std::move(peer);
  e.local = std::move(local);
  return e;
}

/// Every plugin with its state, one row each ("NAME STATE restarts=N ...").
struct plugin_rows {
  std::vector<std::string> rows;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, plugin_rows& x) {
  return f(caf::meta::type_name("plugin_rows"), x.rows);
}

} // namespace coati::actors

CAF_BEGIN_TYPE_ID_BLOCK(coati_bus, caf::id_block::coati::end + 200)
CAF_ADD_TYPE_ID(coati_bus, (coati::actors::bus_event))
CAF_ADD_TYPE_ID(coati_bus, (coati::actors::plugin_rows))
CAF_ADD_ATOM(coati_bus, coati::actors, plugins_atom, "plugins")
CAF_END_TYPE_ID_BLOCK(coati_bus)

namespace coati::actors {

/// The event bus (actors/bus.hpp).
using bus_api = caf::typed_actor<
    /// One event: to every subscriber.
    caf::reacts_to<bus_event>,
    /// Deliver events to that actor from now on (it must handle bus_event).
    caf::reacts_to<subscribe_atom, caf::actor>,
    /// bus.* counters.
    caf::replies_to<status_atom>::with<counters>>;

/// Sends `e` to the bus, if there is one.
inline void publish(const bus_api& bus, bus_event e) {
  if (bus)
    caf::anon_send(bus, std::move(e));
}

/// An ACQUIRE, EXPIRE or MAPPING from the kernel, as kernel_acquire / kernel_expire /
/// kernel_mapping (NAT-T: ESP in UDP from a new source; peer: the new address, detail:
/// "old:port -> new:port") on the bus.
void publish_kernel_event(const bus_api& bus, const kernel_event& ke);

/// The bus's state: its subscribers and counts.
struct bus_state {
  static inline const char* name = "bus";
  std::vector<caf::actor> subscribers;
  std::map<std::string, std::int64_t> counts;
  handler_clock clock{name};
};

/// Spawned by the daemon. `unused` exists because CAF 0.17's spawn of a function-based
/// actor without arguments binds a null argument pack (UBSan reports it).
bus_api::behavior_type bus_actor(bus_api::stateful_pointer<bus_state> self, int unused);

} // namespace coati::actors
