#pragma once
// Phase-1 SA negotiation (RFC 2409 §5, racoon's proposal_check): building the initiator's
// SA payload from local offers, and the responder's choice of one received transform.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "ike/payloads.hpp"

namespace coati::ike {

/// One acceptable phase-1 transform, in wire numbers (ike_attr::enc_*, hash_*, auth_*,
/// group_*). `auth` is the value as it appears on the wire, e.g. auth_hybrid_rsa_i for a
/// hub that is a hybrid_rsa_server.
struct phase1_offer {
  std::uint16_t enc = ike_attr::enc_3des;
  std::uint16_t key_bits = 0; ///< 0: the cipher has a fixed key size (AES sends 128 then)
  std::uint16_t hash = ike_attr::hash_sha1;
  std::uint16_t auth = ike_attr::auth_rsa_sig;
  std::uint16_t group = ike_attr::group_modp1024;
  std::uint32_t lifetime = 28800; ///< seconds
  friend bool operator==(const phase1_offer&, const phase1_offer&) = default;
};

/// racoon's `proposal_check`: how the responder treats the initiator's lifetime and key
/// length.
enum class proposal_check : std::uint8_t {
  obey,   ///< take the initiator's values
  strict, ///< take the initiator's when not longer than ours, else refuse
  claim,  ///< like strict, but use ours (and say so: RESPONDER-LIFETIME) when shorter
  exact,  ///< must be equal
};

/// The initiator's SA payload: one ISAKMP proposal, one transform per offer, in order.
sa_payload make_phase1_sa(std::span<const phase1_offer> offers);

/// Reads one received transform; nullopt with a reason for unknown or missing attributes.
std::optional<phase1_offer> read_phase1_transform(const transform& t, std::string* why = nullptr);

/// What the responder chose.
struct phase1_choice {
  phase1_offer agreed;             ///< the values both sides use (lifetime after the check)
  std::size_t local_index = 0;     ///< which of our offers matched
  sa_payload reply;                ///< SA payload to send back: the chosen transform only
  bool responder_lifetime = false; ///< claim: our lifetime is shorter, notify the peer
};

/// Picks the first received transform (in the initiator's order) that one of our offers
/// accepts. The error text lists why each transform was refused.
std::variant<phase1_choice, std::string>
choose_phase1(const sa_payload& received, std::span<const phase1_offer> ours, proposal_check check);

/// The initiator's check of the responder's answer: exactly one transform, one we offered.
std::variant<phase1_offer, std::string> accept_phase1_reply(const sa_payload& reply,
                                                            std::span<const phase1_offer> offered);

} // namespace coati::ike
