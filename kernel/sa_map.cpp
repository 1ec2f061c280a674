#include "kernel/sa_map.hpp"

namespace coati::kernel {

std::string xfrm_enc_name(std::uint8_t t) {
  switch (t) {
  case ike::transform_id::esp_3des:
    return "cbc(des3_ede)";
  case ike::transform_id::esp_des:
    return "cbc(des)";
  case ike::transform_id::esp_aes_cbc:
    return "cbc(aes)";
  case ike::transform_id::esp_blowfish:
    return "cbc(blowfish)";
  case ike::transform_id::esp_cast:
    return "cbc(cast5)";
  case ike::transform_id::esp_null:
    return "ecb(cipher_null)";
  case ike::transform_id::esp_camellia:
    return "cbc(camellia)";
  case ike::transform_id::esp_twofish:
    return "cbc(twofish)";
  default:
    return {};
  }
}

std::string xfrm_auth_name(std::uint16_t a) {
  switch (a) {
  case ike::ipsec_attr::auth_hmac_md5:
    return "hmac(md5)";
  case ike::ipsec_attr::auth_hmac_sha1:
    return "hmac(sha1)";
  case ike::ipsec_attr::auth_hmac_sha2_256:
    return "hmac(sha256)";
  case ike::ipsec_attr::auth_hmac_sha2_384:
    return "hmac(sha384)";
  case ike::ipsec_attr::auth_hmac_sha2_512:
    return "hmac(sha512)";
  default:
    return {};
  }
}

std::string short_enc_name(const ike::esp_offer& o) {
  switch (o.enc) {
  case ike::transform_id::esp_3des:
    return "3des";
  case ike::transform_id::esp_aes_cbc:
    return "aes" + std::to_string(o.key_bits == 0 ? 128 : o.key_bits);
  default:
    return "enc" + std::to_string(o.enc);
  }
}

std::string short_auth_name(const ike::esp_offer& o) {
  auto n = xfrm_auth_name(o.auth);
  if (n.size() > 6)
    return "hmac_" + n.substr(5, n.size() - 6);
  return "auth" + std::to_string(o.auth);
}

namespace {

/// RFC 4868: SHA-2 HMACs are truncated to half their length (the kernel's own default for
/// hmac(sha256) is the pre-standard 96 bits, which no peer uses).
unsigned icv_bits(std::uint16_t auth) {
  switch (auth) {
  case ike::ipsec_attr::auth_hmac_sha2_256:
    return 128;
  case ike::ipsec_attr::auth_hmac_sha2_384:
    return 192;
  case ike::ipsec_attr::auth_hmac_sha2_512:
    return 256;
  default:
    return 96;
  }
}

key_bytes key_of(const crypto::secret_bytes& k) {
  return key_bytes{std::vector<std::uint8_t>(k.data(), k.data() + k.size())};
}

sa_spec esp_sa(const ike::child_established& c, const sa_ends& e, bool inbound) {
  sa_spec sa;
  const auto& keys = inbound ? c.inbound : c.outbound;
  sa.src = inbound ? e.remote : e.local;
  sa.dst = inbound ? e.local : e.remote;
  sa.spi = keys.spi;
  sa.proto = xfrm_proto::esp;
  // With IPComp the bundle is IPComp (tunnel) outside ESP (transport).
  sa.mode = c.ipcomp ? xfrm_mode::transport : xfrm_mode::tunnel;
  sa.reqid = e.reqid;
  sa.enc_alg = xfrm_enc_name(c.agreed.enc);
  sa.enc_key = key_of(keys.enc_key);
  sa.auth_alg = xfrm_auth_name(c.agreed.auth);
  sa.auth_trunc_bits = icv_bits(c.agreed.auth);
  sa.auth_key = key_of(keys.auth_key);
  sa.hard_seconds = c.lifetime;
  sa.soft_seconds = c.lifetime > 10 ? c.lifetime * 9 / 10 : 0;
  if (c.udp_encap)
    sa.encap =
        inbound ? udp_encap{e.remote_port, e.local_port} : udp_encap{e.local_port, e.remote_port};
  return sa;
}

sa_spec comp_sa(const ike::child_established& c, const sa_ends& e, bool inbound) {
  sa_spec sa;
  sa.src = inbound ? e.remote : e.local;
  sa.dst = inbound ? e.local : e.remote;
  sa.spi = inbound ? c.inbound.cpi : c.outbound.cpi;
  sa.proto = xfrm_proto::comp;
  sa.mode = xfrm_mode::tunnel;
  sa.reqid = e.reqid;
  sa.comp_alg = "deflate";
  sa.hard_seconds = c.lifetime;
  return sa;
}

} // namespace

std::vector<sa_spec> sa_specs_for(const ike::child_established& c, const sa_ends& e) {
  std::vector<sa_spec> out{esp_sa(c, e, true), esp_sa(c, e, false)};
  if (c.ipcomp) {
    out.push_back(comp_sa(c, e, true));
    out.push_back(comp_sa(c, e, false));
  }
  return out;
}

} // namespace coati::kernel
