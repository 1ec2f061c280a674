#pragma once
// Numbers of the ISAKMP / IKEv1 wire format: RFC 2407 (IPsec DOI), RFC 2408 (ISAKMP),
// RFC 2409 (IKE), RFC 3947 (NAT-T), RFC 3706 (DPD), draft-ietf-ipsec-isakmp-xauth-06,
// draft-dukes-ike-mode-cfg-02, Cisco Unity and the Cisco/racoon IKE fragmentation format.

#include <cstdint>

namespace coati::ike {

/// ISAKMP payload types (RFC 2408 §3.1, RFC 3947, NAT-T drafts, IKE fragmentation).
enum class payload_type : std::uint8_t {
  none = 0,
  sa = 1,
  proposal = 2,
  transform = 3,
  ke = 4,
  id = 5,
  cert = 6,
  cr = 7,
  hash = 8,
  sig = 9,
  nonce = 10,
  notify = 11,
  del = 12,
  vendor_id = 13,
  attribute = 14,
  nat_d_draft_racoon = 15,  ///< NAT-D as racoon numbers it for drafts 04..08
  nat_oa_draft_racoon = 16, ///< NAT-OA as racoon numbers it for drafts 04..08
  nat_d = 20,               ///< RFC 3947
  nat_oa = 21,              ///< RFC 3947
  nat_d_draft = 130,        ///< draft-ietf-ipsec-nat-t-ike-00..03
  nat_oa_draft = 131,       ///< draft-ietf-ipsec-nat-t-ike-00..03
  fragment = 132,           ///< Cisco / racoon IKE fragmentation
};

/// Exchange types (RFC 2408 §3.1, RFC 2409, mode-cfg draft).
enum class exchange_type : std::uint8_t {
  none = 0,
  base = 1,
  identity_protection = 2, ///< main mode
  authentication_only = 3,
  aggressive = 4,
  informational = 5,
  transaction = 6, ///< XAuth / Mode Config
  quick = 32,
  new_group = 33,
};

/// ISAKMP header flags (RFC 2408 §3.1).
namespace flags {
inline constexpr std::uint8_t encryption = 0x01;
inline constexpr std::uint8_t commit = 0x02;
inline constexpr std::uint8_t authentication_only = 0x04;
inline constexpr std::uint8_t all = 0x07;
} // namespace flags

/// ISAKMP version byte: major 1, minor 0.
inline constexpr std::uint8_t isakmp_version = 0x10;

/// Domains of interpretation.
namespace doi {
inline constexpr std::uint32_t isakmp = 0;
inline constexpr std::uint32_t ipsec = 1;
} // namespace doi

/// IPsec DOI situation bits (RFC 2407 §4.2).
namespace situation {
inline constexpr std::uint32_t identity_only = 0x01;
inline constexpr std::uint32_t secrecy = 0x02;
inline constexpr std::uint32_t integrity = 0x04;
} // namespace situation

/// Protocol identifiers in proposals, notify and delete (RFC 2407 §4.4.1).
enum class protocol_id : std::uint8_t {
  reserved = 0,
  isakmp = 1,
  ah = 2,
  esp = 3,
  ipcomp = 4,
};

/// Transform identifiers (RFC 2407 §4.4.2-4.4.5).
namespace transform_id {
inline constexpr std::uint8_t key_ike = 1;
inline constexpr std::uint8_t ah_md5 = 2;
inline constexpr std::uint8_t ah_sha = 3;
inline constexpr std::uint8_t ah_des = 4;
inline constexpr std::uint8_t ah_sha2_256 = 5;
inline constexpr std::uint8_t ah_sha2_384 = 6;
inline constexpr std::uint8_t ah_sha2_512 = 7;
inline constexpr std::uint8_t esp_des_iv64 = 1;
inline constexpr std::uint8_t esp_des = 2;
inline constexpr std::uint8_t esp_3des = 3;
inline constexpr std::uint8_t esp_rc5 = 4;
inline constexpr std::uint8_t esp_idea = 5;
inline constexpr std::uint8_t esp_cast = 6;
inline constexpr std::uint8_t esp_blowfish = 7;
inline constexpr std::uint8_t esp_3idea = 8;
inline constexpr std::uint8_t esp_des_iv32 = 9;
inline constexpr std::uint8_t esp_rc4 = 10;
inline constexpr std::uint8_t esp_null = 11;
inline constexpr std::uint8_t esp_aes_cbc = 12;
inline constexpr std::uint8_t esp_aes_ctr = 13;
inline constexpr std::uint8_t esp_aes_gcm_16 = 20;
inline constexpr std::uint8_t esp_camellia = 22;
inline constexpr std::uint8_t esp_twofish = 253;
inline constexpr std::uint8_t ipcomp_oui = 1;
inline constexpr std::uint8_t ipcomp_deflate = 2;
inline constexpr std::uint8_t ipcomp_lzs = 3;
} // namespace transform_id

/// Phase-1 (Oakley) attribute classes and values (RFC 2409 App. A).
namespace ike_attr {
inline constexpr std::uint16_t encryption = 1;
inline constexpr std::uint16_t hash = 2;
inline constexpr std::uint16_t auth_method = 3;
inline constexpr std::uint16_t group_description = 4;
inline constexpr std::uint16_t group_type = 5;
inline constexpr std::uint16_t life_type = 11;
inline constexpr std::uint16_t life_duration = 12;
inline constexpr std::uint16_t prf = 13;
inline constexpr std::uint16_t key_length = 14;
inline constexpr std::uint16_t field_size = 15;
inline constexpr std::uint16_t group_order = 16;
inline constexpr std::uint16_t gss_id = 16384; ///< racoon private

inline constexpr std::uint16_t enc_des = 1;
inline constexpr std::uint16_t enc_idea = 2;
inline constexpr std::uint16_t enc_blowfish = 3;
inline constexpr std::uint16_t enc_rc5 = 4;
inline constexpr std::uint16_t enc_3des = 5;
inline constexpr std::uint16_t enc_cast = 6;
inline constexpr std::uint16_t enc_aes = 7;
inline constexpr std::uint16_t enc_camellia = 8;

inline constexpr std::uint16_t hash_md5 = 1;
inline constexpr std::uint16_t hash_sha1 = 2;
inline constexpr std::uint16_t hash_tiger = 3;
inline constexpr std::uint16_t hash_sha256 = 4;
inline constexpr std::uint16_t hash_sha384 = 5;
inline constexpr std::uint16_t hash_sha512 = 6;

inline constexpr std::uint16_t auth_psk = 1;
inline constexpr std::uint16_t auth_dss = 2;
inline constexpr std::uint16_t auth_rsa_sig = 3;
inline constexpr std::uint16_t auth_rsa_enc = 4;
inline constexpr std::uint16_t auth_rsa_rev = 5;
inline constexpr std::uint16_t auth_hybrid_rsa_i = 64221;
inline constexpr std::uint16_t auth_hybrid_rsa_r = 64222;
inline constexpr std::uint16_t auth_hybrid_dss_i = 64223;
inline constexpr std::uint16_t auth_hybrid_dss_r = 64224;
inline constexpr std::uint16_t auth_xauth_psk_i = 65001;
inline constexpr std::uint16_t auth_xauth_psk_r = 65002;
inline constexpr std::uint16_t auth_xauth_dss_i = 65003;
inline constexpr std::uint16_t auth_xauth_dss_r = 65004;
inline constexpr std::uint16_t auth_xauth_rsa_i = 65005;
inline constexpr std::uint16_t auth_xauth_rsa_r = 65006;
inline constexpr std::uint16_t auth_xauth_rsa_enc_i = 65007;
inline constexpr std::uint16_t auth_xauth_rsa_enc_r = 65008;
inline constexpr std::uint16_t auth_xauth_rsa_rev_i = 65009;
inline constexpr std::uint16_t auth_xauth_rsa_rev_r = 65010;

inline constexpr std::uint16_t group_modp768 = 1;
inline constexpr std::uint16_t group_modp1024 = 2;
inline constexpr std::uint16_t group_modp1536 = 5;
inline constexpr std::uint16_t group_modp2048 = 14;
inline constexpr std::uint16_t group_modp3072 = 15;
inline constexpr std::uint16_t group_modp4096 = 16;
inline constexpr std::uint16_t group_modp6144 = 17;
inline constexpr std::uint16_t group_modp8192 = 18;

inline constexpr std::uint16_t life_seconds = 1;
inline constexpr std::uint16_t life_kilobytes = 2;
} // namespace ike_attr

/// Phase-2 (IPsec DOI) SA attribute classes and values (RFC 2407 §4.5, RFC 3947).
namespace ipsec_attr {
inline constexpr std::uint16_t life_type = 1;
inline constexpr std::uint16_t life_duration = 2;
inline constexpr std::uint16_t group_description = 3;
inline constexpr std::uint16_t encapsulation_mode = 4;
inline constexpr std::uint16_t auth_algorithm = 5;
inline constexpr std::uint16_t key_length = 6;
inline constexpr std::uint16_t key_rounds = 7;
inline constexpr std::uint16_t compress_dict_size = 8;
inline constexpr std::uint16_t compress_private_alg = 9;

inline constexpr std::uint16_t mode_tunnel = 1;
inline constexpr std::uint16_t mode_transport = 2;
inline constexpr std::uint16_t mode_udp_tunnel = 3;
inline constexpr std::uint16_t mode_udp_transport = 4;
inline constexpr std::uint16_t mode_udp_tunnel_draft = 61443;
inline constexpr std::uint16_t mode_udp_transport_draft = 61444;

inline constexpr std::uint16_t auth_hmac_md5 = 1;
inline constexpr std::uint16_t auth_hmac_sha1 = 2;
inline constexpr std::uint16_t auth_des_mac = 3;
inline constexpr std::uint16_t auth_kpdk = 4;
inline constexpr std::uint16_t auth_hmac_sha2_256 = 5;
inline constexpr std::uint16_t auth_hmac_sha2_384 = 6;
inline constexpr std::uint16_t auth_hmac_sha2_512 = 7;
} // namespace ipsec_attr

/// Identification types (RFC 2407 §4.6.2.1).
enum class id_type : std::uint8_t {
  ipv4_addr = 1,
  fqdn = 2,
  user_fqdn = 3,
  ipv4_addr_subnet = 4,
  ipv6_addr = 5,
  ipv6_addr_subnet = 6,
  ipv4_addr_range = 7,
  ipv6_addr_range = 8,
  der_asn1_dn = 9,
  der_asn1_gn = 10,
  key_id = 11,
};

/// Certificate encodings (RFC 2408 §3.9).
namespace cert_encoding {
inline constexpr std::uint8_t pkcs7 = 1;
inline constexpr std::uint8_t pgp = 2;
inline constexpr std::uint8_t dns_signed_key = 3;
inline constexpr std::uint8_t x509_sig = 4;
inline constexpr std::uint8_t x509_key_exchange = 5;
inline constexpr std::uint8_t kerberos = 6;
inline constexpr std::uint8_t crl = 7;
inline constexpr std::uint8_t arl = 8;
inline constexpr std::uint8_t spki = 9;
inline constexpr std::uint8_t x509_attribute = 10;
inline constexpr std::uint8_t plain_rsa = 11; ///< racoon's "plain_rsa" (private use)
} // namespace cert_encoding

/// Notify message types: errors (RFC 2408 §3.14.1) and status (RFC 2408, RFC 2407 §4.6.3,
/// RFC 3706, Cisco).
enum class notify_type : std::uint16_t {
  invalid_payload_type = 1,
  doi_not_supported = 2,
  situation_not_supported = 3,
  invalid_cookie = 4,
  invalid_major_version = 5,
  invalid_minor_version = 6,
  invalid_exchange_type = 7,
  invalid_flags = 8,
  invalid_message_id = 9,
  invalid_protocol_id = 10,
  invalid_spi = 11,
  invalid_transform_id = 12,
  attributes_not_supported = 13,
  no_proposal_chosen = 14,
  bad_proposal_syntax = 15,
  payload_malformed = 16,
  invalid_key_information = 17,
  invalid_id_information = 18,
  invalid_cert_encoding = 19,
  invalid_certificate = 20,
  cert_type_unsupported = 21,
  invalid_cert_authority = 22,
  invalid_hash_information = 23,
  authentication_failed = 24,
  invalid_signature = 25,
  address_notification = 26,
  notify_sa_lifetime = 27,
  certificate_unavailable = 28,
  unsupported_exchange_type = 29,
  unequal_payload_lengths = 30,
  connected = 16384,
  responder_lifetime = 24576,
  replay_status = 24577,
  initial_contact = 24578,
  r_u_there = 36136,
  r_u_there_ack = 36137,
  unity_heartbeat = 40500,
  unity_load_balance = 40501,
  unity_preshared_key_hash = 40503,
};

/// Mode Config / transaction message types (ATTR payload, draft-dukes-ike-mode-cfg).
enum class cfg_type : std::uint8_t {
  request = 1,
  reply = 2,
  set = 3,
  ack = 4,
};

/// Mode Config attribute types (draft-dukes-ike-mode-cfg-02 §3.2).
namespace cfg_attr {
inline constexpr std::uint16_t internal_ip4_address = 1;
inline constexpr std::uint16_t internal_ip4_netmask = 2;
inline constexpr std::uint16_t internal_ip4_dns = 3;
inline constexpr std::uint16_t internal_ip4_nbns = 4;
inline constexpr std::uint16_t internal_address_expiry = 5;
inline constexpr std::uint16_t internal_ip4_dhcp = 6;
inline constexpr std::uint16_t application_version = 7;
inline constexpr std::uint16_t internal_ip6_address = 8;
inline constexpr std::uint16_t internal_ip6_netmask = 9;
inline constexpr std::uint16_t internal_ip6_dns = 10;
inline constexpr std::uint16_t internal_ip6_nbns = 11;
inline constexpr std::uint16_t internal_ip6_dhcp = 12;
inline constexpr std::uint16_t internal_ip4_subnet = 13;
inline constexpr std::uint16_t supported_attributes = 14;
inline constexpr std::uint16_t internal_ip6_subnet = 15;
} // namespace cfg_attr

/// XAuth attribute types and values (draft-ietf-ipsec-isakmp-xauth-06 §6.1).
namespace xauth_attr {
inline constexpr std::uint16_t type = 16520;
inline constexpr std::uint16_t user_name = 16521;
inline constexpr std::uint16_t user_password = 16522;
inline constexpr std::uint16_t passcode = 16523;
inline constexpr std::uint16_t message = 16524;
inline constexpr std::uint16_t challenge = 16525;
inline constexpr std::uint16_t domain = 16526;
inline constexpr std::uint16_t status = 16527;
inline constexpr std::uint16_t next_pin = 16528;
inline constexpr std::uint16_t answer = 16529;
/// Legacy Cisco ("CPSC") numbering that racoon also understands.
inline constexpr std::uint16_t cisco_type = 13;
inline constexpr std::uint16_t cisco_user_name = 14;
inline constexpr std::uint16_t cisco_user_password = 15;
inline constexpr std::uint16_t cisco_passcode = 16;
inline constexpr std::uint16_t cisco_message = 17;
inline constexpr std::uint16_t cisco_challenge = 18;
inline constexpr std::uint16_t cisco_domain = 19;
inline constexpr std::uint16_t cisco_status = 20;

inline constexpr std::uint16_t type_generic = 0;
inline constexpr std::uint16_t type_radius_chap = 1;
inline constexpr std::uint16_t type_otp = 2;
inline constexpr std::uint16_t type_skey = 3;
inline constexpr std::uint16_t status_fail = 0;
inline constexpr std::uint16_t status_ok = 1;
} // namespace xauth_attr

/// Cisco Unity Mode Config attribute types (0x7000 base).
namespace unity_attr {
inline constexpr std::uint16_t banner = 28672;
inline constexpr std::uint16_t save_passwd = 28673;
inline constexpr std::uint16_t def_domain = 28674;
inline constexpr std::uint16_t splitdns_name = 28675;
inline constexpr std::uint16_t split_include = 28676;
inline constexpr std::uint16_t natt_port = 28677;
inline constexpr std::uint16_t local_lan = 28678;
inline constexpr std::uint16_t pfs = 28679;
inline constexpr std::uint16_t fw_type = 28680;
inline constexpr std::uint16_t backup_servers = 28681;
inline constexpr std::uint16_t ddns_hostname = 28682;
} // namespace unity_attr

/// IKE fragment payload flags (Cisco / racoon format).
namespace fragment_flags {
inline constexpr std::uint8_t last = 0x01;
} // namespace fragment_flags

} // namespace coati::ike
