#pragma once
// Main mode (identity protection, RFC 2409 §5) as a pure state machine for either role,
// with pre-shared keys, RSA signatures, hybrid RSA or XAuth (PSK or RSA) authentication.
// It takes datagrams and gives datagrams; the peer actor owns sockets, timers and
// retransmission.
//
//   MM1 I->R  SA, VID...            MM2 R->I  SA (one transform), VID...
//   MM3 I->R  KE, Ni, [CR]          MM4 R->I  KE, Nr, [CR]
//   MM5 I->R  *IDii, [CERT], SIG_I | HASH_I, [N(INITIAL-CONTACT)]
//   MM6 R->I  *IDir, [CERT], SIG_R | HASH_R
//
// Hybrid: the XAuth server proves itself with CERT + SIG, the client with HASH only
// (SKEYID by the signature formula, so the client holds no secret and no certificate); a
// CR goes only to a side that signs. XAuth-PSK and XAuth-RSA prove as PSK and RSA do.
// Either way phase 1 ends with the client still to be authenticated by XAuth:
// needs_xauth() / is_xauth_server() on the result say so.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "crypto/dh.hpp"
#include "crypto/keyschedule.hpp"
#include "crypto/rsa.hpp"
#include "crypto/x509.hpp"
#include "ike/message.hpp"
#include "ike/natt.hpp"
#include "ike/phase1_sa.hpp"

namespace coati::ike {

namespace detail {
struct proof_error;
} // namespace detail

/// Who we are in phase 1.
struct phase1_identity {
  id_payload id;                                  ///< sent as IDii / IDir
  std::optional<crypto::certificate> cert;        ///< ours, for RSA signatures
  std::shared_ptr<const crypto::private_key> key; ///< the signer, for RSA signatures
  bool send_cert = true;
  bool send_cr = true;
};

/// What we accept and how (a remote block, as the exchange needs it).
struct phase1_policy {
  std::vector<phase1_offer> offers;
  proposal_check check = proposal_check::strict;
  std::optional<crypto::secret_bytes> psk;       ///< main mode: looked up by the peer's address
  std::shared_ptr<const crypto::cert_store> cas; ///< trusted CAs, for RSA signatures
  bool verify_cert = true;
  bool verify_identifier = false;
  std::vector<bytes> peers_identifier; ///< accepted peer DNs (DER, '*' RDNs allowed)
  std::size_t nonce_size = 16;
  bool initial_contact = true;
  std::vector<bytes> vendor_ids; ///< sent in MM1 / MM2
  natt_config natt;              ///< nat_traversal and the endpoints NAT-D hashes
};

/// An established phase-1 SA.
struct phase1_established {
  phase1_offer agreed; ///< auth: the number the initiator sent; xauth: our XAuth role
  crypto::ikev1::ikev1_keys keys;
  cookie icookie{}, rcookie{};
  id_payload peer_id;
  /// The subject (DER) of the certificate the peer signed with, once checked; empty when
  /// it did not sign. The certificate itself is not kept (an X509 object is kilobytes).
  bytes peer_cert_subject;
  bytes ni_b, nr_b; ///< nonces (the exchange's; a session drops them once phase 1 is up)
  bool initial_contact = false; ///< the peer sent INITIAL-CONTACT
  bool responder_lifetime = false;
  bool peer_dpd = false;                  ///< the peer sent the DPD vendor ID (RFC 3706) in phase 1
  natt_version natt = natt_version::none; ///< the NAT-T dialect both speak (none: no NAT-T)
  nat_detection nat;                      ///< what the NAT-D payloads said
  /// ESP goes in UDP (and IKE on port 4500): NAT-T agreed and a NAT on either side.
  bool udp_encap() const { return natt != natt_version::none && nat.any(); }
};

/// True when the agreed method is hybrid or XAuth: the SA must not carry quick mode (nor
/// mode-config replies) until an XAuth exchange has authenticated the client.
inline bool needs_xauth(const phase1_established& sa) {
  return needs_xauth(sa.agreed.auth);
}
/// True when we are the XAuth server (we send the XAuth REQUEST); false for the client and
/// for methods without XAuth.
inline bool is_xauth_server(const phase1_established& sa) {
  return needs_xauth(sa) && sa.agreed.xauth == xauth_role::server;
}

/// How a step ended.
enum class phase1_status : std::uint8_t { in_progress, established, failed };

/// Why a step failed, without reading `problem`; kept small on purpose: one value per
/// thing an operator would look at differently.
enum class phase1_failure : std::uint8_t {
  none,                ///< not failed
  proposal,            ///< no acceptable proposal, or an unusable DH group, cipher or method
  credentials,         ///< we lack what the agreed method needs (pre-shared key, certificate, key)
  certificate,         ///< the peer's certificate is missing, unreadable or not trusted
  identity,            ///< the peer's ID does not match its certificate or peers_identifier
  authentication,      ///< the peer's HASH or SIG does not verify, or its message does not decrypt
  malformed,           ///< a message lacks a payload or carries a value out of range
  internal,            ///< we could not build our own message
  certificate_expired, ///< the peer's certificate (or its CA's) is outside its validity
  config,              ///< the remote block has nothing usable (set by the peer actor)
  timeout,             ///< no answer, or not complete within the phase1 timer (the actor)
  refused_by_peer,     ///< the peer sent an error notify (the session)
};

/// The counter suffix of a failure (`ike.phase1_failed.<name>`): "no_proposal", ...
const char* to_string(phase1_failure f);

/// What one call gives back.
struct phase1_step {
  phase1_status status = phase1_status::in_progress;
  std::vector<bytes> send;                      ///< datagrams to send now, in order
  std::string problem;                          ///< why it failed, or why an input was ignored
  bool retransmit = false;                      ///< `send` is the stored reply to a duplicate
  std::optional<notify_type> notify;            ///< on failure: the error to tell the peer, if any
  phase1_failure reason = phase1_failure::none; ///< on failure: what kind of failure
};

/// One main mode exchange.
class main_mode {
public:
  /// The initiator; `start()` gives MM1.
  static main_mode initiator(phase1_identity me, phase1_policy policy, cookie icookie);
  /// The responder, created for an MM1 that arrived with our fresh `rcookie`.
  static main_mode responder(phase1_identity me, phase1_policy policy, cookie rcookie);

  /// Initiator: builds MM1.
  phase1_step start();
  /// Handles a datagram of this exchange.
  phase1_step receive(std::span<const std::uint8_t> datagram);

  /// The result, once established.
  const phase1_established* established() const { return done_ ? &sa_ : nullptr; }
  /// The last datagram sent, for the actor's retransmission timer.
  const bytes& last_sent() const { return last_sent_; }
  /// Once complete: each message we would still answer if it came again, with its answer
  /// (the responder's MM5 and MM6); moved out, the exchange is about to go.
  std::vector<std::pair<bytes, bytes>> take_answers();
  /// Once complete: the SA, moved out (the exchange is about to go).
  phase1_established take_established() { return std::move(sa_); }
  bool is_initiator() const { return initiator_; }
  /// 1..6: the last message handled or sent.
  int last_message() const { return last_; }
  /// The SA as far as it is negotiated (NAT-T is known after MM3/MM4).
  const phase1_established& progress() const { return sa_; }

private:
  main_mode(bool initiator, phase1_identity me, phase1_policy policy);
  phase1_step fail(phase1_failure r, std::string why, std::optional<notify_type> n = std::nullopt);
  phase1_step ignore(std::string why);
  std::string unreadable(const std::string& why) const;
  phase1_step send(bytes wire, phase1_status st = phase1_status::in_progress);
  phase1_step on_mm1(const message& m);
  phase1_step on_mm2(const message& m);
  phase1_step on_mm3(const message& m);
  phase1_step on_mm4(const message& m);
  phase1_step on_mm5(const message& m);
  phase1_step on_mm6(const message& m);
  std::optional<detail::proof_error> derive(const bytes& peer_ke);
  std::optional<bytes> seal(const header& h, const std::vector<payload>& chain);
  std::optional<std::vector<payload>> open(const message& m, std::string& why);
  std::variant<bytes, detail::proof_error> seal_proof(bool as_initiator);
  phase1_step check_proof(const char* msg, const std::vector<payload>& chain, bool from_initiator);
  header hdr() const;
  void add_nat_d(message& out) const;
  void read_nat_d(const message& m);

  bool initiator_;
  phase1_identity me_;
  phase1_policy pol_;
  phase1_established sa_;
  bool done_ = false;
  int last_ = 0;
  std::optional<crypto::dh_keypair> dh_;
  bytes sai_b_, gxi_, gxr_;
  std::vector<bytes> peer_crs_;
  bytes last_received_, last_sent_;
};

} // namespace coati::ike
