#pragma once
// Peers that move. Private to the listener (listener.cpp).
//
// Our side (a satellite): the kernel actor's event thread reports address, link and route
// changes (rtnetlink). The listener waits until they settle (300 ms without news), then
// checks each initiating peer: when our address it talks from is gone, it ends at once
// without a Delete (none can leave from a gone address; its SAs, generated policies and
// phase1_down go as usual); when the route to its remote now leaves from another address
// of ours, it ends (with a Delete, the old address still works). Either way the keeper
// re-initiates at once, from the new address, with INITIAL-CONTACT as configured. A link
// that goes down ends nothing while the address stays (no route: nothing to compare; the
// SA survives a short outage, DPD decides); when an address, link or route appears, a
// kept address whose re-initiation waits in its back-off is tried at once.
//
// The other side (a hub): INITIAL-CONTACT ends the older ISAKMP SAs of the same address
// (racoon) and also those of the same identity at other addresses (the peer moved): the
// phase-1 ID, and for a peer with XAuth the ID and the XAuth user (roadwarriors share a
// group ID), checked once the user is accepted.
#include <cstdint>
#include <string>

#include "actors/initiate.hpp"
#include "config/address.hpp"

namespace coati::actors {

/// An address, link or route change (kind as kernel::to_string, the address or interface).
void net_changed(listener_actor* self, const std::string& kind, const std::string& what);
/// The network check of generation `gen` (see above).
void net_settled(listener_actor* self, std::uint64_t gen);
/// A peer's phase 1 is up with this ID (`xauth`: XAuth follows).
void peer_identified(listener_actor* self, const std::string& id, bool xauth);
/// A peer's XAuth user was accepted.
void peer_user(listener_actor* self, const std::string& user);
/// A peer got INITIAL-CONTACT from `remote`.
void initial_contact(listener_actor* self, const std::string& remote);
/// Out of by_identity: a peer ends, or its ID or user is about to change.
void forget_identity(listener_state& st, const caf::actor_addr& gone, peer_entry& e);
/// True when `a` is one of this host's addresses now (it can be bound).
bool is_local_address(const config::ip_address& a);

} // namespace coati::actors
