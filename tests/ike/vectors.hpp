#pragma once
// Helpers of the codec tests: build datagrams from byte vectors, check round trips and
// typed failures, and (when COATI_IKE_CORPUS_OUT names a folder) save every well-formed
// datagram there as a seed for the ike_fuzz corpus.

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include "ike/message.hpp"

namespace coati::ike::test {

using bytes = std::vector<std::uint8_t>;

/// Concatenates byte vectors.
inline bytes cat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const auto& p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

/// A 28-byte ISAKMP header whose length field covers `body`.
inline bytes hdr(std::uint8_t next, std::uint8_t exchange, std::uint8_t flags, std::uint32_t mid,
                 const bytes& body) {
  auto len = static_cast<std::uint32_t>(28 + body.size());
  bytes h = {
      0x11,
      0x22,
      0x33,
      0x44,
      0x55,
      0x66,
      0x77,
      0x88, // initiator cookie
      0x99,
      0xaa,
      0xbb,
      0xcc,
      0xdd,
      0xee,
      0xff,
      0x00,     // responder cookie
      next,     // next payload
      0x10,     // version 1.0
      exchange, // exchange type
      flags,    // flags
      static_cast<std::uint8_t>(mid >> 24),
      static_cast<std::uint8_t>(mid >> 16),
      static_cast<std::uint8_t>(mid >> 8),
      static_cast<std::uint8_t>(mid), // message ID
      static_cast<std::uint8_t>(len >> 24),
      static_cast<std::uint8_t>(len >> 16),
      static_cast<std::uint8_t>(len >> 8),
      static_cast<std::uint8_t>(len), // length
  };
  return cat({h, body});
}

/// Header + body as one datagram.
inline bytes datagram(std::uint8_t next, std::uint8_t exchange, const bytes& body) {
  return hdr(next, exchange, 0, 0, body);
}

/// Saves a well-formed datagram as a fuzz seed when COATI_IKE_CORPUS_OUT is set.
inline void save_seed(const bytes& d) {
  const char* dir = std::getenv("COATI_IKE_CORPUS_OUT");
  if (!dir)
    return;
  static int n = 0;
  std::ofstream f(std::string(dir) + "/seed-" + std::to_string(++n) + ".bin", std::ios::binary);
  f.write(reinterpret_cast<const char*>(d.data()), static_cast<std::streamsize>(d.size()));
}

/// Decodes, checks success, re-encodes and checks the bytes are identical.
inline message roundtrip(const bytes& d) {
  auto m = decode(d);
  BOOST_REQUIRE_MESSAGE(m.ok(), "decode failed: " << (m.ok() ? "" : m.error().render()));
  auto e = encode(*m);
  BOOST_REQUIRE_MESSAGE(e.ok(), "encode failed: " << (e.ok() ? "" : e.error().render()));
  BOOST_CHECK_MESSAGE(*e == d, "re-encoded bytes differ");
  save_seed(d);
  return std::move(m).value();
}

/// Decodes and checks the failure reason and offset.
inline codec_error expect_error(const bytes& d, codec_reason why, std::size_t offset) {
  auto m = decode(d);
  BOOST_REQUIRE_MESSAGE(!m.ok(), "decode unexpectedly succeeded");
  BOOST_CHECK_MESSAGE(m.error().reason == why, "reason " << to_string(m.error().reason)
                                                         << " instead of " << to_string(why) << ": "
                                                         << m.error().render());
  BOOST_CHECK_EQUAL(m.error().offset, offset);
  BOOST_CHECK(!m.error().text.empty());
  return m.error();
}

/// Every strict prefix of a well-formed datagram whose header length is patched to the
/// prefix size must fail (no payload may be cut and still be accepted).
inline void expect_all_truncations_fail(const bytes& d) {
  for (std::size_t n = 28; n < d.size(); ++n) {
    bytes cut(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(n));
    cut[24] = static_cast<std::uint8_t>(n >> 24);
    cut[25] = static_cast<std::uint8_t>(n >> 16);
    cut[26] = static_cast<std::uint8_t>(n >> 8);
    cut[27] = static_cast<std::uint8_t>(n);
    auto m = decode(cut);
    BOOST_CHECK_MESSAGE(!m.ok(), "prefix of " << n << " bytes accepted");
    if (!m.ok())
      BOOST_CHECK_LE(m.error().offset, n);
  }
  // And the datagram itself cut without touching the header length.
  for (std::size_t n = 0; n < d.size(); ++n) {
    auto m = decode(std::span<const std::uint8_t>(d.data(), n));
    BOOST_CHECK_MESSAGE(!m.ok(), "raw prefix of " << n << " bytes accepted");
  }
}

/// The payload a find() returned, required to exist.
template <class T>
const T& must(const T* p) {
  BOOST_REQUIRE(p != nullptr);
  return *p;
}

/// Encodes a message, expecting success.
inline bytes must_encode(const message& m) {
  auto e = encode(m);
  BOOST_REQUIRE_MESSAGE(e.ok(), "encode failed: " << (e.ok() ? "" : e.error().render()));
  return *e;
}

} // namespace coati::ike::test
