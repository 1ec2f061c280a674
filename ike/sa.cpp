// SA / proposal / transform payloads, data attributes and the attribute payload.

#include <string>

#include "ike/payload_codec.hpp"

namespace coati::ike {

// -- data attributes ---------------------------------------------------------------------

data_attribute data_attribute::tv(std::uint16_t type, std::uint16_t value) {
  data_attribute a;
  a.type = type;
  a.basic = true;
  a.basic_value = value;
  return a;
}

data_attribute data_attribute::tlv(std::uint16_t type, bytes value) {
  data_attribute a;
  a.type = type;
  a.basic = false;
  a.value = std::move(value);
  return a;
}

data_attribute data_attribute::text(std::uint16_t type, std::string_view value) {
  return tlv(type, bytes(value.begin(), value.end()));
}

data_attribute data_attribute::integer(std::uint16_t type, std::uint64_t value) {
  if (value <= 0xffff)
    return tv(type, static_cast<std::uint16_t>(value));
  std::size_t n = value <= 0xffffffffu ? 4 : 8;
  bytes b(n);
  for (std::size_t i = 0; i < n; ++i)
    b[i] = static_cast<std::uint8_t>(value >> (8 * (n - 1 - i)));
  return tlv(type, std::move(b));
}

std::optional<std::uint64_t> data_attribute::as_integer() const {
  if (basic)
    return basic_value;
  if (value.empty() || value.size() > 8)
    return std::nullopt;
  std::uint64_t v = 0;
  for (auto b : value)
    v = (v << 8) | b;
  return v;
}

std::string data_attribute::as_text() const {
  return basic ? std::string{} : std::string(value.begin(), value.end());
}

const data_attribute* find_attribute(const std::vector<data_attribute>& attrs, std::uint16_t type) {
  for (const auto& a : attrs)
    if (a.type == type)
      return &a;
  return nullptr;
}

const data_attribute* transform::find(std::uint16_t type) const {
  return find_attribute(attributes, type);
}

const data_attribute* attribute_payload::find(std::uint16_t type) const {
  return find_attribute(attributes, type);
}

namespace detail {

namespace {
constexpr std::uint16_t af_bit = 0x8000;
} // namespace

std::vector<data_attribute> decode_attributes(reader& r) {
  std::vector<data_attribute> out;
  while (!r.empty()) {
    auto at = r.offset();
    auto type = r.u16("attribute type");
    auto v = r.u16("attribute value/length");
    if (type & af_bit) {
      out.push_back(data_attribute::tv(type & 0x7fff, v));
    } else {
      if (v > r.remaining())
        fail(at + 2, codec_reason::bad_length,
             "attribute " + std::to_string(type) + " length " + std::to_string(v) +
                 " exceeds the " + std::to_string(r.remaining()) + " bytes left");
      out.push_back(data_attribute::tlv(type, r.bytes(v, "attribute value")));
    }
  }
  return out;
}

void encode_attributes(writer& w, const std::vector<data_attribute>& attrs) {
  for (const auto& a : attrs) {
    if (a.type & af_bit)
      fail(w.size(), codec_reason::bad_value,
           "attribute type " + std::to_string(a.type) + " has the AF bit set");
    if (a.basic) {
      w.u16(a.type | af_bit);
      w.u16(a.basic_value);
    } else {
      check_fits(a.value.size(), 0xffff, "attribute value length");
      w.u16(a.type);
      w.u16(static_cast<std::uint16_t>(a.value.size()));
      w.bytes(a.value);
    }
  }
}

// -- SA ------------------------------------------------------------------------------------

namespace {

transform decode_transform(reader& r) {
  transform t;
  t.number = r.u8("transform number");
  t.id = r.u8("transform id");
  r.reserved(2, "transform RESERVED2");
  t.attributes = decode_attributes(r);
  return t;
}

proposal decode_proposal(reader& r) {
  proposal p;
  p.number = r.u8("proposal number");
  p.protocol = static_cast<protocol_id>(r.u8("protocol id"));
  auto spi_size = r.u8("SPI size");
  auto count_at = r.offset();
  auto count = r.u8("number of transforms");
  p.spi = r.bytes(spi_size, "SPI");
  if (count == 0)
    fail(count_at, codec_reason::bad_value, "proposal without transforms");
  auto next = payload_type::transform;
  while (next == payload_type::transform) {
    auto at = r.offset();
    if (r.empty())
      fail(at, codec_reason::truncated, "transform announced but proposal ends");
    next = static_cast<payload_type>(r.u8("next payload"));
    if (next != payload_type::transform && next != payload_type::none)
      fail(at, codec_reason::misplaced_payload,
           "transform followed by " + to_string(next) + " inside a proposal");
    r.reserved(1, "RESERVED");
    auto len = r.u16("transform length");
    if (len < 8)
      fail(at + 2, codec_reason::bad_length,
           "transform length " + std::to_string(len) + " below 8");
    if (len - 4u > r.remaining())
      fail(at + 2, codec_reason::truncated,
           "transform length " + std::to_string(len) + " exceeds the proposal");
    auto body = r.sub(len - 4u, "transform");
    p.transforms.push_back(decode_transform(body));
  }
  if (!r.empty())
    fail(r.offset(), codec_reason::trailing_data, "bytes after the last transform");
  if (p.transforms.size() != count)
    fail(count_at, codec_reason::count_mismatch,
         "proposal announces " + std::to_string(count) + " transforms but holds " +
             std::to_string(p.transforms.size()));
  return p;
}

void check_situation(std::uint32_t sit, std::size_t at) {
  if (sit & ~situation::identity_only)
    fail(at, codec_reason::unsupported,
         "situation " + std::to_string(sit) + " (secrecy/integrity labels) is not supported");
}

} // namespace

void decode_body(reader& r, sa_payload& p) {
  p.doi = r.u32("DOI");
  auto sit_at = r.offset();
  p.situation = r.u32("situation");
  check_situation(p.situation, sit_at);
  if (r.empty())
    fail(r.offset(), codec_reason::truncated, "SA without proposals");
  auto next = payload_type::proposal;
  while (next == payload_type::proposal) {
    auto at = r.offset();
    if (r.empty())
      fail(at, codec_reason::truncated, "proposal announced but SA ends");
    next = static_cast<payload_type>(r.u8("next payload"));
    if (next != payload_type::proposal && next != payload_type::none)
      fail(at, codec_reason::misplaced_payload,
           "proposal followed by " + to_string(next) + " inside an SA");
    r.reserved(1, "RESERVED");
    auto len = r.u16("proposal length");
    if (len < 8)
      fail(at + 2, codec_reason::bad_length, "proposal length " + std::to_string(len) + " below 8");
    if (len - 4u > r.remaining())
      fail(at + 2, codec_reason::truncated,
           "proposal length " + std::to_string(len) + " exceeds the SA");
    auto body = r.sub(len - 4u, "proposal");
    p.proposals.push_back(decode_proposal(body));
  }
  if (!r.empty())
    fail(r.offset(), codec_reason::trailing_data, "bytes after the last proposal");
}

void encode_body(writer& w, const sa_payload& p) {
  w.u32(p.doi);
  check_situation(p.situation, w.size());
  w.u32(p.situation);
  if (p.proposals.empty())
    fail(w.size(), codec_reason::bad_value, "SA without proposals");
  for (std::size_t i = 0; i < p.proposals.size(); ++i) {
    const auto& prop = p.proposals[i];
    auto start = w.size();
    w.u8(static_cast<std::uint8_t>(i + 1 < p.proposals.size() ? payload_type::proposal
                                                              : payload_type::none));
    w.u8(0);
    w.u16(0);
    w.u8(prop.number);
    w.u8(static_cast<std::uint8_t>(prop.protocol));
    check_fits(prop.spi.size(), 0xff, "SPI size");
    w.u8(static_cast<std::uint8_t>(prop.spi.size()));
    if (prop.transforms.empty())
      fail(w.size(), codec_reason::bad_value, "proposal without transforms");
    check_fits(prop.transforms.size(), 0xff, "number of transforms");
    w.u8(static_cast<std::uint8_t>(prop.transforms.size()));
    w.bytes(prop.spi);
    for (std::size_t j = 0; j < prop.transforms.size(); ++j) {
      const auto& t = prop.transforms[j];
      auto tstart = w.size();
      w.u8(static_cast<std::uint8_t>(j + 1 < prop.transforms.size() ? payload_type::transform
                                                                    : payload_type::none));
      w.u8(0);
      w.u16(0);
      w.u8(t.number);
      w.u8(t.id);
      w.u16(0);
      encode_attributes(w, t.attributes);
      w.patch16(tstart + 2, w.size() - tstart, "transform");
    }
    w.patch16(start + 2, w.size() - start, "proposal");
  }
}

// -- attribute payload (transaction exchange) -----------------------------------------------

namespace {
void check_cfg_type(cfg_type t, std::size_t at) {
  auto v = static_cast<std::uint8_t>(t);
  if (v < 1 || v > 4)
    fail(at, codec_reason::bad_value, "attribute payload type " + std::to_string(v));
}
} // namespace

void decode_body(reader& r, attribute_payload& p) {
  auto at = r.offset();
  p.kind = static_cast<cfg_type>(r.u8("attribute payload type"));
  check_cfg_type(p.kind, at);
  r.reserved(1, "RESERVED");
  p.identifier = r.u16("identifier");
  p.attributes = decode_attributes(r);
}

void encode_body(writer& w, const attribute_payload& p) {
  check_cfg_type(p.kind, w.size());
  w.u8(static_cast<std::uint8_t>(p.kind));
  w.u8(0);
  w.u16(p.identifier);
  encode_attributes(w, p.attributes);
}

} // namespace detail
} // namespace coati::ike
