// The quick mode half of actors/setup.hpp: sainfo IDs, phase-2 policies, sainfo matching.
#include "actors/setup.hpp"

#include <algorithm>
#include <array>

#include "ike/constants.hpp"

namespace coati::actors {

namespace {

using config::ip_address;

std::optional<std::uint8_t> esp_enc_of(config::esp_cipher c) {
  using config::esp_cipher;
  switch (c) {
  case esp_cipher::des:
    return ike::transform_id::esp_des;
  case esp_cipher::des3:
    return ike::transform_id::esp_3des;
  case esp_cipher::aes:
    return ike::transform_id::esp_aes_cbc;
  case esp_cipher::blowfish:
    return ike::transform_id::esp_blowfish;
  case esp_cipher::cast128:
    return ike::transform_id::esp_cast;
  case esp_cipher::null_enc:
    return ike::transform_id::esp_null;
  case esp_cipher::camellia:
    return ike::transform_id::esp_camellia;
  case esp_cipher::twofish:
    return ike::transform_id::esp_twofish;
  default:
    return std::nullopt; // DES IV variants, RC4/RC5, IDEA: no Linux ESP transform
  }
}

std::optional<std::uint16_t> esp_auth_of(config::esp_auth a) {
  using config::esp_auth;
  switch (a) {
  case esp_auth::hmac_md5:
    return ike::ipsec_attr::auth_hmac_md5;
  case esp_auth::hmac_sha1:
    return ike::ipsec_attr::auth_hmac_sha1;
  case esp_auth::hmac_sha256:
    return ike::ipsec_attr::auth_hmac_sha2_256;
  case esp_auth::hmac_sha384:
    return ike::ipsec_attr::auth_hmac_sha2_384;
  case esp_auth::hmac_sha512:
    return ike::ipsec_attr::auth_hmac_sha2_512;
  case esp_auth::non_auth:
    return std::nullopt;
  }
  return std::nullopt;
}

} // namespace

std::optional<ike::id_payload> id_of(const config::sainfo_id& s) {
  if (s.type != config::sainfo_id::kind::address && s.type != config::sainfo_id::kind::subnet)
    return std::nullopt;
  auto proto = static_cast<std::uint8_t>(s.ulproto == 255 ? 0 : s.ulproto);
  bool v4 = s.addr.fam == ip_address::family::v4;
  unsigned host = v4 ? 32 : 128;
  if (s.range_end) {
    if (v4) {
      ike::ipv4_address a{}, b{};
      std::copy_n(s.addr.bytes.begin(), 4, a.begin());
      std::copy_n(s.range_end->bytes.begin(), 4, b.begin());
      return ike::id_payload::ipv4_range(a, b, proto, s.port);
    }
    ike::ipv6_address a{}, b{};
    std::copy_n(s.addr.bytes.begin(), 16, a.begin());
    std::copy_n(s.range_end->bytes.begin(), 16, b.begin());
    return ike::id_payload::ipv6_range(a, b, proto, s.port);
  }
  unsigned len = s.prefix == 0 && s.type == config::sainfo_id::kind::address ? host : s.prefix;
  if (len >= host)
    return address_id(s.addr, proto, s.port);
  std::array<std::uint8_t, 16> mask{};
  for (unsigned i = 0; i < len; ++i)
    mask[i / 8] |= static_cast<std::uint8_t>(0x80u >> (i % 8));
  if (v4) {
    ike::ipv4_address a{}, m{};
    std::copy_n(s.addr.bytes.begin(), 4, a.begin());
    std::copy_n(mask.begin(), 4, m.begin());
    return ike::id_payload::ipv4_subnet(a, m, proto, s.port);
  }
  ike::ipv6_address a{}, m{};
  std::copy_n(s.addr.bytes.begin(), 16, a.begin());
  std::copy_n(mask.begin(), 16, m.begin());
  return ike::id_payload::ipv6_subnet(a, m, proto, s.port);
}

ike::phase2_policy phase2_of(const config::sainfo_block& s, const config::remote_block& r) {
  ike::phase2_policy p;
  for (const auto& c : s.encryption) {
    auto enc = esp_enc_of(c.alg);
    if (!enc)
      continue;
    for (auto a : s.authentication) {
      auto auth = esp_auth_of(a);
      if (!auth)
        continue;
      auto bits = static_cast<std::uint16_t>(c.key_bits);
      if (c.alg == config::esp_cipher::aes && bits == 0)
        bits = 128;
      p.offers.push_back(ike::esp_offer{*enc, bits, *auth});
    }
  }
  if (s.pfs_group)
    p.pfs_group = static_cast<std::uint16_t>(*s.pfs_group);
  p.lifetime = static_cast<std::uint32_t>(s.lifetime.count());
  for (auto c : s.compression)
    p.ipcomp = p.ipcomp || c == config::ipcomp_alg::deflate;
  p.check = check_of(r.proposal_check);
  p.nonce_size = r.nonce_size;
  return p;
}

sainfo_match match_sainfo(const config::configuration& cfg, const ike::id_payload& idci,
                          const ike::id_payload& idcr, const std::vector<std::string>& groups) {
  auto allowed = [&](const config::sainfo_block& s) {
    return s.group.empty() || std::find(groups.begin(), groups.end(), s.group) != groups.end();
  };
  sainfo_match specific, anonymous;
  for (const auto& s : cfg.sainfos) {
    bool any = !s.local && !s.remote;
    auto& m = any ? anonymous : specific;
    if (m.sainfo != nullptr)
      continue;
    if (!any && ((s.local && id_of(*s.local) != std::optional{idcr}) ||
                 (s.remote && id_of(*s.remote) != std::optional{idci})))
      continue;
    if (allowed(s))
      m.sainfo = &s;
    else if (m.refused == nullptr)
      m.refused = &s;
  }
  if (specific.sainfo != nullptr || specific.refused != nullptr)
    return specific;
  return anonymous;
}

const config::sainfo_block* find_sainfo(const config::configuration& cfg,
                                        const ike::id_payload& idci, const ike::id_payload& idcr) {
  return match_sainfo(cfg, idci, idcr, {}).sainfo;
}

std::vector<const config::sainfo_block*> initiator_sainfos(const config::configuration& cfg) {
  std::vector<const config::sainfo_block*> out;
  for (const auto& s : cfg.sainfos)
    if (s.local && s.remote && id_of(*s.local) && id_of(*s.remote))
      out.push_back(&s);
  return out;
}

} // namespace coati::actors
