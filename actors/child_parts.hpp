#pragma once
// The child actor's steps that more than one of its files use (actors/child.cpp, and
// actors/child_natt.cpp for NAT-T moves). Not for other actors.

#include <cstdint>
#include <string>

#include "actors/child.hpp"

namespace coati::actors {

using child_self = child_api::stateful_pointer<child_state>;

/// Our show-sa rows (in and out), to the peer, which merges its children's.
void report_rows(child_self self);
/// Adds the SAs to the kernel; each one's delete goes on the list for the end.
void install(child_self self);
/// generate_policy (responder): the tunnel's policies from the initiator's IDs.
void generate(child_self self);
/// NAT-T: the quick mode message just handled proved itself; if it came from elsewhere than
/// the peer's endpoint, answer there and tell the peer actor (which moves every child).
void child_authentic(child_self self);
/// NAT-T: the peer talks from (remote, remote_port) to our local_port now (natt: with the
/// non-ESP marker): the SAs and policies follow.
void child_moved(child_self self, const std::string& remote, std::uint16_t remote_port,
                 std::uint16_t local_port, bool natt);

} // namespace coati::actors
