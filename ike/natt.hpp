#pragma once
// NAT traversal for IKEv1 (RFC 3947, and the draft-ietf-ipsec-nat-t-ike-02/02\n/03 vendor
// IDs racoon and older clients send), the parts that decide: which NAT-T version both sides
// speak, the NAT-D hashes, whether a NAT sits in front of us or of the peer, which
// encapsulation mode quick mode uses. Main and aggressive mode carry them; ike::session tells its
// actor when to float to port 4500 and when to follow a peer whose NAT mapping changed.
//
//   MM1 I->R  VID(RFC 3947), VID(draft-03), VID(draft-02\n), VID(draft-02)
//   MM2 R->I  VID(the best one both speak)
//   MM3 I->R  KE, Ni, NAT-D(responder as I see it), NAT-D(me)
//   MM4 R->I  KE, Nr, NAT-D(initiator as I see it), NAT-D(me)
//   -- a NAT on either side: the initiator floats to 4500 (non-ESP marker) from MM5 on --
//
//   AM1 I->R  SA, KE, Ni, IDii, VID(RFC 3947), VID(draft-03), VID(draft-02\n), VID(draft-02)
//   AM2 R->I  SA, KE, Nr, IDir, proof, VID(the best one both speak), NAT-D(I), NAT-D(me)
//   -- a NAT on either side: AM3 and all that follows on port 4500 (RFC 3947 §4) --
//   AM3 I->R  proof, NAT-D(R), NAT-D(me)    (the initiator hashes the 4500 ports then)
//   QM        encapsulation mode UDP-Tunnel (3; drafts 61443) for the SA pair
//
// NAT-D = HASH(CKY-I | CKY-R | IP | port) with the negotiated phase-1 hash; the first one a
// side sends is the receiver's endpoint as the sender sees it, the rest the sender's own.
// `nat_traversal force` (as racoon) hashes a zero address for us: the peer always sees a
// NAT, so both sides encapsulate.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "crypto/prf.hpp"
#include "ike/message.hpp"

namespace coati::ike {

/// The NAT-T dialects, worst to best (the responder picks the best both speak).
enum class natt_version : std::uint8_t { none, draft02, draft02n, draft03, rfc3947 };

/// "RFC 3947", "draft-03", ... for logs; "none".
const char* to_string(natt_version v);

namespace vendor_ids {
/// MD5("RFC 3947")
extern const bytes natt_rfc3947;
/// MD5("draft-ietf-ipsec-nat-t-ike-03")
extern const bytes natt_draft03;
/// MD5("draft-ietf-ipsec-nat-t-ike-02\n") (racoon's and Cisco's spelling)
extern const bytes natt_draft02n;
/// MD5("draft-ietf-ipsec-nat-t-ike-02")
extern const bytes natt_draft02;
/// The NAT-T version a vendor ID announces; none for any other vendor ID.
natt_version natt_of(std::span<const std::uint8_t> vid);
} // namespace vendor_ids

/// The vendor ID of `v` (empty for none).
const bytes& natt_vendor_id(natt_version v);
/// Every NAT-T vendor ID we speak, best first (what an initiator sends in MM1).
std::vector<bytes> natt_vendor_ids();
/// The best NAT-T version among `m`'s vendor IDs (none when it announces none).
natt_version best_natt(const message& m);

/// NAT-D's payload type for `v`: 20 (RFC) or 130 (drafts).
payload_type nat_d_type_for(natt_version v);
/// NAT-OA's payload type for `v`: 21 (RFC) or 131 (drafts).
payload_type nat_oa_type_for(natt_version v);
/// Quick mode's encapsulation mode for ESP in UDP under `v`: tunnel 3 / transport 4 (RFC),
/// 61443 / 61444 (drafts).
std::uint16_t udp_tunnel_mode(natt_version v);
std::uint16_t udp_transport_mode(natt_version v);
/// True for any of the four UDP encapsulation modes.
bool is_udp_mode(std::uint16_t mode);

/// `nat_traversal` of a remote block.
enum class natt_setting : std::uint8_t { off, on, force };

/// An IKE endpoint as NAT-D hashes it: 4 or 16 address bytes, the UDP port.
struct natt_endpoint {
  bytes address;
  std::uint16_t port = 500;
  friend bool operator==(const natt_endpoint&, const natt_endpoint&) = default;
};

/// HASH(CKY-I | CKY-R | IP | port).
bytes nat_d_hash(crypto::hash_alg h, const cookie& icookie, const cookie& rcookie,
                 const natt_endpoint& e);

/// What the NAT-D payloads said.
struct nat_detection {
  bool local = false;  ///< a NAT in front of us (the peer saw another address or port)
  bool remote = false; ///< a NAT in front of the peer
  bool any() const { return local || remote; }
};

/// Where a phase 1 talks from and to, and what the remote block says about NAT-T.
struct natt_config {
  natt_setting setting = natt_setting::off;
  natt_endpoint local, remote;
};

/// The NAT-D payloads we send: the peer's endpoint as we see it, then ours (a zero address
/// with `force`).
std::vector<payload> nat_d_payloads(natt_version v, crypto::hash_alg h, const cookie& icookie,
                                    const cookie& rcookie, const natt_config& c);

/// Reads the peer's NAT-D payloads of message `m`; nullopt when it carries none (the peer
/// does no NAT-T after all). `floated_port` (aggressive mode's AM3, which the initiator
/// sends from port 4500 once AM2 showed a NAT): a hash may also name both endpoints with
/// that port (charon hashes the ports the message travels between, vpnc those of AM1).
std::optional<nat_detection> detect_nat(const message& m, natt_version v, crypto::hash_alg h,
                                        const cookie& icookie, const cookie& rcookie,
                                        const natt_config& c, std::uint16_t floated_port = 0);

/// One line for the log: "NAT-T RFC 3947: NAT detected: the peer is behind a NAT".
std::string describe(natt_version v, const nat_detection& d);

} // namespace coati::ike
