#pragma once
// From a negotiated pair of IPsec SAs (ike/) to the kernel's XFRM SAs: algorithm names,
// ICV truncation, lifetimes, the IPComp bundle. Also the short names show-sa prints.

#include <cstdint>
#include <string>
#include <vector>

#include "ike/quick_mode.hpp"
#include "kernel/xfrm.hpp"

namespace coati::kernel {

/// The XFRM name of an ESP transform ("cbc(aes)"); empty when the kernel has none for it.
std::string xfrm_enc_name(std::uint8_t transform);
/// The XFRM name of an ESP authentication algorithm ("hmac(sha1)"); empty if unknown.
std::string xfrm_auth_name(std::uint16_t auth);
/// racoon's short names for show-sa: "3des", "aes128", "hmac_md5".
std::string short_enc_name(const ike::esp_offer& o);
std::string short_auth_name(const ike::esp_offer& o);

/// Where a pair of SAs runs and which policies use it.
struct sa_ends {
  ip_address local, remote;
  std::uint32_t reqid = 0;
  /// NAT-T: the IKE ports (ours, the peer's as its NAT shows it) the ESP-in-UDP SAs use when
  /// the pair was negotiated in a UDP encapsulation mode.
  std::uint16_t local_port = 4500, remote_port = 4500;
};

/// The kernel SAs for `c`: ESP in, ESP out, then (with IPComp) IPComp in and out. With
/// c.udp_encap the ESP SAs carry the UDP_ENCAP_ESPINUDP template: inbound sport = the peer's
/// port, dport = ours; outbound the reverse.
std::vector<sa_spec> sa_specs_for(const ike::child_established& c, const sa_ends& e);

} // namespace coati::kernel
