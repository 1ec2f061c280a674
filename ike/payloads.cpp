// The simple payloads: KE, ID, CERT, CR, HASH, SIG, NONCE, N, D, VID, NAT-D, NAT-OA, FRAG.

#include <cstdio>
#include <string>

#include "ike/payload_codec.hpp"

namespace coati::ike {

namespace {

template <std::size_t N>
bytes concat(const std::array<std::uint8_t, N>& a) {
  return bytes(a.begin(), a.end());
}

template <std::size_t N>
bytes concat(const std::array<std::uint8_t, N>& a, const std::array<std::uint8_t, N>& b) {
  bytes out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

id_payload make_id(id_type k, bytes data, std::uint8_t proto, std::uint16_t port) {
  id_payload p;
  p.kind = k;
  p.protocol = proto;
  p.port = port;
  p.data = std::move(data);
  return p;
}

std::string v4_text(const std::uint8_t* a) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
  return buf;
}

std::string v6_text(const std::uint8_t* a) {
  // Full form without zero compression: simple and unambiguous for logs.
  std::string s;
  char buf[8];
  for (int i = 0; i < 16; i += 2) {
    std::snprintf(buf, sizeof buf, "%x", (a[i] << 8) | a[i + 1]);
    if (i)
      s += ':';
    s += buf;
  }
  return s;
}

int prefix_len(const std::uint8_t* mask, std::size_t n) {
  int bits = 0;
  for (std::size_t i = 0; i < n; ++i) {
    for (int b = 7; b >= 0; --b) {
      if (!(mask[i] & (1 << b)))
        return bits;
      ++bits;
    }
  }
  return bits;
}

} // namespace

id_payload id_payload::ipv4(const ipv4_address& a, std::uint8_t proto, std::uint16_t port) {
  return make_id(id_type::ipv4_addr, concat(a), proto, port);
}
id_payload id_payload::ipv4_subnet(const ipv4_address& a, const ipv4_address& mask,
                                   std::uint8_t proto, std::uint16_t port) {
  return make_id(id_type::ipv4_addr_subnet, concat(a, mask), proto, port);
}
id_payload id_payload::ipv4_range(const ipv4_address& from, const ipv4_address& to,
                                  std::uint8_t proto, std::uint16_t port) {
  return make_id(id_type::ipv4_addr_range, concat(from, to), proto, port);
}
id_payload id_payload::ipv6(const ipv6_address& a, std::uint8_t proto, std::uint16_t port) {
  return make_id(id_type::ipv6_addr, concat(a), proto, port);
}
id_payload id_payload::ipv6_subnet(const ipv6_address& a, const ipv6_address& mask,
                                   std::uint8_t proto, std::uint16_t port) {
  return make_id(id_type::ipv6_addr_subnet, concat(a, mask), proto, port);
}
id_payload id_payload::ipv6_range(const ipv6_address& from, const ipv6_address& to,
                                  std::uint8_t proto, std::uint16_t port) {
  return make_id(id_type::ipv6_addr_range, concat(from, to), proto, port);
}
id_payload id_payload::fqdn(std::string_view name) {
  return make_id(id_type::fqdn, bytes(name.begin(), name.end()), 0, 0);
}
id_payload id_payload::user_fqdn(std::string_view name) {
  return make_id(id_type::user_fqdn, bytes(name.begin(), name.end()), 0, 0);
}
id_payload id_payload::key_id(std::span<const std::uint8_t> key) {
  return make_id(id_type::key_id, bytes(key.begin(), key.end()), 0, 0);
}
id_payload id_payload::der_asn1_dn(std::span<const std::uint8_t> der) {
  return make_id(id_type::der_asn1_dn, bytes(der.begin(), der.end()), 0, 0);
}

std::string id_payload::to_string() const {
  const auto* d = data.data();
  switch (kind) {
  case id_type::ipv4_addr:
    return data.size() == 4 ? v4_text(d) : to_hex(data);
  case id_type::ipv4_addr_subnet:
    return data.size() == 8 ? v4_text(d) + "/" + std::to_string(prefix_len(d + 4, 4))
                            : to_hex(data);
  case id_type::ipv4_addr_range:
    return data.size() == 8 ? v4_text(d) + "-" + v4_text(d + 4) : to_hex(data);
  case id_type::ipv6_addr:
    return data.size() == 16 ? v6_text(d) : to_hex(data);
  case id_type::ipv6_addr_subnet:
    return data.size() == 32 ? v6_text(d) + "/" + std::to_string(prefix_len(d + 16, 16))
                             : to_hex(data);
  case id_type::ipv6_addr_range:
    return data.size() == 32 ? v6_text(d) + "-" + v6_text(d + 16) : to_hex(data);
  case id_type::fqdn:
  case id_type::user_fqdn:
    return std::string(data.begin(), data.end());
  default:
    return to_hex(data);
  }
}

notify_payload notify_payload::initial_contact(const cookie& i, const cookie& r) {
  notify_payload n;
  n.doi = doi::ipsec;
  n.protocol = protocol_id::isakmp;
  n.message = notify_type::initial_contact;
  n.spi = concat(i, r);
  return n;
}

notify_payload notify_payload::dpd(notify_type t, const cookie& i, const cookie& r,
                                   std::uint32_t seq) {
  notify_payload n;
  n.doi = doi::ipsec;
  n.protocol = protocol_id::isakmp;
  n.message = t;
  n.spi = concat(i, r);
  n.data = {static_cast<std::uint8_t>(seq >> 24), static_cast<std::uint8_t>(seq >> 16),
            static_cast<std::uint8_t>(seq >> 8), static_cast<std::uint8_t>(seq)};
  return n;
}

notify_payload notify_payload::responder_lifetime(protocol_id proto,
                                                  std::span<const std::uint8_t> spi,
                                                  std::uint32_t seconds) {
  notify_payload n;
  n.doi = doi::ipsec;
  n.protocol = proto;
  n.message = notify_type::responder_lifetime;
  n.spi.assign(spi.begin(), spi.end());
  bytes d;
  detail::writer w(d);
  detail::encode_attributes(
      w, {data_attribute::tv(ipsec_attr::life_type, ike_attr::life_seconds),
          data_attribute::tlv(ipsec_attr::life_duration, {static_cast<std::uint8_t>(seconds >> 24),
                                                          static_cast<std::uint8_t>(seconds >> 16),
                                                          static_cast<std::uint8_t>(seconds >> 8),
                                                          static_cast<std::uint8_t>(seconds)})});
  n.data = std::move(d);
  return n;
}

std::optional<std::uint32_t> notify_payload::dpd_sequence() const {
  if (data.size() != 4)
    return std::nullopt;
  return (std::uint32_t{data[0]} << 24) | (std::uint32_t{data[1]} << 16) |
         (std::uint32_t{data[2]} << 8) | data[3];
}

nat_oa_payload nat_oa_payload::ipv4(const ipv4_address& a, payload_type t) {
  return nat_oa_payload{t, id_type::ipv4_addr, concat(a)};
}

nat_oa_payload nat_oa_payload::ipv6(const ipv6_address& a, payload_type t) {
  return nat_oa_payload{t, id_type::ipv6_addr, concat(a)};
}

std::string to_hex(std::span<const std::uint8_t> b) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(b.size() * 2);
  for (auto c : b) {
    s += digits[c >> 4];
    s += digits[c & 15];
  }
  return s;
}

namespace detail {

namespace {

void nonempty(const bytes& b, std::size_t at, const char* what) {
  if (b.empty())
    fail(at, codec_reason::bad_length, std::string(what) + " payload without data");
}

std::size_t id_data_size(id_type k) {
  switch (k) {
  case id_type::ipv4_addr:
    return 4;
  case id_type::ipv4_addr_subnet:
  case id_type::ipv4_addr_range:
    return 8;
  case id_type::ipv6_addr:
    return 16;
  case id_type::ipv6_addr_subnet:
  case id_type::ipv6_addr_range:
    return 32;
  default:
    return 0;
  }
}

void check_id(const id_payload& p, std::size_t at) {
  auto k = static_cast<std::uint8_t>(p.kind);
  if (k < 1 || k > 11)
    fail(at, codec_reason::bad_id, "unknown ID type " + std::to_string(k));
  auto want = id_data_size(p.kind);
  if (want && p.data.size() != want)
    fail(at + 4, codec_reason::bad_id,
         "ID type " + std::to_string(k) + " needs " + std::to_string(want) + " bytes, has " +
             std::to_string(p.data.size()));
  if (!want && p.data.empty())
    fail(at + 4, codec_reason::bad_id, "ID type " + std::to_string(k) + " without data");
}

void check_nat_oa(const nat_oa_payload& p, std::size_t at) {
  std::size_t want = p.kind == id_type::ipv4_addr ? 4 : p.kind == id_type::ipv6_addr ? 16 : 0;
  if (!want)
    fail(at, codec_reason::bad_id,
         "NAT-OA ID type " + std::to_string(static_cast<int>(p.kind)) + " is not an address");
  if (p.address.size() != want)
    fail(at + 4, codec_reason::bad_id,
         "NAT-OA address of " + std::to_string(p.address.size()) + " bytes");
}

void check_delete(const delete_payload& p, std::size_t at) {
  if (p.spis.empty())
    fail(at + 6, codec_reason::bad_value, "delete without SPIs");
  auto size = p.spis.front().size();
  if (size == 0)
    fail(at + 5, codec_reason::bad_value, "delete with SPI size 0");
  check_fits(size, 0xff, "SPI size");
  check_fits(p.spis.size(), 0xffff, "number of SPIs");
  for (const auto& s : p.spis)
    if (s.size() != size)
      fail(at + 5, codec_reason::bad_value, "delete SPIs of different sizes");
}

void check_fragment(const fragment_payload& p, std::size_t at) {
  if (p.number == 0)
    fail(at + 2, codec_reason::bad_value, "fragment number 0");
  nonempty(p.data, at + 4, "fragment");
}

} // namespace

void decode_body(reader& r, ke_payload& p) {
  p.data = r.rest();
  nonempty(p.data, r.offset(), "KE");
}
void encode_body(writer& w, const ke_payload& p) {
  nonempty(p.data, w.size(), "KE");
  w.bytes(p.data);
}

void decode_body(reader& r, id_payload& p) {
  auto at = r.offset();
  p.kind = static_cast<id_type>(r.u8("ID type"));
  p.protocol = r.u8("protocol ID");
  p.port = r.u16("port");
  p.data = r.rest();
  check_id(p, at);
}
void encode_body(writer& w, const id_payload& p) {
  check_id(p, w.size());
  w.u8(static_cast<std::uint8_t>(p.kind));
  w.u8(p.protocol);
  w.u16(p.port);
  w.bytes(p.data);
}

void decode_body(reader& r, cert_payload& p) {
  p.encoding = r.u8("certificate encoding");
  p.data = r.rest();
  nonempty(p.data, r.offset(), "CERT");
}
void encode_body(writer& w, const cert_payload& p) {
  nonempty(p.data, w.size(), "CERT");
  w.u8(p.encoding);
  w.bytes(p.data);
}

void decode_body(reader& r, cr_payload& p) {
  p.cert_type = r.u8("certificate type");
  p.authority = r.rest();
}
void encode_body(writer& w, const cr_payload& p) {
  w.u8(p.cert_type);
  w.bytes(p.authority);
}

void decode_body(reader& r, hash_payload& p) {
  p.data = r.rest();
  nonempty(p.data, r.offset(), "HASH");
}
void encode_body(writer& w, const hash_payload& p) {
  nonempty(p.data, w.size(), "HASH");
  w.bytes(p.data);
}

void decode_body(reader& r, sig_payload& p) {
  p.data = r.rest();
  nonempty(p.data, r.offset(), "SIG");
}
void encode_body(writer& w, const sig_payload& p) {
  nonempty(p.data, w.size(), "SIG");
  w.bytes(p.data);
}

void decode_body(reader& r, nonce_payload& p) {
  p.data = r.rest();
  nonempty(p.data, r.offset(), "NONCE");
}
void encode_body(writer& w, const nonce_payload& p) {
  nonempty(p.data, w.size(), "NONCE");
  w.bytes(p.data);
}

void decode_body(reader& r, notify_payload& p) {
  p.doi = r.u32("DOI");
  p.protocol = static_cast<protocol_id>(r.u8("protocol ID"));
  auto spi_size = r.u8("SPI size");
  p.message = static_cast<notify_type>(r.u16("notify message type"));
  p.spi = r.bytes(spi_size, "SPI");
  p.data = r.rest();
}
void encode_body(writer& w, const notify_payload& p) {
  check_fits(p.spi.size(), 0xff, "SPI size");
  w.u32(p.doi);
  w.u8(static_cast<std::uint8_t>(p.protocol));
  w.u8(static_cast<std::uint8_t>(p.spi.size()));
  w.u16(static_cast<std::uint16_t>(p.message));
  w.bytes(p.spi);
  w.bytes(p.data);
}

void decode_body(reader& r, delete_payload& p) {
  auto at = r.offset();
  p.doi = r.u32("DOI");
  p.protocol = static_cast<protocol_id>(r.u8("protocol ID"));
  auto size = r.u8("SPI size");
  auto count = r.u16("number of SPIs");
  if (size == 0 || count == 0)
    fail(size == 0 ? at + 5 : at + 6, codec_reason::bad_value,
         size == 0 ? "delete with SPI size 0" : "delete without SPIs");
  if (std::size_t{size} * count != r.remaining())
    fail(at + 6, codec_reason::count_mismatch,
         std::to_string(count) + " SPIs of " + std::to_string(size) + " bytes but " +
             std::to_string(r.remaining()) + " bytes follow");
  for (unsigned i = 0; i < count; ++i)
    p.spis.push_back(r.bytes(size, "SPI"));
  check_delete(p, at);
}
void encode_body(writer& w, const delete_payload& p) {
  check_delete(p, w.size());
  w.u32(p.doi);
  w.u8(static_cast<std::uint8_t>(p.protocol));
  w.u8(static_cast<std::uint8_t>(p.spis.front().size()));
  w.u16(static_cast<std::uint16_t>(p.spis.size()));
  for (const auto& s : p.spis)
    w.bytes(s);
}

void decode_body(reader& r, vendor_id_payload& p) {
  p.data = r.rest();
  nonempty(p.data, r.offset(), "VID");
}
void encode_body(writer& w, const vendor_id_payload& p) {
  nonempty(p.data, w.size(), "VID");
  w.bytes(p.data);
}

void decode_body(reader& r, nat_d_payload& p) {
  p.hash = r.rest();
  nonempty(p.hash, r.offset(), "NAT-D");
}
void encode_body(writer& w, const nat_d_payload& p) {
  nonempty(p.hash, w.size(), "NAT-D");
  w.bytes(p.hash);
}

void decode_body(reader& r, nat_oa_payload& p) {
  auto at = r.offset();
  p.kind = static_cast<id_type>(r.u8("ID type"));
  r.reserved(3, "RESERVED");
  p.address = r.rest();
  check_nat_oa(p, at);
}
void encode_body(writer& w, const nat_oa_payload& p) {
  check_nat_oa(p, w.size());
  w.u8(static_cast<std::uint8_t>(p.kind));
  w.zeros(3);
  w.bytes(p.address);
}

void decode_body(reader& r, fragment_payload& p) {
  auto at = r.offset();
  p.id = r.u16("fragment ID");
  p.number = r.u8("fragment number");
  p.flags = r.u8("flags");
  p.data = r.rest();
  check_fragment(p, at);
}
void encode_body(writer& w, const fragment_payload& p) {
  check_fragment(p, w.size());
  w.u16(p.id);
  w.u8(p.number);
  w.u8(p.flags);
  w.bytes(p.data);
}

void decode_body(reader& r, unknown_payload& p) {
  p.body = r.rest();
}
void encode_body(writer& w, const unknown_payload& p) {
  w.bytes(p.body);
}

} // namespace detail
} // namespace coati::ike
