#pragma once
// The child actor's steps that more than one of its files use (actors/child.cpp, the
// kernel side in actors/child_kernel.cpp, and actors/child_natt.cpp for NAT-T moves). Not
// for other actors.

#include <cstdint>
#include <string>

#include "actors/child.hpp"

namespace coati::actors {

/// An SPI as racoon prints it: 0x%08x.
std::string hex32(std::uint32_t v);
/// Counts `what` in the figures for children (through the peer's link).
void count(child_self self, std::string what);
/// The entry of `list` for the same SA as `sa` (SPI and protocol), or the list's end.
std::vector<kernel_cmd::delete_sa>::iterator find_sa(std::vector<kernel_cmd::delete_sa>& list,
                                                     const kernel_cmd::delete_sa& sa);
/// Lists `sa` for removal when this child ends, once (an inbound SPI is listed when
/// reserved and again when installed).
void remove_at_end(child_state& st, const kernel_cmd::delete_sa& sa);
/// Our show-sa rows (in and out), for the peer, which merges its children's.
std::vector<std::string> esp_rows(const child_state& st);
/// Adds the SAs to the kernel; each one's delete goes on the list for the end. `moved`: the
/// deletes of SAs installed before the peer moved (those of the same SPI are moved instead).
void install(child_self self, std::vector<kernel_cmd::delete_sa> moved = {});
/// generate_policy (responder): the tunnel's policies from the initiator's IDs.
void generate(child_self self);
/// NAT-T: the quick mode message just handled proved itself; if it came from elsewhere than
/// the peer's endpoint, answer there and tell the peer actor (which moves every child).
void child_authentic(child_self self, const char* what = "message");
/// NAT-T (XFRM_MSG_MAPPING): an ESP packet of our inbound SA, integrity and replay checked by
/// the kernel, came from a new address or port: follow it as an authenticated message.
void child_mapped(child_self self, const kernel::mapping_event& m);
/// NAT-T: the peer talks from (remote, remote_port) to our local_port now (natt: with the
/// non-ESP marker): the SAs and policies follow.
void child_moved(child_self self, const std::string& remote, std::uint16_t remote_port,
                 std::uint16_t local_port, bool natt);

} // namespace coati::actors
