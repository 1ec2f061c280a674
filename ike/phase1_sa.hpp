#pragma once
// Phase-1 SA negotiation (RFC 2409 §5, racoon's proposal_check): building the initiator's
// SA payload from local offers, and the responder's choice of one received transform.
//
// Hybrid and XAuth methods (draft-ietf-ipsec-isakmp-hybrid-auth-05,
// draft-ietf-ipsec-isakmp-xauth-06) come in pairs on the wire: the "Init" value (64221,
// 65001, 65005...) says the initiator is the XAuth client, the "Resp" value (+1) says the
// responder is. racoon folds each pair into one when matching (remoteconf.c
// isakmpsa_switch_authmethod) and takes its own part from the configuration
// (`hybrid_rsa_server` / `_client`); so does coati: an offer carries the Init value plus
// our XAuth role, matching ignores the Init/Resp difference, and the role comes from our
// offer, never from the peer's number. As an initiator, a client sends the Init value (as
// racoon, strongSwan and vpnc do); a server sends the Resp value, as the drafts and
// strongSwan do (racoon would send Init; racoon accepts either).

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "ike/payloads.hpp"

namespace coati::ike {

/// Our part in the XAuth exchange a hybrid or XAuth method asks for after phase 1. Local
/// only, never on the wire.
enum class xauth_role : std::uint8_t {
  none,   ///< the method has no XAuth (PSK, RSA signatures)
  server, ///< we ask for the peer's credentials (racoon's `*_server`: the hub, the edge)
  client, ///< we are asked (racoon's `*_client`: the roadwarrior)
};

/// One acceptable phase-1 transform, in wire numbers (ike_attr::enc_*, hash_*, auth_*,
/// group_*). `auth` is the Init value for hybrid and XAuth methods, e.g. auth_hybrid_rsa_i
/// for a hub that is a hybrid_rsa_server as for its roadwarriors; `xauth` says which of
/// the two we are. An agreed offer carries the number the initiator sent.
struct phase1_offer {
  std::uint16_t enc = ike_attr::enc_3des;
  std::uint16_t key_bits = 0; ///< 0: the cipher has a fixed key size (AES sends 128 then)
  std::uint16_t hash = ike_attr::hash_sha1;
  std::uint16_t auth = ike_attr::auth_rsa_sig;
  std::uint16_t group = ike_attr::group_modp1024;
  std::uint32_t lifetime = 28800;      ///< seconds
  xauth_role xauth = xauth_role::none; ///< ours, for hybrid and XAuth methods
  friend bool operator==(const phase1_offer&, const phase1_offer&) = default;
};

/// The Init value of a hybrid or XAuth method given as either number of its pair
/// (64222 -> 64221, 65006 -> 65005...); other methods unchanged.
std::uint16_t auth_family(std::uint16_t auth);

/// True for the hybrid and XAuth methods: phase 1 leaves the XAuth client unauthenticated
/// until an XAuth exchange succeeds.
bool needs_xauth(std::uint16_t auth);

/// True for the hybrid methods (64221..64224): the XAuth client proves nothing in phase 1.
bool is_hybrid(std::uint16_t auth);

/// What an offer's method asks of each side, given our XAuth role (see phase1_proof.hpp).
struct proof_plan {
  bool supported = false;  ///< coati runs this method (with a role, for hybrid and XAuth)
  bool psk = false;        ///< SKEYID from the pre-shared key, else the signature formula
  bool we_sign = false;    ///< our proof is [CERT] + SIG (we need a certificate and key)
  bool peer_signs = false; ///< the peer's proof is [CERT] + SIG (we need CAs, send CR)
};

/// The plan for `o.auth` (either number of a pair) with our role `o.xauth`.
proof_plan plan_for(const phase1_offer& o);

/// The number an initiator sends for `o`: the Resp value when we are the XAuth server of
/// a hybrid or XAuth method, else `o.auth`.
std::uint16_t initiator_auth(const phase1_offer& o);

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
/// accepts (Init and Resp numbers of a method match each other); the agreed offer takes
/// our offer's XAuth role. The error text lists why each transform was refused.
std::variant<phase1_choice, std::string>
choose_phase1(const sa_payload& received, std::span<const phase1_offer> ours, proposal_check check);

/// The initiator's check of the responder's answer: exactly one transform, one we offered
/// (its XAuth role is ours).
std::variant<phase1_offer, std::string> accept_phase1_reply(const sa_payload& reply,
                                                            std::span<const phase1_offer> offered);

} // namespace coati::ike
