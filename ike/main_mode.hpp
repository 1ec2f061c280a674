#pragma once
// Main mode (identity protection, RFC 2409 §5) as a pure state machine for either role,
// with pre-shared keys or RSA signatures. It takes datagrams and gives datagrams; the
// peer actor owns sockets, timers and retransmission.
//
//   MM1 I->R  SA, VID...            MM2 R->I  SA (one transform), VID...
//   MM3 I->R  KE, Ni                MM4 R->I  KE, Nr, [CR]
//   MM5 I->R  *IDii, [CERT], SIG_I | HASH_I, [N(INITIAL-CONTACT)]
//   MM6 R->I  *IDir, [CERT], SIG_R | HASH_R

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "crypto/dh.hpp"
#include "crypto/keyschedule.hpp"
#include "crypto/rsa.hpp"
#include "crypto/x509.hpp"
#include "ike/message.hpp"
#include "ike/phase1_sa.hpp"

namespace coati::ike {

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
};

/// An established phase-1 SA.
struct phase1_established {
  phase1_offer agreed;
  crypto::ikev1::ikev1_keys keys;
  cookie icookie{}, rcookie{};
  id_payload peer_id;
  std::optional<crypto::certificate> peer_cert;
  bytes ni_b, nr_b;             ///< nonces (quick mode needs neither, DPD/rekey logs may)
  bool initial_contact = false; ///< the peer sent INITIAL-CONTACT
  bool responder_lifetime = false;
};

/// How a step ended.
enum class phase1_status : std::uint8_t { in_progress, established, failed };

/// What one call gives back.
struct phase1_step {
  phase1_status status = phase1_status::in_progress;
  std::vector<bytes> send;           ///< datagrams to send now, in order
  std::string problem;               ///< why it failed, or why an input was ignored
  bool retransmit = false;           ///< `send` is the stored reply to a duplicate
  std::optional<notify_type> notify; ///< on failure: the error to tell the peer, if any
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
  bool is_initiator() const { return initiator_; }
  /// 1..6: the last message handled or sent.
  int last_message() const { return last_; }

private:
  main_mode(bool initiator, phase1_identity me, phase1_policy policy);
  phase1_step fail(std::string why, std::optional<notify_type> n = std::nullopt);
  phase1_step ignore(std::string why);
  std::string unreadable(const std::string& why) const;
  phase1_step send(bytes wire, phase1_status st = phase1_status::in_progress);
  phase1_step on_mm1(const message& m);
  phase1_step on_mm2(const message& m);
  phase1_step on_mm3(const message& m);
  phase1_step on_mm4(const message& m);
  phase1_step on_mm5(const message& m);
  phase1_step on_mm6(const message& m);
  bool derive(const bytes& peer_ke, std::string& why);
  std::optional<bytes> seal(const header& h, const std::vector<payload>& chain);
  std::optional<std::vector<payload>> open(const message& m, std::string& why);
  std::vector<payload> prove(bool as_initiator);
  std::optional<std::string> check_proof(const std::vector<payload>& chain, bool from_initiator);
  header hdr() const;

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
