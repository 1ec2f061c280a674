// ISAKMP header, payload chains and whole messages.

#include "ike/message.hpp"

#include <cstdio>
#include <string>

#include "ike/payload_codec.hpp"

namespace coati::ike {

// -- names and errors ----------------------------------------------------------------------

const char* to_string(codec_reason r) {
  switch (r) {
  case codec_reason::truncated:
    return "truncated";
  case codec_reason::bad_length:
    return "bad length";
  case codec_reason::trailing_data:
    return "trailing data";
  case codec_reason::bad_version:
    return "bad version";
  case codec_reason::bad_flags:
    return "bad flags";
  case codec_reason::unknown_payload_type:
    return "unknown payload type";
  case codec_reason::misplaced_payload:
    return "misplaced payload";
  case codec_reason::reserved_not_zero:
    return "reserved not zero";
  case codec_reason::count_mismatch:
    return "count mismatch";
  case codec_reason::bad_id:
    return "bad ID";
  case codec_reason::bad_value:
    return "bad value";
  case codec_reason::unsupported:
    return "unsupported";
  case codec_reason::too_large:
    return "too large";
  }
  return "?";
}

std::string codec_error::render() const {
  return "offset " + std::to_string(offset) + ": " + to_string(reason) + ": " + text;
}

std::string to_string(payload_type t) {
  switch (t) {
  case payload_type::none:
    return "NONE";
  case payload_type::sa:
    return "SA";
  case payload_type::proposal:
    return "P";
  case payload_type::transform:
    return "T";
  case payload_type::ke:
    return "KE";
  case payload_type::id:
    return "ID";
  case payload_type::cert:
    return "CERT";
  case payload_type::cr:
    return "CR";
  case payload_type::hash:
    return "HASH";
  case payload_type::sig:
    return "SIG";
  case payload_type::nonce:
    return "NONCE";
  case payload_type::notify:
    return "N";
  case payload_type::del:
    return "D";
  case payload_type::vendor_id:
    return "VID";
  case payload_type::attribute:
    return "ATTR";
  case payload_type::nat_d:
  case payload_type::nat_d_draft:
  case payload_type::nat_d_draft_racoon:
    return "NAT-D";
  case payload_type::nat_oa:
  case payload_type::nat_oa_draft:
  case payload_type::nat_oa_draft_racoon:
    return "NAT-OA";
  case payload_type::fragment:
    return "FRAG";
  }
  return "#" + std::to_string(static_cast<int>(t));
}

payload_type type_of(const payload& p) {
  struct visitor {
    payload_type operator()(const sa_payload&) const { return payload_type::sa; }
    payload_type operator()(const ke_payload&) const { return payload_type::ke; }
    payload_type operator()(const id_payload&) const { return payload_type::id; }
    payload_type operator()(const cert_payload&) const { return payload_type::cert; }
    payload_type operator()(const cr_payload&) const { return payload_type::cr; }
    payload_type operator()(const hash_payload&) const { return payload_type::hash; }
    payload_type operator()(const sig_payload&) const { return payload_type::sig; }
    payload_type operator()(const nonce_payload&) const { return payload_type::nonce; }
    payload_type operator()(const notify_payload&) const { return payload_type::notify; }
    payload_type operator()(const delete_payload&) const { return payload_type::del; }
    payload_type operator()(const vendor_id_payload&) const { return payload_type::vendor_id; }
    payload_type operator()(const attribute_payload&) const { return payload_type::attribute; }
    payload_type operator()(const nat_d_payload& x) const { return x.type; }
    payload_type operator()(const nat_oa_payload& x) const { return x.type; }
    payload_type operator()(const fragment_payload&) const { return payload_type::fragment; }
    payload_type operator()(const unknown_payload& x) const { return x.type; }
  };
  return std::visit(visitor{}, p);
}

header header::make(exchange_type x, const cookie& i, const cookie& r, std::uint32_t mid,
                    std::uint8_t f) {
  header h;
  h.icookie = i;
  h.rcookie = r;
  h.exchange = x;
  h.message_id = mid;
  h.flags = f;
  return h;
}

const payload* find(std::span<const payload> chain, payload_type t) {
  for (const auto& p : chain)
    if (type_of(p) == t)
      return &p;
  return nullptr;
}

std::string summary(const message& m) {
  std::string s;
  switch (m.hdr.exchange) {
  case exchange_type::base:
    s = "base";
    break;
  case exchange_type::identity_protection:
    s = "main mode";
    break;
  case exchange_type::authentication_only:
    s = "auth only";
    break;
  case exchange_type::aggressive:
    s = "aggressive";
    break;
  case exchange_type::informational:
    s = "informational";
    break;
  case exchange_type::transaction:
    s = "transaction";
    break;
  case exchange_type::quick:
    s = "quick mode";
    break;
  case exchange_type::new_group:
    s = "new group";
    break;
  default:
    s = "exchange " + std::to_string(static_cast<int>(m.hdr.exchange));
  }
  char mid[16];
  std::snprintf(mid, sizeof mid, "%08x", m.hdr.message_id);
  s += std::string(" mid=") + mid + " i=" + to_hex(m.hdr.icookie) + " r=" + to_hex(m.hdr.rcookie);
  if (m.hdr.flags & flags::commit)
    s += " commit";
  if (m.hdr.encrypted())
    return s + " (encrypted, first " + to_string(m.hdr.next_payload) + ", " +
           std::to_string(m.encrypted_body.size()) + " bytes)";
  s += " [";
  for (std::size_t i = 0; i < m.payloads.size(); ++i)
    s += (i ? ", " : "") + to_string(type_of(m.payloads[i]));
  return s + "]";
}

namespace {

using detail::fail;
using detail::reader;
using detail::writer;

/// What may stand at the top level of a chain.
enum class slot { known, private_use, misplaced, reserved };

slot classify(payload_type t) {
  auto v = static_cast<unsigned>(t);
  if (t == payload_type::proposal || t == payload_type::transform)
    return slot::misplaced;
  if ((v >= 1 && v <= 16) || v == 20 || v == 21 || (v >= 130 && v <= 132))
    return slot::known;
  if (v >= 128)
    return slot::private_use;
  return slot::reserved;
}

bool nat_d_type(payload_type t) {
  return t == payload_type::nat_d || t == payload_type::nat_d_draft ||
         t == payload_type::nat_d_draft_racoon;
}
bool nat_oa_type(payload_type t) {
  return t == payload_type::nat_oa || t == payload_type::nat_oa_draft ||
         t == payload_type::nat_oa_draft_racoon;
}

template <class T>
payload decode_as(reader& r) {
  T p{};
  detail::decode_body(r, p);
  return p;
}

payload decode_one(payload_type t, reader& r) {
  switch (t) {
  case payload_type::sa:
    return decode_as<sa_payload>(r);
  case payload_type::ke:
    return decode_as<ke_payload>(r);
  case payload_type::id:
    return decode_as<id_payload>(r);
  case payload_type::cert:
    return decode_as<cert_payload>(r);
  case payload_type::cr:
    return decode_as<cr_payload>(r);
  case payload_type::hash:
    return decode_as<hash_payload>(r);
  case payload_type::sig:
    return decode_as<sig_payload>(r);
  case payload_type::nonce:
    return decode_as<nonce_payload>(r);
  case payload_type::notify:
    return decode_as<notify_payload>(r);
  case payload_type::del:
    return decode_as<delete_payload>(r);
  case payload_type::vendor_id:
    return decode_as<vendor_id_payload>(r);
  case payload_type::attribute:
    return decode_as<attribute_payload>(r);
  case payload_type::fragment:
    return decode_as<fragment_payload>(r);
  default:
    break;
  }
  if (nat_d_type(t)) {
    nat_d_payload p;
    p.type = t;
    detail::decode_body(r, p);
    return p;
  }
  if (nat_oa_type(t)) {
    nat_oa_payload p;
    p.type = t;
    detail::decode_body(r, p);
    return p;
  }
  unknown_payload p;
  p.type = t;
  detail::decode_body(r, p);
  return p;
}

std::vector<payload> decode_chain(reader& r, payload_type first, bool allow_padding) {
  std::vector<payload> out;
  auto t = first;
  while (t != payload_type::none) {
    auto at = r.offset();
    switch (classify(t)) {
    case slot::misplaced:
      fail(at, codec_reason::misplaced_payload,
           to_string(t) + " payload outside an SA (chain position " + std::to_string(out.size()) +
               ")");
    case slot::reserved:
      fail(at, codec_reason::unknown_payload_type,
           "reserved payload type " + std::to_string(static_cast<int>(t)));
    default:
      break;
    }
    if (r.empty())
      fail(at, codec_reason::truncated, to_string(t) + " payload announced but data ends");
    auto next = static_cast<payload_type>(r.u8("next payload"));
    r.reserved(1, "RESERVED");
    auto len = r.u16("payload length");
    if (len < 4)
      fail(at + 2, codec_reason::bad_length,
           to_string(t) + " payload length " + std::to_string(len) + " below 4");
    if (len - 4u > r.remaining())
      fail(at + 2, codec_reason::truncated,
           to_string(t) + " payload length " + std::to_string(len) + " exceeds the " +
               std::to_string(r.remaining() + 4) + " bytes left");
    auto body = r.sub(len - 4u, "payload body");
    out.push_back(decode_one(t, body));
    t = next;
  }
  if (!allow_padding && !r.empty())
    fail(r.offset(), codec_reason::trailing_data,
         std::to_string(r.remaining()) + " bytes after the last payload");
  return out;
}

void check_top_level(const payload& p, std::size_t at) {
  auto t = type_of(p);
  bool ok = false;
  if (std::holds_alternative<nat_d_payload>(p))
    ok = nat_d_type(t);
  else if (std::holds_alternative<nat_oa_payload>(p))
    ok = nat_oa_type(t);
  else if (std::holds_alternative<unknown_payload>(p))
    ok = classify(t) == slot::private_use;
  else
    ok = true;
  if (!ok)
    fail(at, codec_reason::bad_value,
         "payload struct cannot carry type " + std::to_string(static_cast<int>(t)));
}

void encode_chain(writer& w, std::span<const payload> chain) {
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const auto& p = chain[i];
    auto start = w.size();
    check_top_level(p, start);
    auto next = i + 1 < chain.size() ? type_of(chain[i + 1]) : payload_type::none;
    w.u8(static_cast<std::uint8_t>(next));
    w.u8(0);
    w.u16(0);
    std::visit([&](const auto& x) { detail::encode_body(w, x); }, p);
    w.patch16(start + 2, w.size() - start, to_string(type_of(p)).c_str());
  }
}

header read_header(reader& r, std::size_t datagram_size) {
  header h;
  r.need(header_size, "ISAKMP header");
  for (auto& b : h.icookie)
    b = r.u8("initiator cookie");
  for (auto& b : h.rcookie)
    b = r.u8("responder cookie");
  h.next_payload = static_cast<payload_type>(r.u8("next payload"));
  h.version = r.u8("version");
  if (h.version != isakmp_version)
    fail(17, codec_reason::bad_version,
         "version " + std::to_string(h.version >> 4) + "." + std::to_string(h.version & 15));
  h.exchange = static_cast<exchange_type>(r.u8("exchange type"));
  h.flags = r.u8("flags");
  if (h.flags & ~flags::all)
    fail(19, codec_reason::bad_flags, "flags " + std::to_string(h.flags));
  h.message_id = r.u32("message ID");
  h.length = r.u32("length");
  if (h.length < header_size)
    fail(24, codec_reason::bad_length, "header length " + std::to_string(h.length) + " below 28");
  if (h.length > datagram_size)
    fail(24, codec_reason::truncated,
         "header length " + std::to_string(h.length) + " but datagram has " +
             std::to_string(datagram_size) + " bytes");
  if (h.length < datagram_size)
    fail(h.length, codec_reason::trailing_data,
         std::to_string(datagram_size - h.length) + " bytes after the header length");
  return h;
}

template <class F>
auto guarded(F&& f) -> result<decltype(f())> {
  try {
    return f();
  } catch (const detail::failure& e) {
    return e.error;
  }
}

} // namespace

result<header> decode_header(std::span<const std::uint8_t> datagram) {
  return guarded([&] {
    reader r(datagram, 0);
    return read_header(r, datagram.size());
  });
}

result<message> decode(std::span<const std::uint8_t> datagram) {
  return guarded([&] {
    reader r(datagram, 0);
    message m;
    m.hdr = read_header(r, datagram.size());
    if (m.hdr.encrypted())
      m.encrypted_body = r.rest();
    else
      m.payloads = decode_chain(r, m.hdr.next_payload, false);
    return m;
  });
}

result<std::vector<payload>> decode_payloads(std::span<const std::uint8_t> chain,
                                             payload_type first, std::size_t base_offset,
                                             bool allow_padding) {
  return guarded([&] {
    reader r(chain, base_offset);
    return decode_chain(r, first, allow_padding);
  });
}

result<bytes> encode(const message& m) {
  return guarded([&] {
    const auto& h = m.hdr;
    if (h.version != isakmp_version)
      fail(17, codec_reason::bad_version, "version must be 1.0");
    if (h.flags & ~flags::all)
      fail(19, codec_reason::bad_flags, "flags " + std::to_string(h.flags));
    if (h.encrypted() && !m.payloads.empty())
      fail(0, codec_reason::bad_value,
           "encrypted message with clear payloads: encrypt encode_payloads() first");
    bytes out;
    writer w(out);
    w.bytes(h.icookie);
    w.bytes(h.rcookie);
    auto next = h.encrypted()        ? h.next_payload
                : m.payloads.empty() ? payload_type::none
                                     : type_of(m.payloads.front());
    w.u8(static_cast<std::uint8_t>(next));
    w.u8(h.version);
    w.u8(static_cast<std::uint8_t>(h.exchange));
    w.u8(h.flags);
    w.u32(h.message_id);
    w.u32(0);
    if (h.encrypted())
      w.bytes(m.encrypted_body);
    else
      encode_chain(w, m.payloads);
    w.patch32(24, out.size());
    return out;
  });
}

result<bytes> encode_payloads(std::span<const payload> chain) {
  return guarded([&] {
    bytes out;
    writer w(out);
    encode_chain(w, chain);
    return out;
  });
}

result<bytes> encode_body(const payload& p) {
  return guarded([&] {
    bytes out;
    writer w(out);
    check_top_level(p, 0);
    std::visit([&](const auto& x) { detail::encode_body(w, x); }, p);
    detail::check_fits(out.size(), 0xffff - 4, "payload body size");
    return out;
  });
}

} // namespace coati::ike
