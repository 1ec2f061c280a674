#pragma once
// racoon's `generate_policy`: the responder builds its SPD entries from the quick mode
// IDs the initiator proposed, tunnelled to the initiator's current outer address.

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "ike/payloads.hpp"
#include "kernel/xfrm.hpp"

namespace coati::kernel {

/// One side of a selector taken from a quick mode ID.
struct id_prefix {
  ip_address addr;
  std::uint8_t prefix = 0;
  std::uint8_t proto = 0;
  std::uint16_t port = 0;
};

/// The prefix an ID stands for; nullopt (with `why`) for IDs a Linux selector cannot
/// express: names, DNs, key IDs, ranges that are not one prefix, non-contiguous masks.
std::optional<id_prefix> prefix_of(const ike::id_payload& id, std::string* why = nullptr);

/// What the responder knows when quick mode completes.
struct generated_tunnel {
  ike::id_payload initiator_id; ///< IDci: the initiator's side (remote to us)
  ike::id_payload responder_id; ///< IDcr: our side
  ip_address local_outer;       ///< our IKE address
  ip_address peer_outer;        ///< the initiator's current IKE address
  std::uint32_t reqid = 0;
  bool ipcomp = false; ///< an IPComp SA was negotiated next to ESP
  std::uint32_t priority = 2000;
};

/// The out, in and fwd policies for a generated tunnel (in that order), or an error text.
/// With IPComp the IPComp template comes first, in tunnel mode ("use" level on in/fwd so
/// uncompressed small packets pass), then ESP in transport mode.
std::variant<std::vector<policy_spec>, std::string> generate_policies(const generated_tunnel& t);

} // namespace coati::kernel
