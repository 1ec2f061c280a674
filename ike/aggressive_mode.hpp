#pragma once
// Aggressive mode (RFC 2409 §5) as a pure state machine for either role, with pre-shared
// keys, RSA signatures, hybrid RSA or XAuth (PSK or RSA). Same shape as main_mode:
// datagrams in, datagrams out; the peer actor owns sockets, timers and retransmission.
// Who proves what under each method: ike/phase1_proof.hpp (a hybrid client sends HASH_I
// in AM3 and checks the server's CERT + SIG_R in AM2; vpnc and Cisco clients work so).
//
//   AM1 I->R  SA, KE, Ni, IDii, [CR], VID...
//   AM2 R->I  SA (one transform), KE, Nr, IDir, [CERT], SIG_R | HASH_R, [CR], VID...
//   AM3 I->R  [CERT], SIG_I | HASH_I, [N(INITIAL-CONTACT)]   (encrypted or in clear)
//
// NAT traversal (RFC 3947, ike/natt.hpp): the NAT-T vendor IDs in AM1 and AM2, NAT-D in AM2
// and AM3; with a NAT the initiator sends AM3 from port 4500 already (ike::session floats).
//
// The initiator's ID arrives in AM1, before any key exists, so the responder picks the
// pre-shared key by that ID (racoon's psk.txt lookup by ID). KE travels in AM1 too, so
// every transform the initiator offers must carry the same DH group.
//
// AM3 on the wire: RFC 2409 allows it encrypted or not. racoon sends it in clear and
// decrypts it when the E flag is set (isakmp_agg.c agg_r2recv); strongSwan's charon sends
// it encrypted (its message rules mark HASH/SIG/CERT of an aggressive initiator message
// as encrypted) and accepts both (aggressive messages are exempt from its "payload was
// not encrypted" check); vpnc and Cisco clients encrypt it. Both forms are accepted
// here. We send it encrypted by default: every known responder reads it, and it keeps
// the INITIAL-CONTACT notify (not covered by HASH_I) from being added or dropped on the
// way. am3_encoding::clear is there for racoon-identical traces.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "ike/main_mode.hpp"

namespace coati::ike {

/// The pre-shared key for the identity the initiator sent in AM1; nullopt if unknown.
using psk_lookup = std::function<std::optional<crypto::secret_bytes>(const id_payload&)>;

/// How the initiator sends AM3.
enum class am3_encoding : std::uint8_t {
  encrypted, ///< like charon, vpnc and Cisco
  clear,     ///< like racoon
};

/// One aggressive mode exchange.
class aggressive_mode {
public:
  /// The initiator; `start()` gives AM1. `policy.psk` is the key for PSK offers.
  static aggressive_mode initiator(phase1_identity me, phase1_policy policy, cookie icookie,
                                   am3_encoding am3 = am3_encoding::encrypted);
  /// The responder, created for an AM1 that arrived with our fresh `rcookie`. The PSK is
  /// `psk_for(IDii)`; without a lookup, `policy.psk`.
  static aggressive_mode responder(phase1_identity me, phase1_policy policy, cookie rcookie,
                                   psk_lookup psk_for = {});

  /// Initiator: builds AM1.
  phase1_step start();
  /// Handles a datagram of this exchange.
  phase1_step receive(std::span<const std::uint8_t> datagram);

  /// The result, once established.
  const phase1_established* established() const { return done_ ? &sa_ : nullptr; }
  /// The last datagram sent, for the actor's retransmission timer.
  const bytes& last_sent() const { return last_sent_; }
  /// Once complete: each message we would still answer if it came again, with its answer
  /// (the initiator's AM2 and AM3); moved out, the exchange is about to go.
  std::vector<std::pair<bytes, bytes>> take_answers() { return std::move(answered_); }
  /// Once complete: the SA, moved out (the exchange is about to go).
  phase1_established take_established() { return std::move(sa_); }
  bool is_initiator() const { return initiator_; }
  /// 1..3: the last message handled or sent.
  int last_message() const { return last_; }
  /// Whether AM3 (sent or received) was encrypted; meaningful once established.
  bool am3_encrypted() const { return am3_ == am3_encoding::encrypted; }

private:
  aggressive_mode(bool initiator, phase1_identity me, phase1_policy policy);
  phase1_step on_am1(const message& m);
  phase1_step on_am2(const message& m);
  phase1_step on_am3(const message& m);
  std::optional<std::string> start_dh(std::uint16_t group);
  std::vector<payload> nat_d(const natt_config& ends) const;
  void read_nat_d(const std::vector<payload>& chain, std::uint16_t floated_port);
  header hdr() const;

  bool initiator_;
  phase1_identity me_;
  phase1_policy pol_;
  psk_lookup psk_for_;
  std::optional<crypto::secret_bytes> psk_;
  am3_encoding am3_ = am3_encoding::encrypted;
  phase1_established sa_;
  bool done_ = false;
  int last_ = 0;
  std::optional<crypto::dh_keypair> dh_;
  bytes sai_b_, gxi_, gxr_;
  id_payload peer_id_; ///< IDii from AM1 (responder), for HASH_I in AM3
  bytes last_sent_;
  /// Datagrams already handled and what we answered (possibly nothing), for duplicates.
  std::vector<std::pair<bytes, bytes>> answered_;
};

} // namespace coati::ike
