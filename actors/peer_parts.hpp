#pragma once
// The peer actor's steps that more than one of its files use: actors/peer.cpp (the
// behavior, datagrams in, fragments) and actors/peer_effects.cpp (what ike::session
// decides, carried out). Not for other actors.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/peer.hpp"
#include "ike/session.hpp"

namespace coati::actors {

/// The timers block of this peer's configuration snapshot.
const config::timer_block& timers(const peer_state& st);
/// An event of `kind` for the bus, about this peer (its identity, user and lease as known).
bus_event peer_event(const peer_state& st, std::string kind);
/// Counts `what` in the listener's figures for peers.
void count(peer_self self, std::string what);
/// Our ISAKMP SA's show-sa row.
std::string isakmp_row(const peer_state& st);
/// racoon's hook environment for this peer's scripts.
std::vector<std::string> script_env(const peer_state& st);
/// A child for quick mode `mid`: responder with its first message, else initiator of
/// `sainfo`.
void spawn_child(peer_self self, std::uint32_t mid, std::optional<ike::bytes> first,
                 const config::sainfo_block* sainfo);
/// A quick-mode message ID none of our children has.
std::uint32_t fresh_message_id(const peer_state& st);
/// Initiator: quick mode for each sainfo we can propose (or the one covering an ACQUIRE).
void start_children(peer_self self);
/// Arms the DPD timer for the session's next due time (a new generation).
void arm_dpd(peer_self self);
/// Performs what the session decided, in order. False when the actor has ended.
bool perform(peer_self self, ike::effects fx);

} // namespace coati::actors
