// racoon.conf spellings of every enum (one place for parser and printer).

#include "config/parser.hpp"

namespace coati::config::detail {

namespace {
template <std::size_t N>
std::string_view pick(const std::string_view (&names)[N], unsigned i) {
  return i < N ? names[i] : std::string_view{"?"};
}
} // namespace

std::string_view name_of(log_level v) {
  static const std::string_view n[] = {"error", "warning", "notify", "info", "debug", "debug2"};
  return pick(n, static_cast<unsigned>(v));
}
std::string_view name_of(exchange_mode v) {
  static const std::string_view n[] = {"main", "aggressive", "base"};
  return pick(n, static_cast<unsigned>(v));
}
std::string_view name_of(ike_cipher v) {
  static const std::string_view n[] = {"des", "3des",     "blowfish", "cast128",
                                       "aes", "camellia", "idea",     "rc5"};
  return pick(n, static_cast<unsigned>(v));
}
std::string_view name_of(ike_hash v) {
  static const std::string_view n[] = {"md5", "sha1", "sha256", "sha384", "sha512"};
  return pick(n, static_cast<unsigned>(v));
}
std::string_view name_of(auth_method v) {
  static const std::string_view n[] = {
      "pre_shared_key",    "rsasig",           "gssapi_krb",       "hybrid_rsa_server",
      "hybrid_rsa_client", "xauth_rsa_server", "xauth_rsa_client", "xauth_psk_server",
      "xauth_psk_client"};
  return pick(n, static_cast<unsigned>(v));
}
std::string_view name_of(dh_group v) {
  switch (v) {
  case dh_group::modp768:
    return "modp768";
  case dh_group::modp1024:
    return "modp1024";
  case dh_group::modp1536:
    return "modp1536";
  case dh_group::modp2048:
    return "modp2048";
  case dh_group::modp3072:
    return "modp3072";
  case dh_group::modp4096:
    return "modp4096";
  case dh_group::modp6144:
    return "modp6144";
  case dh_group::modp8192:
    return "modp8192";
  }
  return "?";
}
std::string_view name_of(esp_cipher v) {
  static const std::string_view n[] = {"des",      "3des",    "des_iv64", "des_iv32", "rc5",
                                       "rc4",      "idea",    "3idea",    "cast128",  "blowfish",
                                       "null_enc", "twofish", "aes",      "camellia"};
  return pick(n, static_cast<unsigned>(v));
}
std::string_view name_of(esp_auth v) {
  static const std::string_view n[] = {"hmac_md5",    "hmac_sha1",   "hmac_sha256",
                                       "hmac_sha384", "hmac_sha512", "non_auth"};
  return pick(n, static_cast<unsigned>(v));
}
std::string_view name_of(ipcomp_alg v) {
  static const std::string_view n[] = {"oui", "deflate", "lzs"};
  return pick(n, static_cast<unsigned>(v));
}
std::string_view name_of(proposal_check_mode v) {
  static const std::string_view n[] = {"obey", "strict", "claim", "exact"};
  return pick(n, static_cast<unsigned>(v));
}
std::string_view name_of(generate_policy_mode v) {
  static const std::string_view n[] = {"off", "on", "require", "unique"};
  return pick(n, static_cast<unsigned>(v));
}
std::string_view name_of(tristate v) {
  static const std::string_view n[] = {"off", "on", "force"};
  return pick(n, static_cast<unsigned>(v));
}
std::string_view name_of(situation v) {
  static const std::string_view n[] = {"identity_only", "secrecy", "integrity"};
  return pick(n, static_cast<unsigned>(v));
}
std::string_view name_of(auth_source v) {
  static const std::string_view n[] = {"system", "radius", "pam", "ldap"};
  return pick(n, static_cast<unsigned>(v));
}
std::string_view name_of(group_source v) {
  static const std::string_view n[] = {"system", "ldap"};
  return pick(n, static_cast<unsigned>(v));
}
std::string_view name_of(conf_source v) {
  static const std::string_view n[] = {"local", "radius", "ldap"};
  return pick(n, static_cast<unsigned>(v));
}
std::string_view name_of(accounting v) {
  static const std::string_view n[] = {"none", "system", "radius", "pam"};
  return pick(n, static_cast<unsigned>(v));
}
std::string_view name_of(identifier::kind v) {
  static const std::string_view n[] = {"address", "fqdn", "user_fqdn", "keyid", "keyid", "asn1dn"};
  return pick(n, static_cast<unsigned>(v));
}
std::string_view name_of(sainfo_id::kind v) {
  static const std::string_view n[] = {"address", "subnet", "fqdn", "user_fqdn", "keyid"};
  return pick(n, static_cast<unsigned>(v));
}

} // namespace coati::config::detail
