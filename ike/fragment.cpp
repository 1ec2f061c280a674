#include "ike/fragment.hpp"

#include <algorithm>

#include "ike/constants.hpp"
#include "ike/message.hpp"

namespace coati::ike {

namespace {

constexpr std::size_t fragment_header_size = 8;
constexpr std::size_t md5_size = 16;
constexpr std::uint32_t cap_main_aggressive = 0x80000000;

std::uint32_t be32(std::span<const std::uint8_t> b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
         (std::uint32_t{b[at + 2]} << 8) | std::uint32_t{b[at + 3]};
}

void put32(bytes& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    b[at + i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}

} // namespace

namespace vendor_ids {

// MD5("FRAGMENTATION"), then the capability word.
const bytes fragmentation{0x40, 0x48, 0xb7, 0xd5, 0x6e, 0xbc, 0xe8, 0x85, 0x25, 0xe7,
                          0xde, 0x7f, 0x00, 0xd6, 0xc2, 0xd3, 0x80, 0x00, 0x00, 0x00};

bool is_fragmentation(std::span<const std::uint8_t> vid) {
  if (vid.size() < md5_size ||
      !std::equal(vid.begin(), vid.begin() + md5_size, fragmentation.begin()))
    return false;
  if (vid.size() == md5_size)
    return true;
  return vid.size() == md5_size + 4 && (be32(vid, md5_size) & cap_main_aggressive) != 0;
}

} // namespace vendor_ids

bool is_fragment(std::span<const std::uint8_t> datagram) {
  return datagram.size() >= header_size &&
         datagram[16] == static_cast<std::uint8_t>(payload_type::fragment);
}

bool announces_fragmentation(std::span<const std::uint8_t> datagram) {
  if (datagram.size() < header_size || (datagram[19] & flags::encryption) != 0)
    return false;
  auto m = decode(datagram);
  if (!m)
    return false;
  for (const auto& p : m->payloads)
    if (const auto* v = std::get_if<vendor_id_payload>(&p))
      if (vendor_ids::is_fragmentation(v->data))
        return true;
  return false;
}

std::vector<bytes> split(std::span<const std::uint8_t> message, std::size_t max_packet,
                         std::uint16_t fragment_id) {
  std::vector<bytes> out;
  const std::size_t overhead = header_size + fragment_header_size;
  if (message.size() <= max_packet || message.size() < header_size || max_packet <= overhead) {
    out.emplace_back(message.begin(), message.end());
    return out;
  }
  const std::size_t room = max_packet - overhead;
  const std::size_t n = (message.size() + room - 1) / room;
  if (n > 255) { // the number is one byte: such a message cannot be fragmented
    out.emplace_back(message.begin(), message.end());
    return out;
  }
  for (std::size_t i = 0; i < n; ++i) {
    auto slice = message.subspan(i * room, std::min(room, message.size() - i * room));
    bytes p(message.begin(), message.begin() + header_size); // cookies, version, exchange
    p[16] = static_cast<std::uint8_t>(payload_type::fragment);
    p[19] = 0;       // the fragment itself is not encrypted (its slice may be)
    put32(p, 20, 0); // message ID 0, as racoon and strongSwan send fragments
    p.push_back(0);  // next payload: none
    p.push_back(0);  // reserved
    auto len = fragment_header_size + slice.size();
    p.push_back(static_cast<std::uint8_t>(len >> 8));
    p.push_back(static_cast<std::uint8_t>(len));
    p.push_back(static_cast<std::uint8_t>(fragment_id >> 8));
    p.push_back(static_cast<std::uint8_t>(fragment_id));
    p.push_back(static_cast<std::uint8_t>(i + 1));
    p.push_back(i + 1 == n ? fragment_flags::last : 0);
    p.insert(p.end(), slice.begin(), slice.end());
    put32(p, 24, static_cast<std::uint32_t>(p.size()));
    out.push_back(std::move(p));
  }
  return out;
}

// ---------------------------------------------------------------- reassembly

void reassembler::reset() {
  active_ = false;
  last_ = 0;
  slices_.clear();
  count_ = 0;
  bytes_ = 0;
}

fragment_result reassembler::drop(std::string reason, std::string text) {
  fragment_result r;
  r.verdict = fragment_verdict::dropped;
  r.reason = std::move(reason);
  r.text = std::move(text);
  return r;
}

fragment_result reassembler::add(std::span<const std::uint8_t> d, clock::time_point now) {
  // The header and the one fragment payload, read by hand: racoon sets the encryption flag
  // on fragments of encrypted messages, so the general decoder would not look inside.
  if (d.size() < header_size + fragment_header_size || !is_fragment(d))
    return drop("malformed", "a fragment packet shorter than its headers");
  if (be32(d, 24) != d.size())
    return drop("malformed", "a fragment packet whose ISAKMP length is not its size");
  std::size_t plen = (std::size_t{d[30]} << 8) | d[31];
  if (d[28] != 0 || plen != d.size() - header_size)
    return drop("malformed", "a fragment payload that is not alone in its packet");
  if (plen <= fragment_header_size)
    return drop("malformed", "an empty fragment");
  std::uint16_t id = static_cast<std::uint16_t>((d[32] << 8) | d[33]);
  std::uint8_t number = d[34];
  bool last = (d[35] & fragment_flags::last) != 0;
  if (number == 0)
    return drop("malformed", "fragment number 0");
  if (number > limits_.max_fragments)
    return drop("too_many", "fragment number " + std::to_string(number) + " beyond the limit of " +
                                std::to_string(limits_.max_fragments));
  cookie ic{}, rc{};
  std::copy_n(d.begin(), 8, ic.begin());
  std::copy_n(d.begin() + 8, 8, rc.begin());

  fragment_result res;
  if (active_ &&
      (now - started_ > limits_.max_age || id != id_ || ic != icookie_ || rc != rcookie_)) {
    res.discarded_partial = true; // too old, or the peer moved on to another message
    reset();
  }
  if (!active_) {
    active_ = true;
    id_ = id;
    icookie_ = ic;
    rcookie_ = rc;
    started_ = now;
  }
  if (last && last_ != 0 && last_ != number)
    return drop("bad_last", "a second fragment flagged last (" + std::to_string(number) +
                                " after " + std::to_string(last_) + ")");
  if (last_ != 0 && number > last_)
    return drop("bad_last", "fragment " + std::to_string(number) + " after the last one (" +
                                std::to_string(last_) + ")");
  if (last && slices_.size() > number &&
      std::any_of(slices_.begin() + number, slices_.end(),
                  [](const bytes& s) { return !s.empty(); })) {
    reset(); // what we hold contradicts it: start over from this fragment
    active_ = true;
    id_ = id;
    icookie_ = ic;
    rcookie_ = rc;
    started_ = now;
    res.discarded_partial = true;
  }
  if (slices_.size() >= number && !slices_[number - 1].empty()) {
    res.verdict = fragment_verdict::duplicate;
    return res;
  }
  auto data = d.subspan(header_size + fragment_header_size);
  if (bytes_ + data.size() > limits_.max_bytes) {
    reset();
    auto r = drop("too_large", "a fragmented message larger than " +
                                   std::to_string(limits_.max_bytes) + " bytes");
    r.discarded_partial = true;
    return r;
  }
  if (slices_.size() < number)
    slices_.resize(number);
  slices_[number - 1].assign(data.begin(), data.end());
  ++count_;
  bytes_ += data.size();
  if (last)
    last_ = number;
  if (last_ == 0 || count_ != last_) {
    res.verdict = fragment_verdict::pending;
    return res;
  }
  // Numbers are unique and none is above last_: count_ == last_ means 1..last_ are here.
  bytes whole;
  whole.reserve(bytes_);
  for (const auto& s : slices_)
    whole.insert(whole.end(), s.begin(), s.end());
  reset();
  if (whole.size() < header_size || be32(whole, 24) != whole.size() ||
      !std::equal(whole.begin(), whole.begin() + 8, ic.begin()) ||
      !std::equal(whole.begin() + 8, whole.begin() + 16, rc.begin())) {
    auto r = drop("malformed", "the reassembled message is no ISAKMP message of this SA");
    r.discarded_partial = res.discarded_partial;
    return r;
  }
  res.verdict = fragment_verdict::complete;
  res.message = std::move(whole);
  return res;
}

} // namespace coati::ike
