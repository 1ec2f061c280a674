#pragma once
// Phase-1 rekey: a new ISAKMP SA replaces the old one before it expires, and the old
// one's children (their kernel SAs and policies) live on under the new one.
//
// Initiator (racoon's `rekey on`: at 80-85 % of the lifetime, when children are alive;
// `rekey force`: always):
//   old peer --(rekey_atom) self at the soft point
//   old peer --(rekey_atom, address)--> listener: a new initiating peer (new cookies, no
//     INITIAL-CONTACT, no quick mode) with the old one as its predecessor
//   new peer, established --(rekey_atom, new peer)--> old peer
//   old peer --handover (its children)--> new peer; the old peer ends at once (Delete
//     for the old cookies only: the children are no longer its own)
// Either side, an ISAKMP SA deleted by the peer or expired with children alive:
//   peer --handover--> listener --> the newest established peer of that address (it
//   adopts them only when its peer ID and XAuth user are the same; otherwise, or with no
//   such peer, the children end as before)
// Adopting: new peer --adoption (peer, phase-1 SA, link, message ID)--> each child.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/child.hpp"
#include "actors/interfaces.hpp"
#include "actors/link.hpp"
#include "actors/peer.hpp"

namespace coati::actors {

/// One child moving to a new peer actor.
struct adopted_child {
  child_api child;
  std::uint32_t message_id = 0;
  const config::sainfo_block* sainfo = nullptr; ///< initiator: what it rekeys with (in snap)
  snapshot snap;                                ///< keeps `sainfo` alive
};

struct handover_data {
  std::string remote;     ///< the peer's address
  std::string peer_id;    ///< the authenticated ID of the ending ISAKMP SA
  std::string xauth_user; ///< and its XAuth user (roadwarriors behind one NAT share an ID)
  std::vector<adopted_child> children;
  bool remote_deleted = false; ///< the peer deleted the ISAKMP SA: unadopted, no Delete back
};

struct adoption_data {
  peer_api peer;
  std::shared_ptr<const phase1_shared> p1;
  peer_link link;
  std::uint32_t message_id = 0;
};

/// Phase 1 is up: as initiator, the rekey timer (soft point with jitter) per `rekey`;
/// as a successor, tell the predecessor to hand over.
void rekey_phase1_up(peer_self self, std::chrono::seconds lifetime);
/// The soft point: ask the listener for a successor (when there is something to keep).
void rekey_soft(peer_self self);
/// Our successor is established: hand our children over to it, then end.
void rekey_succeeded(peer_self self, const caf::actor& successor);
/// Ending (deleted by the peer, expired): offer the children to a successor through the
/// listener instead of ending them.
void release_children(peer_self self);
/// Adopt the children of our predecessor (same peer ID), or end them.
void adopt_children(peer_self self, const handover& h);

/// Child side: a new peer carries it.
void child_adopted(child_self self, const adoption& a);

} // namespace coati::actors
