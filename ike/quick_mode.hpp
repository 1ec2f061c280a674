#pragma once
// Quick mode (RFC 2409 §5.5) for either role, as a pure state machine on top of an
// established phase-1 SA: ESP in tunnel mode, optional PFS, optional IPComp bundle.
//
//   QM1 I->R  *HASH(1), SA, Ni, [KE], [IDci, IDcr]
//   QM2 R->I  *HASH(2), SA, Nr, [KE], [IDci, IDcr]
//   QM3 I->R  *HASH(3)
//
// SPIs come from the kernel (the actor asks for them before calling in).

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "crypto/dh.hpp"
#include "crypto/keyschedule.hpp"
#include "ike/message.hpp"
#include "ike/phase1_sa.hpp"

namespace coati::ike {

/// One acceptable ESP transform (wire numbers: transform_id::esp_*, ipsec_attr::auth_*).
struct esp_offer {
  std::uint8_t enc = transform_id::esp_3des;
  std::uint16_t key_bits = 0; ///< AES: 128/192/256 (0 = 128)
  std::uint16_t auth = ipsec_attr::auth_hmac_md5;
  friend bool operator==(const esp_offer&, const esp_offer&) = default;
};

/// A sainfo, as quick mode needs it.
struct phase2_policy {
  std::vector<esp_offer> offers;
  std::optional<std::uint16_t> pfs_group; ///< required group; nullopt = accept any, offer none
  std::uint32_t lifetime = 28800;         ///< seconds
  bool ipcomp = false;                    ///< compression_algorithm deflate
  proposal_check check = proposal_check::strict;
  std::size_t nonce_size = 16;
};

/// One direction's negotiated SA.
struct child_sa_keys {
  std::uint32_t spi = 0; ///< host order; chosen by the receiving end
  crypto::secret_bytes enc_key;
  crypto::secret_bytes auth_key;
  std::uint16_t cpi = 0; ///< IPComp CPI when a bundle was negotiated
};

/// An established pair of IPsec SAs.
struct child_established {
  esp_offer agreed;
  std::uint32_t lifetime = 0;
  bool responder_lifetime = false; ///< claim: notify the initiator of our shorter lifetime
  std::optional<std::uint16_t> pfs_group;
  bool ipcomp = false;
  bool udp_encap = false; ///< NAT-T: UDP-Tunnel mode (ESP in UDP, RFC 3948)
  id_payload id_i, id_r;  ///< IDci, IDcr (the peer's addresses when none were sent)
  child_sa_keys inbound;  ///< traffic from the peer to us
  child_sa_keys outbound; ///< traffic from us to the peer
  std::uint32_t message_id = 0;
};

/// How a quick mode step ended.
enum class child_status : std::uint8_t { in_progress, established, failed };

/// What one call gives back.
struct child_step {
  child_status status = child_status::in_progress;
  std::vector<bytes> send;
  std::string problem;
  bool retransmit = false;
  std::optional<notify_type> notify;
};

/// The phase-1 SA a quick mode runs under (borrowed; must outlive the exchange).
struct phase1_context {
  const crypto::ikev1::ikev1_keys* keys = nullptr;
  cookie icookie{}, rcookie{};
  /// NAT-T with a NAT in the way: the UDP-Tunnel encapsulation mode of the agreed dialect
  /// (3, or 61443 for the drafts), which the initiator proposes and the responder accepts
  /// besides plain Tunnel; 0: plain Tunnel only. (coati negotiates tunnel mode only, so it
  /// sends no NAT-OA: RFC 3947 §5.2 wants it for transport mode; a received one is ignored.)
  std::uint16_t udp_mode = 0;
};

/// The responder's choice of sainfo from the IDs (nullopt = no sainfo: refused).
using sainfo_lookup =
    std::function<std::optional<phase2_policy>(const id_payload& idci, const id_payload& idcr)>;

/// Key bytes an ESP transform needs: encryption key + authentication key lengths.
std::pair<std::size_t, std::size_t> esp_key_lengths(const esp_offer& o);

/// One quick mode exchange.
class quick_mode {
public:
  /// Initiator: proposes `policy` for traffic between `idci` (ours) and `idcr` (theirs),
  /// with our inbound SPI `spi` (and IPComp CPI `cpi` when policy.ipcomp).
  static quick_mode initiator(phase1_context p1, phase2_policy policy, id_payload idci,
                              id_payload idcr, std::uint32_t message_id, std::uint32_t spi,
                              std::uint16_t cpi = 0);
  /// Responder for a QM1 with this message ID; `spi`/`cpi` are ours (inbound).
  static quick_mode responder(phase1_context p1, sainfo_lookup lookup, std::uint32_t message_id,
                              std::uint32_t spi, std::uint16_t cpi = 0);

  /// Initiator: QM1.
  child_step start();
  /// Handles a datagram of this exchange (matching message ID).
  child_step receive(std::span<const std::uint8_t> datagram);
  /// The result, once established.
  const child_established* established() const { return done_ ? &child_ : nullptr; }
  /// What is agreed so far (the responder knows everything once it has sent QM2).
  const child_established& negotiated() const { return child_; }
  const bytes& last_sent() const { return last_sent_; }

private:
  quick_mode(bool initiator, phase1_context p1, std::uint32_t mid, std::uint32_t spi,
             std::uint16_t cpi);
  child_step fail(std::string why, std::optional<notify_type> n = std::nullopt);
  child_step send_chain(std::vector<payload> after_hash, int which);
  std::optional<std::vector<payload>> open(const message& m, std::string& why);
  child_step on_qm1(const std::vector<payload>& chain);
  child_step on_qm2(const std::vector<payload>& chain);
  child_step on_qm3(const std::vector<payload>& chain);
  bool derive_keys(std::string& why);
  /// The encapsulation mode we propose: UDP-Tunnel under NAT-T, else Tunnel.
  std::uint16_t tunnel_mode() const;

  bool initiator_;
  phase1_context p1_;
  phase2_policy pol_;
  sainfo_lookup lookup_;
  child_established child_;
  bool done_ = false;
  int last_ = 0;
  std::optional<crypto::dh_keypair> dh_;
  bytes peer_ke_, ni_b_, nr_b_;
  std::vector<std::uint8_t> iv_;
  bool ids_sent_ = false;
  bytes last_received_, last_sent_;
};

} // namespace coati::ike
