#pragma once
// Typed ISAKMP payloads of IKEv1 (RFC 2407/2408/2409 and the extensions racoon speaks).
// Each struct is the payload body without its 4-byte generic header; the chain
// (next-payload, length) is computed by the encoder in ike/message.hpp.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ike/constants.hpp"

namespace coati::ike {

/// Raw bytes.
using bytes = std::vector<std::uint8_t>;
/// An ISAKMP cookie (SPI of the ISAKMP SA).
using cookie = std::array<std::uint8_t, 8>;
/// An IPv4 address in network order.
using ipv4_address = std::array<std::uint8_t, 4>;
/// An IPv6 address in network order.
using ipv6_address = std::array<std::uint8_t, 16>;

/// An ISAKMP data attribute (RFC 2408 §3.3): basic (TV, 16-bit value) or variable (TLV).
struct data_attribute {
  std::uint16_t type = 0;        ///< attribute type without the AF bit
  bool basic = true;             ///< TV form (AF bit set)
  std::uint16_t basic_value = 0; ///< the value when basic
  bytes value;                   ///< the value when variable

  /// A basic (TV) attribute.
  static data_attribute tv(std::uint16_t type, std::uint16_t value);
  /// A variable (TLV) attribute.
  static data_attribute tlv(std::uint16_t type, bytes value);
  /// A variable attribute holding text (no terminating NUL).
  static data_attribute text(std::uint16_t type, std::string_view value);
  /// An integer the way racoon sends lifetimes: TV when it fits 16 bits, else a 4-byte
  /// TLV (8 bytes above 32 bits).
  static data_attribute integer(std::uint16_t type, std::uint64_t value);

  /// The value as an integer: the TV value, or a TLV of 1..8 bytes read big-endian.
  std::optional<std::uint64_t> as_integer() const;
  /// The TLV value as text (empty for TV).
  std::string as_text() const;

  friend bool operator==(const data_attribute&, const data_attribute&) = default;
};

/// Returns the first attribute of `type`, or null.
const data_attribute* find_attribute(const std::vector<data_attribute>& attrs, std::uint16_t type);

/// A transform inside a proposal (RFC 2408 §3.6).
struct transform {
  std::uint8_t number = 1;
  std::uint8_t id = transform_id::key_ike;
  std::vector<data_attribute> attributes;

  /// The first attribute of `type`, or null.
  const data_attribute* find(std::uint16_t type) const;
  friend bool operator==(const transform&, const transform&) = default;
};

/// A proposal inside an SA payload (RFC 2408 §3.5); proposals sharing a number form a
/// bundle.
struct proposal {
  std::uint8_t number = 1;
  protocol_id protocol = protocol_id::isakmp;
  bytes spi;                         ///< 0..255 bytes (ESP/AH 4, IPComp 2, ISAKMP 0)
  std::vector<transform> transforms; ///< 1..255

  friend bool operator==(const proposal&, const proposal&) = default;
};

/// Security Association payload (1), IPsec DOI, situation identity-only.
struct sa_payload {
  std::uint32_t doi = doi::ipsec;
  std::uint32_t situation = situation::identity_only;
  std::vector<proposal> proposals; ///< at least one
  friend bool operator==(const sa_payload&, const sa_payload&) = default;
};

/// Key Exchange payload (4): the DH public value.
struct ke_payload {
  bytes data;
  friend bool operator==(const ke_payload&, const ke_payload&) = default;
};

/// Identification payload (5), IPsec DOI form (RFC 2407 §4.6.2).
struct id_payload {
  id_type kind = id_type::ipv4_addr;
  std::uint8_t protocol = 0; ///< IP protocol, 0 = any
  std::uint16_t port = 0;    ///< 0 = any
  bytes data;                ///< address(es), name or DER, by kind

  /// ID_IPV4_ADDR.
  static id_payload ipv4(const ipv4_address& a, std::uint8_t proto = 0, std::uint16_t port = 0);
  /// ID_IPV4_ADDR_SUBNET (address, mask).
  static id_payload ipv4_subnet(const ipv4_address& a, const ipv4_address& mask,
                                std::uint8_t proto = 0, std::uint16_t port = 0);
  /// ID_IPV4_ADDR_RANGE (first, last).
  static id_payload ipv4_range(const ipv4_address& from, const ipv4_address& to,
                               std::uint8_t proto = 0, std::uint16_t port = 0);
  /// ID_IPV6_ADDR.
  static id_payload ipv6(const ipv6_address& a, std::uint8_t proto = 0, std::uint16_t port = 0);
  /// ID_IPV6_ADDR_SUBNET (address, mask).
  static id_payload ipv6_subnet(const ipv6_address& a, const ipv6_address& mask,
                                std::uint8_t proto = 0, std::uint16_t port = 0);
  /// ID_IPV6_ADDR_RANGE (first, last).
  static id_payload ipv6_range(const ipv6_address& from, const ipv6_address& to,
                               std::uint8_t proto = 0, std::uint16_t port = 0);
  /// ID_FQDN.
  static id_payload fqdn(std::string_view name);
  /// ID_USER_FQDN (user@host).
  static id_payload user_fqdn(std::string_view name);
  /// ID_KEY_ID (opaque bytes).
  static id_payload key_id(std::span<const std::uint8_t> key);
  /// DER-encoded X.500 distinguished name (the certificate subject's DER).
  static id_payload der_asn1_dn(std::span<const std::uint8_t> der);

  /// Human-readable form for logs and REMOTE_ID ("192.0.2.1", "10.0.0.0/24", "a-b",
  /// names as text, DER and key IDs as hex).
  std::string to_string() const;
  friend bool operator==(const id_payload&, const id_payload&) = default;
};

/// Certificate payload (6).
struct cert_payload {
  std::uint8_t encoding = cert_encoding::x509_sig;
  bytes data; ///< non-empty
  friend bool operator==(const cert_payload&, const cert_payload&) = default;
};

/// Certificate Request payload (7); an empty authority asks for any CA.
struct cr_payload {
  std::uint8_t cert_type = cert_encoding::x509_sig;
  bytes authority; ///< DER DN of the CA, may be empty
  friend bool operator==(const cr_payload&, const cr_payload&) = default;
};

/// Hash payload (8).
struct hash_payload {
  bytes data;
  friend bool operator==(const hash_payload&, const hash_payload&) = default;
};

/// Signature payload (9).
struct sig_payload {
  bytes data;
  friend bool operator==(const sig_payload&, const sig_payload&) = default;
};

/// Nonce payload (10).
struct nonce_payload {
  bytes data;
  friend bool operator==(const nonce_payload&, const nonce_payload&) = default;
};

/// Notification payload (11).
struct notify_payload {
  std::uint32_t doi = doi::ipsec;
  protocol_id protocol = protocol_id::isakmp;
  notify_type message = notify_type::initial_contact;
  bytes spi; ///< 0..255 bytes; ISAKMP: 16 = CKY-I | CKY-R
  bytes data;

  /// INITIAL-CONTACT for the ISAKMP SA with these cookies.
  static notify_payload initial_contact(const cookie& i, const cookie& r);
  /// R-U-THERE or R-U-THERE-ACK (RFC 3706) with a sequence number.
  static notify_payload dpd(notify_type t, const cookie& i, const cookie& r, std::uint32_t seq);
  /// RESPONDER-LIFETIME (RFC 2407 §4.6.3.1) in seconds for an IPsec SA.
  static notify_payload responder_lifetime(protocol_id proto, std::span<const std::uint8_t> spi,
                                           std::uint32_t seconds);
  /// True for error types (1..16383).
  bool is_error() const { return static_cast<std::uint16_t>(message) < 16384; }
  /// The DPD sequence number when the data is exactly 4 bytes.
  std::optional<std::uint32_t> dpd_sequence() const;
  friend bool operator==(const notify_payload&, const notify_payload&) = default;
};

/// Delete payload (12).
struct delete_payload {
  std::uint32_t doi = doi::ipsec;
  protocol_id protocol = protocol_id::esp;
  std::vector<bytes> spis; ///< at least one, all of one non-zero size
  friend bool operator==(const delete_payload&, const delete_payload&) = default;
};

/// Vendor ID payload (13).
struct vendor_id_payload {
  bytes data;
  friend bool operator==(const vendor_id_payload&, const vendor_id_payload&) = default;
};

/// Attribute payload (14) of the transaction exchange (XAuth, Mode Config, Unity).
struct attribute_payload {
  cfg_type kind = cfg_type::request;
  std::uint16_t identifier = 0;
  std::vector<data_attribute> attributes;

  /// The first attribute of `type`, or null.
  const data_attribute* find(std::uint16_t type) const;
  friend bool operator==(const attribute_payload&, const attribute_payload&) = default;
};

/// NAT discovery payload: RFC 3947 (20), drafts (130), or racoon's drafts 04-08 (15).
struct nat_d_payload {
  payload_type type = payload_type::nat_d;
  bytes hash;
  friend bool operator==(const nat_d_payload&, const nat_d_payload&) = default;
};

/// NAT original address payload: RFC 3947 (21), drafts (131), racoon's drafts 04-08 (16).
struct nat_oa_payload {
  payload_type type = payload_type::nat_oa;
  id_type kind = id_type::ipv4_addr; ///< ipv4_addr or ipv6_addr
  bytes address;                     ///< 4 or 16 bytes

  static nat_oa_payload ipv4(const ipv4_address& a, payload_type t = payload_type::nat_oa);
  static nat_oa_payload ipv6(const ipv6_address& a, payload_type t = payload_type::nat_oa);
  friend bool operator==(const nat_oa_payload&, const nat_oa_payload&) = default;
};

/// IKE fragment payload (132), Cisco / racoon format.
struct fragment_payload {
  std::uint16_t id = 1;
  std::uint8_t number = 1; ///< from 1
  std::uint8_t flags = 0;  ///< fragment_flags::last on the last one
  bytes data;              ///< a slice of the whole datagram, non-empty

  bool last() const { return (flags & fragment_flags::last) != 0; }
  friend bool operator==(const fragment_payload&, const fragment_payload&) = default;
};

/// A private-use payload (128..255) coati does not interpret, kept as raw body.
struct unknown_payload {
  payload_type type = payload_type::none;
  bytes body;
  friend bool operator==(const unknown_payload&, const unknown_payload&) = default;
};

/// Any top-level payload.
using payload = std::variant<sa_payload, ke_payload, id_payload, cert_payload, cr_payload,
                             hash_payload, sig_payload, nonce_payload, notify_payload,
                             delete_payload, vendor_id_payload, attribute_payload, nat_d_payload,
                             nat_oa_payload, fragment_payload, unknown_payload>;

/// The wire type of a payload.
payload_type type_of(const payload& p);

/// A short name of a payload type ("SA", "KE", "NAT-D", "#17" ...).
std::string to_string(payload_type t);

/// Lowercase hex of bytes.
std::string to_hex(std::span<const std::uint8_t> b);

} // namespace coati::ike
