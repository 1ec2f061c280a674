// SA / proposal / transform payloads and data attributes.

#include "vectors.hpp"

using namespace coati::ike;
using namespace coati::ike::test;

namespace {

// MM1 of a main mode offer: SA with two transforms + the DPD vendor ID.
const bytes mm1_body = {
    // SA payload, offset 28
    0x0d,                   // next payload: VID
    0x00,                   // reserved
    0x00, 0x5c,             // length 92
    0x00, 0x00, 0x00, 0x01, // DOI IPsec
    0x00, 0x00, 0x00, 0x01, // situation identity-only
    // proposal, offset 40
    0x00,       // next payload: none (last proposal)
    0x00,       // reserved
    0x00, 0x50, // length 80
    0x01,       // proposal #1
    0x01,       // protocol ISAKMP
    0x00,       // SPI size 0
    0x02,       // 2 transforms
    // transform 1, offset 48
    0x03,                   // next payload: transform
    0x00,                   // reserved
    0x00, 0x24,             // length 36
    0x01,                   // transform #1
    0x01,                   // KEY_IKE
    0x00, 0x00,             // reserved
    0x80, 0x01, 0x00, 0x05, // encryption 3DES (TV)
    0x80, 0x02, 0x00, 0x01, // hash MD5
    0x80, 0x03, 0x00, 0x01, // auth pre-shared key
    0x80, 0x04, 0x00, 0x02, // group modp1024
    0x80, 0x0b, 0x00, 0x01, // life type seconds
    0x00, 0x0c, 0x00, 0x04, // life duration (TLV, 4 bytes), offset 76
    0x00, 0x01, 0x51, 0x80, // 86400
    // transform 2, offset 84
    0x00,                   // next payload: none (last transform)
    0x00,                   // reserved
    0x00, 0x24,             // length 36
    0x02,                   // transform #2
    0x01,                   // KEY_IKE
    0x00, 0x00,             // reserved
    0x80, 0x01, 0x00, 0x07, // encryption AES
    0x80, 0x0e, 0x00, 0x80, // key length 128
    0x80, 0x02, 0x00, 0x02, // hash SHA1
    0x80, 0x03, 0x00, 0x03, // auth RSA signatures
    0x80, 0x04, 0x00, 0x0e, // group modp2048
    0x80, 0x0b, 0x00, 0x01, // life type seconds
    0x80, 0x0c, 0x70, 0x80, // life duration 28800 (TV)
    // VID payload, offset 120
    0x00,                                           // next payload: none
    0x00,                                           // reserved
    0x00, 0x14,                                     // length 20
    0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9, // DPD vendor ID ...
    0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00, // ... major 1, minor 0
};

bytes mm1() {
  return datagram(1, 2, mm1_body);
}

bytes mutate(std::size_t offset, std::uint8_t value) {
  auto d = mm1();
  d[offset] = value;
  return d;
}

// A minimal SA: one proposal, one transform, no attributes.
bytes minimal_sa(std::uint16_t sa_len, const bytes& extra) {
  bytes sa = {
      0x00, // next payload: none
      0x00, // reserved
      static_cast<std::uint8_t>(sa_len >> 8),
      static_cast<std::uint8_t>(sa_len), // length
      0x00,
      0x00,
      0x00,
      0x01, // DOI IPsec
      0x00,
      0x00,
      0x00,
      0x01, // situation identity-only
      0x00, // next payload: none
      0x00, // reserved
      0x00,
      0x10, // proposal length 16
      0x01, // proposal #1
      0x01, // protocol ISAKMP
      0x00, // SPI size 0
      0x01, // 1 transform
      0x00, // next payload: none
      0x00, // reserved
      0x00,
      0x08, // transform length 8
      0x01, // transform #1
      0x01, // KEY_IKE
      0x00,
      0x00, // reserved
  };
  return datagram(1, 2, cat({sa, extra}));
}

// A proposal holding n transforms (each 12 bytes: header, number, id, one TV attribute)
// while its count field says `count`.
bytes big_proposal_sa(unsigned n, std::uint8_t count) {
  bytes transforms;
  for (unsigned i = 0; i < n; ++i) {
    bytes t = {
        static_cast<std::uint8_t>(i + 1 < n ? 3 : 0), // next payload: transform / none
        0x00,                                         // reserved
        0x00,
        0x0c,                             // length 12
        static_cast<std::uint8_t>(i + 1), // transform number (wraps)
        0x03,                             // ESP 3DES
        0x00,
        0x00, // reserved
        0x80,
        0x04,
        0x00,
        0x01, // encapsulation tunnel
    };
    transforms = cat({transforms, t});
  }
  auto plen = static_cast<std::uint16_t>(12 + transforms.size());
  bytes prop = {
      0x00, // next payload: none
      0x00, // reserved
      static_cast<std::uint8_t>(plen >> 8),
      static_cast<std::uint8_t>(plen), // length
      0x01,                            // proposal #1
      0x03,                            // protocol ESP
      0x04,                            // SPI size 4
      count,                           // number of transforms
      0x01,
      0x02,
      0x03,
      0x04, // SPI
  };
  auto slen = static_cast<std::uint16_t>(12 + plen);
  bytes sa = {
      0x00, // next payload: none
      0x00, // reserved
      static_cast<std::uint8_t>(slen >> 8),
      static_cast<std::uint8_t>(slen), // length
      0x00,
      0x00,
      0x00,
      0x01, // DOI IPsec
      0x00,
      0x00,
      0x00,
      0x01, // situation
  };
  return datagram(1, 32, cat({sa, prop, transforms}));
}

transform esp_transform(std::uint8_t number) {
  return transform{number,
                   transform_id::esp_aes_cbc,
                   {data_attribute::tv(ipsec_attr::encapsulation_mode, ipsec_attr::mode_tunnel),
                    data_attribute::tv(ipsec_attr::key_length, 256)}};
}

} // namespace

BOOST_AUTO_TEST_SUITE(sa)

BOOST_AUTO_TEST_CASE(main_mode_offer_round_trips) {
  auto m = roundtrip(mm1());
  auto* sa = m.find<sa_payload>();
  BOOST_REQUIRE(sa);
  BOOST_CHECK_EQUAL(sa->doi, doi::ipsec);
  BOOST_REQUIRE_EQUAL(sa->proposals.size(), 1u);
  const auto& p = sa->proposals[0];
  BOOST_CHECK(p.protocol == protocol_id::isakmp);
  BOOST_CHECK(p.spi.empty());
  BOOST_REQUIRE_EQUAL(p.transforms.size(), 2u);
  BOOST_CHECK_EQUAL(p.transforms[0].find(ike_attr::encryption)->basic_value, ike_attr::enc_3des);
  auto* life = p.transforms[0].find(ike_attr::life_duration);
  BOOST_REQUIRE(life);
  BOOST_CHECK(!life->basic);
  BOOST_CHECK_EQUAL(*life->as_integer(), 86400u);
  BOOST_CHECK_EQUAL(*p.transforms[1].find(ike_attr::life_duration)->as_integer(), 28800u);
  BOOST_CHECK_EQUAL(p.transforms[1].find(ike_attr::key_length)->basic_value, 128);
  BOOST_CHECK(p.transforms[1].find(ike_attr::prf) == nullptr);
  BOOST_CHECK_EQUAL(m.find<vendor_id_payload>()->data.size(), 16u);
  expect_all_truncations_fail(mm1());
  // The SA body alone is SAi_b for HASH_I.
  auto sai_b = encode_body(*sa);
  BOOST_REQUIRE(sai_b.ok());
  BOOST_CHECK((*sai_b == bytes(mm1_body.begin() + 4, mm1_body.begin() + 92)));
}

BOOST_AUTO_TEST_CASE(builder_matches_bytes) {
  transform t1{1,
               transform_id::key_ike,
               {data_attribute::tv(ike_attr::encryption, ike_attr::enc_3des),
                data_attribute::tv(ike_attr::hash, ike_attr::hash_md5),
                data_attribute::tv(ike_attr::auth_method, ike_attr::auth_psk),
                data_attribute::tv(ike_attr::group_description, ike_attr::group_modp1024),
                data_attribute::tv(ike_attr::life_type, ike_attr::life_seconds),
                data_attribute::integer(ike_attr::life_duration, 86400)}};
  transform t2{2,
               transform_id::key_ike,
               {data_attribute::tv(ike_attr::encryption, ike_attr::enc_aes),
                data_attribute::tv(ike_attr::key_length, 128),
                data_attribute::tv(ike_attr::hash, ike_attr::hash_sha1),
                data_attribute::tv(ike_attr::auth_method, ike_attr::auth_rsa_sig),
                data_attribute::tv(ike_attr::group_description, ike_attr::group_modp2048),
                data_attribute::tv(ike_attr::life_type, ike_attr::life_seconds),
                data_attribute::integer(ike_attr::life_duration, 28800)}};
  sa_payload sa;
  sa.proposals.push_back(proposal{1, protocol_id::isakmp, {}, {t1, t2}});
  message m{header::make(exchange_type::identity_protection,
                         cookie{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88},
                         cookie{0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00})};
  m.add(sa).add(vendor_id_payload{bytes(mm1_body.end() - 16, mm1_body.end())});
  BOOST_CHECK(must_encode(m) == mm1());
}

BOOST_AUTO_TEST_CASE(quick_mode_bundle_round_trips) {
  bytes sa = {
      0x00,                   // next payload: none
      0x00,                   // reserved
      0x00, 0x4a,             // length 74
      0x00, 0x00, 0x00, 0x01, // DOI IPsec
      0x00, 0x00, 0x00, 0x01, // situation identity-only
      0x02,                   // next payload: proposal
      0x00,                   // reserved
      0x00, 0x28,             // length 40
      0x01,                   // proposal #1
      0x03,                   // protocol ESP
      0x04,                   // SPI size 4
      0x01,                   // 1 transform
      0xc0, 0xff, 0xee, 0x01, // SPI
      0x00,                   // next payload: none
      0x00,                   // reserved
      0x00, 0x1c,             // length 28
      0x01,                   // transform #1
      0x0c,                   // ESP_AES (CBC)
      0x00, 0x00,             // reserved
      0x80, 0x01, 0x00, 0x01, // SA life type seconds
      0x80, 0x02, 0x0e, 0x10, // SA life duration 3600
      0x80, 0x04, 0x00, 0x01, // encapsulation tunnel
      0x80, 0x05, 0x00, 0x02, // auth HMAC-SHA1
      0x80, 0x06, 0x00, 0x80, // key length 128
      0x00,                   // next payload: none
      0x00,                   // reserved
      0x00, 0x16,             // length 22
      0x01,                   // proposal #1 again: bundle with the ESP one
      0x04,                   // protocol IPCOMP
      0x02,                   // SPI size 2 (CPI)
      0x01,                   // 1 transform
      0x12, 0x34,             // CPI
      0x00,                   // next payload: none
      0x00,                   // reserved
      0x00, 0x0c,             // length 12
      0x01,                   // transform #1
      0x02,                   // IPCOMP_DEFLATE
      0x00, 0x00,             // reserved
      0x80, 0x04, 0x00, 0x01, // encapsulation tunnel
  };
  auto d = datagram(1, 32, sa);
  auto m = roundtrip(d);
  const auto& props = m.find<sa_payload>()->proposals;
  BOOST_REQUIRE_EQUAL(props.size(), 2u);
  BOOST_CHECK(props[0].protocol == protocol_id::esp);
  BOOST_CHECK((props[0].spi == bytes{0xc0, 0xff, 0xee, 0x01}));
  BOOST_CHECK(props[1].protocol == protocol_id::ipcomp);
  BOOST_CHECK_EQUAL(props[1].spi.size(), 2u);
  BOOST_CHECK_EQUAL(props[0].transforms[0].find(ipsec_attr::auth_algorithm)->basic_value,
                    ipsec_attr::auth_hmac_sha1);
  expect_all_truncations_fail(d);
}

BOOST_AUTO_TEST_CASE(wrong_counts_and_chains) {
  expect_error(mutate(47, 3), codec_reason::count_mismatch, 47);    // says 3 transforms
  expect_error(mutate(47, 1), codec_reason::count_mismatch, 47);    // says 1 transform
  expect_error(mutate(47, 0), codec_reason::bad_value, 47);         // says none
  expect_error(mutate(48, 2), codec_reason::misplaced_payload, 48); // transform -> proposal
  expect_error(mutate(48, 8), codec_reason::misplaced_payload, 48); // transform -> HASH
  expect_error(mutate(84, 3), codec_reason::truncated, 120);        // last transform says more
  expect_error(mutate(40, 3), codec_reason::misplaced_payload, 40); // proposal -> transform
  expect_error(mutate(40, 2), codec_reason::truncated, 120);        // last proposal says more
  expect_error(mutate(46, 200), codec_reason::truncated, 48);       // SPI size past the end
  expect_error(mutate(49, 1), codec_reason::reserved_not_zero, 49);
  expect_error(mutate(54, 1), codec_reason::reserved_not_zero, 54);
  expect_error(mutate(39, 3), codec_reason::unsupported, 36); // secrecy situation
}

BOOST_AUTO_TEST_CASE(bad_lengths) {
  expect_error(mutate(43, 7), codec_reason::bad_length, 42);    // proposal length 7
  expect_error(mutate(43, 0xff), codec_reason::truncated, 42);  // proposal overlong
  expect_error(mutate(51, 0), codec_reason::bad_length, 50);    // transform length 0
  expect_error(mutate(51, 0x25), codec_reason::truncated, 84);  // 1 stray byte as attribute
  expect_error(mutate(51, 0x23), codec_reason::bad_length, 78); // TLV cut by the transform
  expect_error(mutate(79, 5), codec_reason::bad_length, 78);    // TLV longer than its room
  expect_error(mutate(79, 0xff), codec_reason::bad_length, 78); // TLV far too long
  expect_error(mutate(31, 0x5b), codec_reason::truncated, 42);  // SA one byte short
  // SA with bytes after the last proposal.
  expect_error(minimal_sa(0x20, {0, 0, 0, 0}), codec_reason::trailing_data, 56);
  // SA with no proposal at all.
  expect_error(datagram(1, 2,
                        {
                            0x00,                   // next payload: none
                            0x00,                   // reserved
                            0x00, 0x0c,             // length 12
                            0x00, 0x00, 0x00, 0x01, // DOI IPsec
                            0x00, 0x00, 0x00, 0x01, // situation
                        }),
               codec_reason::truncated, 40);
  roundtrip(minimal_sa(0x1c, {}));
}

BOOST_AUTO_TEST_CASE(three_hundred_transforms) {
  // One proposal cannot announce 300 transforms (8-bit count): the encoder refuses.
  sa_payload sa;
  proposal p{1, protocol_id::esp, {1, 2, 3, 4}, {}};
  for (unsigned i = 0; i < 300; ++i)
    p.transforms.push_back(esp_transform(static_cast<std::uint8_t>(i + 1)));
  sa.proposals.push_back(p);
  message m{header::make(exchange_type::quick, cookie{1}, cookie{2}, 7)};
  m.add(sa);
  auto refused = encode(m);
  BOOST_REQUIRE(!refused.ok());
  BOOST_CHECK(refused.error().reason == codec_reason::too_large);
  // A proposal holding 300 transforms whose count wrapped to 44 is rejected.
  auto wrapped = big_proposal_sa(300, 44);
  BOOST_CHECK_EQUAL(wrapped.size(), 28u + 12 + 12 + 300 * 12);
  expect_error(wrapped, codec_reason::count_mismatch, 28 + 12 + 7);
  // 255 is the most one proposal holds, and it round-trips.
  roundtrip(big_proposal_sa(255, 255));
  // 300 transforms spread over two proposals round-trip.
  sa.proposals.clear();
  proposal a = p, b = p;
  a.transforms.resize(150);
  b.transforms.assign(p.transforms.begin() + 150, p.transforms.end());
  b.number = 2;
  sa.proposals = {a, b};
  m.payloads = {sa};
  auto d = must_encode(m);
  auto back = roundtrip(d);
  const auto& props = back.find<sa_payload>()->proposals;
  BOOST_REQUIRE_EQUAL(props.size(), 2u);
  BOOST_CHECK_EQUAL(props[0].transforms.size() + props[1].transforms.size(), 300u);
  BOOST_CHECK(props[1].transforms[149] == p.transforms[299]);
  expect_all_truncations_fail(d);
}

BOOST_AUTO_TEST_CASE(attribute_helpers) {
  BOOST_CHECK(data_attribute::integer(12, 65535).basic);
  auto big = data_attribute::integer(12, 65536);
  BOOST_CHECK(!big.basic);
  BOOST_CHECK((big.value == bytes{0x00, 0x01, 0x00, 0x00}));
  BOOST_CHECK_EQUAL(*big.as_integer(), 65536u);
  BOOST_CHECK_EQUAL(data_attribute::integer(12, 1ull << 40).value.size(), 8u);
  BOOST_CHECK(!data_attribute::tlv(12, {}).as_integer());
  BOOST_CHECK(!data_attribute::tlv(12, bytes(9, 1)).as_integer());
  // An attribute type with the AF bit cannot be encoded.
  sa_payload sa;
  sa.proposals.push_back(proposal{1, protocol_id::isakmp, {}, {transform{}}});
  sa.proposals[0].transforms[0].attributes.push_back(data_attribute::tv(0x8001, 1));
  BOOST_CHECK(encode_body(sa).error().reason == codec_reason::bad_value);
  // Neither can a TLV over 65535 bytes, an SA without proposals or a proposal without
  // transforms.
  sa.proposals[0].transforms[0].attributes = {data_attribute::tlv(1, bytes(70000, 0))};
  BOOST_CHECK(encode_body(sa).error().reason == codec_reason::too_large);
  sa.proposals[0].transforms.clear();
  BOOST_CHECK(encode_body(sa).error().reason == codec_reason::bad_value);
  sa.proposals.clear();
  BOOST_CHECK(encode_body(sa).error().reason == codec_reason::bad_value);
}

BOOST_AUTO_TEST_SUITE_END()
