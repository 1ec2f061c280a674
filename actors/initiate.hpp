#pragma once
// The listener's side that starts peers: a responder for a first phase-1 message, an
// initiator for vpn-connect or an ACQUIRE, and the keeper's re-initiations (keeper.hpp).
// Private to the listener (listener.cpp).
#include <cstdint>
#include <string>

#include "actors/listener.hpp"
#include "actors/peer.hpp"

namespace coati::actors {

using listener_actor = listener_api::stateful_base<listener_state>;

/// A fresh initiator cookie no live peer uses.
ike::cookie fresh_cookie(const listener_state& st);
/// The newest peers of an address (but `gone`): established, and still negotiating;
/// a null address where there is none.
struct newest_of {
  caf::actor_addr up, negotiating;
};
newest_of newest_peers(const listener_state& st, const std::string& remote,
                       const caf::actor_addr& gone);
/// A half-open responder's ISAKMP SA came up, or it ended or was evicted: out of the
/// admission counts (idempotent).
void half_open_done(listener_state& st, peer_entry& e);
/// Spawns a peer (monitored) and files it by cookie, address and handle.
void start_peer(listener_actor* self, peer_args pa, const ike::cookie& icookie);
/// vpn-connect ADDRESS (or an ACQUIRE towards it): starts an initiating phase 1 unless
/// one is under way; "ok: ..." or "error: ...". The keeper keeps the address from now on.
std::string connect(listener_actor* self, const std::string& address,
                    const kernel::acquire_event* acquire = nullptr);
/// An ACQUIRE: to the newest peer of its destination (an established one first), or a
/// fresh phase 1 when there is none.
void route_acquire(listener_actor* self, const kernel::acquire_event& acq, const kernel_event& ke);
/// NAT-T: a MAPPING (ESP in UDP from a new source) to the peers at the SA's old address;
/// the child owning the inbound SA follows it.
void route_mapping(listener_actor* self, const kernel::mapping_event& m, const kernel_event& ke);
/// Phase-1 rekey: the sending peer wants a successor with `address` (actors/rekey.hpp).
void start_rekey(listener_actor* self, const std::string& address);
/// An ending ISAKMP SA's children: to the newest established peer of their address, or end.
void route_handover(listener_actor* self, handover h);
/// A peer of `remote` came up, or ended (`gone`): children parked for it move on.
void handover_check(listener_actor* self, const std::string& remote, const caf::actor_addr& gone);
/// A peer ended (before the listener forgets it): when it was the last one of a kept
/// address, the keeper schedules a re-initiation.
void keeper_peer_ended(listener_actor* self, const caf::actor_addr& gone, const peer_entry& e);
/// The keeper's retry timer for `remote`.
void keeper_tick(listener_actor* self, const std::string& remote, std::uint64_t gen);

} // namespace coati::actors
