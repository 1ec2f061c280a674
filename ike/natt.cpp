#include "ike/natt.hpp"

#include <algorithm>

#include "crypto/secret.hpp"

namespace coati::ike {

const char* to_string(natt_version v) {
  switch (v) {
  case natt_version::rfc3947:
    return "RFC 3947";
  case natt_version::draft03:
    return "draft-03";
  case natt_version::draft02n:
    return "draft-02\\n";
  case natt_version::draft02:
    return "draft-02";
  case natt_version::none:
    break;
  }
  return "none";
}

namespace vendor_ids {

const bytes natt_rfc3947{0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
                         0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f};
const bytes natt_draft03{0x7d, 0x94, 0x19, 0xa6, 0x53, 0x10, 0xca, 0x6f,
                         0x2c, 0x17, 0x9d, 0x92, 0x15, 0x52, 0x9d, 0x56};
const bytes natt_draft02n{0x90, 0xcb, 0x80, 0x91, 0x3e, 0xbb, 0x69, 0x6e,
                          0x08, 0x63, 0x81, 0xb5, 0xec, 0x42, 0x7b, 0x1f};
const bytes natt_draft02{0xcd, 0x60, 0x46, 0x43, 0x35, 0xdf, 0x21, 0xf8,
                         0x7c, 0xfd, 0xb2, 0xfc, 0x68, 0xb6, 0xa4, 0x48};

natt_version natt_of(std::span<const std::uint8_t> vid) {
  auto is = [&](const bytes& b) { return std::equal(vid.begin(), vid.end(), b.begin(), b.end()); };
  if (is(natt_rfc3947))
    return natt_version::rfc3947;
  if (is(natt_draft03))
    return natt_version::draft03;
  if (is(natt_draft02n))
    return natt_version::draft02n;
  if (is(natt_draft02))
    return natt_version::draft02;
  return natt_version::none;
}

} // namespace vendor_ids

const bytes& natt_vendor_id(natt_version v) {
  static const bytes none;
  switch (v) {
  case natt_version::rfc3947:
    return vendor_ids::natt_rfc3947;
  case natt_version::draft03:
    return vendor_ids::natt_draft03;
  case natt_version::draft02n:
    return vendor_ids::natt_draft02n;
  case natt_version::draft02:
    return vendor_ids::natt_draft02;
  case natt_version::none:
    break;
  }
  return none;
}

std::vector<bytes> natt_vendor_ids() {
  return {vendor_ids::natt_rfc3947, vendor_ids::natt_draft03, vendor_ids::natt_draft02n,
          vendor_ids::natt_draft02};
}

natt_version best_natt(const message& m) {
  auto best = natt_version::none;
  for (const auto& p : m.payloads)
    if (const auto* v = std::get_if<vendor_id_payload>(&p))
      best = std::max(best, vendor_ids::natt_of(v->data));
  return best;
}

payload_type nat_d_type_for(natt_version v) {
  return v == natt_version::rfc3947 ? payload_type::nat_d : payload_type::nat_d_draft;
}

payload_type nat_oa_type_for(natt_version v) {
  return v == natt_version::rfc3947 ? payload_type::nat_oa : payload_type::nat_oa_draft;
}

std::uint16_t udp_tunnel_mode(natt_version v) {
  return v == natt_version::rfc3947 ? ipsec_attr::mode_udp_tunnel
                                    : ipsec_attr::mode_udp_tunnel_draft;
}

std::uint16_t udp_transport_mode(natt_version v) {
  return v == natt_version::rfc3947 ? ipsec_attr::mode_udp_transport
                                    : ipsec_attr::mode_udp_transport_draft;
}

bool is_udp_mode(std::uint16_t mode) {
  return mode == ipsec_attr::mode_udp_tunnel || mode == ipsec_attr::mode_udp_transport ||
         mode == ipsec_attr::mode_udp_tunnel_draft || mode == ipsec_attr::mode_udp_transport_draft;
}

bytes nat_d_hash(crypto::hash_alg h, const cookie& icookie, const cookie& rcookie,
                 const natt_endpoint& e) {
  const std::uint8_t port[2] = {static_cast<std::uint8_t>(e.port >> 8),
                                static_cast<std::uint8_t>(e.port)};
  return crypto::hash(h, {icookie, rcookie, e.address, port});
}

std::vector<payload> nat_d_payloads(natt_version v, crypto::hash_alg h, const cookie& icookie,
                                    const cookie& rcookie, const natt_config& c) {
  auto type = nat_d_type_for(v);
  auto me = c.local;
  if (c.setting == natt_setting::force) // as racoon: the peer cannot match it, so sees a NAT
    std::fill(me.address.begin(), me.address.end(), 0);
  std::vector<payload> out;
  out.emplace_back(nat_d_payload{type, nat_d_hash(h, icookie, rcookie, c.remote)});
  out.emplace_back(nat_d_payload{type, nat_d_hash(h, icookie, rcookie, me)});
  return out;
}

std::optional<nat_detection> detect_nat(const message& m, natt_version v, crypto::hash_alg h,
                                        const cookie& icookie, const cookie& rcookie,
                                        const natt_config& c, std::uint16_t floated_port) {
  std::vector<const nat_d_payload*> got;
  for (const auto& p : m.payloads)
    if (const auto* d = std::get_if<nat_d_payload>(&p))
      if (d->type == nat_d_type_for(v))
        got.push_back(d);
  if (got.empty())
    return std::nullopt;
  nat_detection r;
  // The first is us as the peer sees us; the others are the peer as it sees itself.
  auto names = [&](const bytes& hash, const natt_endpoint& e) {
    return hash == nat_d_hash(h, icookie, rcookie, e) ||
           (floated_port != 0 &&
            hash == nat_d_hash(h, icookie, rcookie, natt_endpoint{e.address, floated_port}));
  };
  r.local = !names(got.front()->hash, c.local);
  r.remote = std::none_of(got.begin() + 1, got.end(),
                          [&](const auto* d) { return names(d->hash, c.remote); });
  if (c.setting == natt_setting::force)
    r.local = true; // our own NAT-D was zero: the peer encapsulates, so must we
  return r;
}

std::string describe(natt_version v, const nat_detection& d) {
  std::string out = std::string{"NAT-T "} + to_string(v) + ": ";
  if (!d.any())
    return out + "no NAT detected";
  out += "NAT detected: ";
  if (d.local && d.remote)
    return out + "both sides are behind a NAT";
  return out + (d.local ? "we are behind a NAT" : "the peer is behind a NAT");
}

} // namespace coati::ike
