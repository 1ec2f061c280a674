#pragma once
// NAT traversal in the peer actor: the effects ike::session decides (ike/natt.hpp) carried
// out. The float to port 4500, following a peer whose NAT mapping changed (its children
// move their SAs and policies), and keepalives from the side behind the NAT.
//
//   session --natt_float_effect--> peer: ends on port 4500, non-ESP marker from now on
//   session --peer_moved_effect--> peer --(moved_atom, addr, port, our port, natt)--> child
//   child --(moved_atom, datagram)--> peer: a quick mode message it verified came from
//     elsewhere: session::quick_mode_moved() decides as for an informational
//   peer --(keepalive_atom, gen)--> peer --outgoing 0xFF (no marker, port 4500)--> udp_sender

#include <cstdint>

#include "actors/peer.hpp"
#include "ike/natt.hpp"

namespace coati::actors {

/// The NAT-T part of a phase-1 policy: `nat_traversal` and the endpoints NAT-D hashes.
ike::natt_config natt_config_for(const config::remote_block& r, const peer_endpoints& e);

/// Records where `d` came from (st.arrival); true when that is not the peer's endpoint as
/// we know it (another address or port, or another port of ours).
bool arrived_from(peer_state& st, const datagram& d);

/// natt_float_effect: talk on port 4500, to the peer's port 4500, with the marker.
void natt_float(peer_self self);

/// peer_moved_effect: the peer is where the datagram being handled came from; its
/// children follow. (The caller reports the new show-sa row.)
void natt_follow(peer_self self);

/// Phase 1 is up: keepalives every `natt_keepalive` when we are behind a NAT, and a notice
/// when no DPD probe of ours would show the peer a new NAT mapping.
void natt_start_keepalives(peer_self self);

/// The keepalive timer of generation `gen`.
void natt_keepalive(peer_self self, std::uint64_t gen);

} // namespace coati::actors
