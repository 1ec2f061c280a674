#pragma once
// What main mode and aggressive mode share once the Diffie-Hellman values are known: which
// proof each side gives under the agreed method (proof_plan), the key derivation (SKEYID
// by method), our proof (HASH_x or CERT + SIG_x) and the check of the peer's proof (hash,
// certificate chain, signature, ID against certificate, peers_identifier). Internal to
// ike/: the exchanges carry the state, these functions only compute. proof_plan
// (ike/phase1_sa.hpp) says who signs under which method:
//
//   method (Init/Resp)     SKEYID     XAuth server proves   XAuth client proves
//   PSK 1, XAuth-PSK 65001/2   PSK      HASH                  HASH        (both: HASH)
//   RSA 3, XAuth-RSA 65005/6   sig      [CERT] SIG            [CERT] SIG  (both: SIG)
//   hybrid RSA 64221/2         sig      [CERT] SIG            HASH

#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "crypto/dh.hpp"
#include "ike/main_mode.hpp"

namespace coati::ike::detail {

/// The key exchange values HASH_I / HASH_R cover, as the wire carried them.
struct phase1_transcript {
  const bytes& gxi;   ///< initiator's KE data
  const bytes& gxr;   ///< responder's KE data
  const bytes& sai_b; ///< the initiator's SA payload body (the offer)
};

/// Why a proof or a key derivation did not work.
struct proof_error {
  phase1_failure reason = phase1_failure::authentication;
  std::string why;
};

/// Derives every phase-1 key into `sa.keys` from our DH key pair and the peer's public
/// value (`sa` holds the agreed offer, cookies and nonces). `psk` is required for
/// pre-shared key methods and ignored otherwise.
std::optional<proof_error> derive_keys(phase1_established& sa, const crypto::dh_keypair& dh,
                                       const bytes& peer_ke, const bytes& gxi, const bytes& gxr,
                                       const crypto::secret_bytes* psk);

/// Our proof for ID `me.id`: HASH_x, or [CERT] + SIG_x when the plan says we sign (without
/// the ID payload itself). Fails only when we must sign and have no key.
std::variant<std::vector<payload>, proof_error> prove(const phase1_identity& me,
                                                      const phase1_established& sa,
                                                      const phase1_transcript& t,
                                                      bool as_initiator);

/// Checks the peer's proof in `chain` for the peer ID `id` (which may have come in an
/// earlier message, as in aggressive mode). On success records the peer's ID and
/// certificate in `sa`; otherwise gives the reason.
std::optional<proof_error> check_proof(const phase1_policy& pol, phase1_established& sa,
                                       const phase1_transcript& t, const id_payload& id,
                                       std::span<const payload> chain, bool from_initiator);

/// A step that ends the exchange: what kind of failure, why, and the notify to tell the
/// peer, if any.
phase1_step failed(phase1_failure r, std::string why, std::optional<notify_type> n = std::nullopt);
/// The same for a proof_error, its text after `prefix`.
phase1_step failed(const proof_error& e, const std::string& prefix,
                   std::optional<notify_type> n = std::nullopt);
/// A step that leaves the exchange as it was: why the input was not used.
phase1_step ignored(std::string why);
/// A step that sends `wire`, which is also kept in `last_sent` for retransmission.
phase1_step sending(bytes& last_sent, bytes wire, phase1_status st = phase1_status::in_progress);

/// True when `chain` carries N(INITIAL-CONTACT).
bool has_initial_contact(std::span<const payload> chain);

} // namespace coati::ike::detail
