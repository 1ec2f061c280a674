#pragma once
// A test-side IKEv1 conversation driver: an initiator and a responder endpoint, each a
// small state machine on top of the codec, running main mode with a pre-shared key
// (AES-128-CBC / SHA1 / MODP 2048, XAuth-PSK), XAuth and Mode Config in transaction
// exchanges, quick mode (ESP tunnel), then informational DPD R-U-THERE / ACK and a
// Delete. Every message after MM4 is encrypted. Keys, IVs, hashes and KEYMAT come from
// coati_crypto's key schedule, each cross-checked against the test's own computation on
// plain OpenSSL (conv_crypto.hpp).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "conv_crypto.hpp"
#include "ike/message.hpp"

namespace coati::ike::test {

/// One datagram of the conversation and what its sender put in it.
struct exchanged {
  bool from_initiator = true;
  std::string label;             ///< "MM1", "QM2", "R-U-THERE", ...
  bytes wire;                    ///< the datagram as sent
  std::vector<payload> payloads; ///< the (plaintext) payloads it carries
};

/// Payload types of a chain in dissection order: an SA expands into its proposals and
/// their transforms.
std::vector<int> expanded_types(const std::vector<payload>& chain);

/// One side of the conversation.
class endpoint {
public:
  /// With `rsa`, main mode authenticates with RSA signatures (and certificates) and
  /// skips XAuth / Mode Config; otherwise XAuth-PSK with the pre-shared key.
  endpoint(bool initiator, ipv4_address me, ipv4_address peer, bytes psk,
           const rsa_identity* rsa = nullptr);

  /// Initiator only: MM1.
  exchanged start();
  /// Handles a datagram from the peer; returns what to send back (possibly nothing).
  /// Throws std::runtime_error on any check that fails (hash, decoding, state).
  std::vector<exchanged> receive(const bytes& wire);

  const cookie& icookie() const { return ic_; }
  /// The phase-1 encryption key (Wireshark's IKEv1 decryption table wants it).
  const bytes& enc_key() const { return ka_; }
  bool phase1_done() const { return p1_done_; }
  bool quick_mode_done() const { return qm_done_; }
  bool deleted() const { return deleted_; }
  /// Responder: XAuth succeeded and was acknowledged.
  bool xauth_done() const { return xauth_done_; }
  /// Initiator: the address Mode Config assigned.
  const bytes& internal_address() const { return internal_address_; }
  /// KEYMAT of the ESP SA whose SPI the initiator chose (inbound at the initiator).
  const bytes& keymat_in_i() const { return km_i_; }
  /// KEYMAT of the ESP SA whose SPI the responder chose.
  const bytes& keymat_in_r() const { return km_r_; }

private:
  exchanged make(const std::string& label, const header& h, std::vector<payload> chain);
  std::vector<payload> open(const message& m);
  bytes& iv_for(std::uint32_t mid);
  void derive_keys();
  bytes hash_i(const bytes& idii_b) const;
  bytes hash_r(const bytes& idir_b) const;
  bytes hash1(std::uint32_t mid, const bytes& rest) const;
  bytes hash2(std::uint32_t mid, const bytes& rest) const;
  bytes hash3(std::uint32_t mid) const;
  id_payload my_id() const;
  std::vector<payload> prove(const id_payload& id, const bytes& hash) const;
  void check_proof(const std::vector<payload>& chain, const bytes& expected,
                   const char* what) const;
  bytes natd(const ipv4_address& a) const;
  bytes keymat(std::span<const std::uint8_t> spi) const;
  header hdr(exchange_type x, std::uint32_t mid = 0) const;
  void verify(std::span<const std::uint8_t> want, std::span<const std::uint8_t> got,
              const char* what) const;
  exchanged quick1();
  std::vector<exchanged> on_quick(const message& m, std::vector<payload> chain);
  std::vector<exchanged> on_informational(const message& m, std::vector<payload> chain);
  exchanged informational(const std::string& label, payload p);
  /// HDR*, HASH(1), p in exchange x with message ID mid (0: a fresh one).
  exchanged protected_msg(const std::string& label, exchange_type x, std::uint32_t mid, payload p);
  /// Checks HASH(1) of an informational or transaction message; returns its payload.
  const payload& check_hash1(const message& m, const std::vector<payload>& chain);
  std::vector<exchanged> on_transaction(const message& m, std::vector<payload> chain);

  bool initiator_;
  ipv4_address me_, peer_;
  bytes psk_;
  const rsa_identity* rsa_;
  int step_ = 0;
  cookie ic_{}, rc_{};
  dh_modp2048 dh_;
  bytes gxi_, gxr_, gxy_, ni_, nr_, sai_b_;
  bytes skeyid_, skeyid_d_, skeyid_a_, skeyid_e_, ka_, p1_iv_;
  std::map<std::uint32_t, bytes> ivs_;
  bool p1_done_ = false, qm_done_ = false, deleted_ = false;
  // Quick mode.
  std::uint32_t qm_mid_ = 0;
  bytes qm_ni_, qm_nr_, spi_i_, spi_r_, km_i_, km_r_;
  std::uint32_t dpd_seq_ = 0x0123;
  // Transaction exchanges.
  bool xauth_done_ = false;
  bytes internal_address_;
};

} // namespace coati::ike::test
