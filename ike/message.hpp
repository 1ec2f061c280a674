#pragma once
// ISAKMP messages: header + payload chain, strict decoding and encoding.
//
//   auto m = ike::decode(datagram);            // result<message>
//   if (!m) log(m.error().render());
//   if (auto* sa = m->find<ike::sa_payload>()) ...
//
//   ike::message out{ike::header::make(ike::exchange_type::identity_protection, ic, rc)};
//   out.add(sa).add(ike::vendor_id_payload{dpd_vid});
//   auto wire = ike::encode(out);              // result<bytes>; next payloads and lengths
//                                              // are computed here
//
// Encrypted messages (E flag): decode() gives the header and the ciphertext in
// encrypted_body; after decryption, decode_payloads(plain, hdr.next_payload) reads the
// chain (padding after the last payload is allowed). To send: encode_payloads() gives the
// plaintext chain, the caller pads and encrypts it, and encode() of a message with the E
// flag, hdr.next_payload = first payload type and encrypted_body = ciphertext gives the
// datagram.
//
// Decoding is exact: encode(decode(d)) == d, so encode_body() of a received payload gives
// the bytes it arrived as (SAi_b, IDii_b for HASH_I/R) and encode_payloads() of the
// payloads after a HASH gives what quick mode / informational HASH(1) covers.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ike/error.hpp"
#include "ike/payloads.hpp"

namespace coati::ike {

/// Size of the ISAKMP header.
inline constexpr std::size_t header_size = 28;

/// The ISAKMP header (RFC 2408 §3.1).
struct header {
  cookie icookie{};
  cookie rcookie{};
  payload_type next_payload = payload_type::none; ///< computed by encode() unless encrypted
  std::uint8_t version = isakmp_version;
  exchange_type exchange = exchange_type::none;
  std::uint8_t flags = 0;
  std::uint32_t message_id = 0;
  std::uint32_t length = 0; ///< computed by encode()

  /// A header for an exchange between these cookies.
  static header make(exchange_type x, const cookie& i, const cookie& r = {},
                     std::uint32_t message_id = 0, std::uint8_t flags = 0);
  bool encrypted() const { return (flags & flags::encryption) != 0; }
  friend bool operator==(const header&, const header&) = default;
};

/// A whole ISAKMP message.
struct message {
  ike::header hdr;
  std::vector<payload> payloads; ///< the chain, when not encrypted
  bytes encrypted_body;          ///< everything after the header, when encrypted

  message() = default;
  /// A message with this header and no payloads yet.
  explicit message(const ike::header& h) : hdr(h) {}

  /// Appends a payload; returns *this for chaining.
  template <class T>
  message& add(T p) {
    payloads.emplace_back(std::move(p));
    return *this;
  }
  /// The first payload of type T, or null.
  template <class T>
  const T* find() const {
    return find_in<T>(payloads);
  }
  template <class T>
  T* find() {
    for (auto& p : payloads)
      if (auto* x = std::get_if<T>(&p))
        return x;
    return nullptr;
  }
  /// Every payload of type T, in order.
  template <class T>
  std::vector<const T*> find_all() const {
    std::vector<const T*> out;
    for (const auto& p : payloads)
      if (const auto* x = std::get_if<T>(&p))
        out.push_back(x);
    return out;
  }
  /// The first payload of type T in any chain, or null.
  template <class T>
  static const T* find_in(std::span<const payload> chain) {
    for (const auto& p : chain)
      if (const auto* x = std::get_if<T>(&p))
        return x;
    return nullptr;
  }
  friend bool operator==(const message&, const message&) = default;
};

/// The first payload of type T in a chain, or null.
template <class T>
const T* find(std::span<const payload> chain) {
  return message::find_in<T>(chain);
}

/// The first payload of wire type `t` in a chain, or null (NAT-D matches 20, 130 and 15
/// only by the exact number asked for).
const payload* find(std::span<const payload> chain, payload_type t);

/// A one-line description for logs: exchange, flags, M-ID, cookies and payload types,
/// e.g. "main mode mid=0 i=0011.. r=0000.. [SA, VID, VID]"; "(encrypted)" when the body
/// is ciphertext.
std::string summary(const message& m);

/// Decodes the 28-byte header only (checks version, flags and that length is the
/// datagram size).
result<header> decode_header(std::span<const std::uint8_t> datagram);

/// Decodes a whole datagram. Every length is checked; the header length must equal the
/// datagram size and a clear chain must end exactly there.
result<message> decode(std::span<const std::uint8_t> datagram);

/// Decodes a payload chain starting with `first`, e.g. decrypted plaintext. Bytes after
/// the last payload are accepted when `allow_padding`; `base_offset` is added to error
/// offsets (28 for a body right after the header).
result<std::vector<payload>> decode_payloads(std::span<const std::uint8_t> chain,
                                             payload_type first,
                                             std::size_t base_offset = header_size,
                                             bool allow_padding = true);

/// Encodes a message: next-payload fields and lengths are computed; an encrypted message
/// is header + encrypted_body.
result<bytes> encode(const message& m);

/// Encodes a payload chain (generic headers included, last next-payload 0).
result<bytes> encode_payloads(std::span<const payload> chain);

/// Encodes one payload's body (without the generic header), e.g. SAi_b or IDii_b.
result<bytes> encode_body(const payload& p);

} // namespace coati::ike
