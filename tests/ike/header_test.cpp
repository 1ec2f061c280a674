// ISAKMP header and payload-chain tests: framing, next-payload chains, lengths, the
// encrypted body and the builder API.

#include "vectors.hpp"

using namespace coati::ike;
using namespace coati::ike::test;

BOOST_AUTO_TEST_SUITE(header_and_chain)

BOOST_AUTO_TEST_CASE(empty_message_round_trips) {
  auto d = datagram(0, 5, {}); // informational, no payloads
  auto m = roundtrip(d);
  BOOST_CHECK(m.hdr.exchange == exchange_type::informational);
  BOOST_CHECK_EQUAL(m.hdr.length, 28u);
  BOOST_CHECK(m.payloads.empty());
  BOOST_CHECK_EQUAL(m.hdr.icookie[0], 0x11);
  BOOST_CHECK_EQUAL(m.hdr.rcookie[7], 0x00);
}

BOOST_AUTO_TEST_CASE(header_fields_are_checked) {
  auto good = datagram(0, 2, {});
  // Shorter than a header.
  expect_error(bytes(good.begin(), good.begin() + 27), codec_reason::truncated, 0);
  // Version 2.0 (IKEv2).
  auto v2 = good;
  v2[17] = 0x20;
  expect_error(v2, codec_reason::bad_version, 17);
  // Minor version 1.
  auto v11 = good;
  v11[17] = 0x11;
  expect_error(v11, codec_reason::bad_version, 17);
  // Flag 0x08 is not defined in IKEv1.
  auto f = good;
  f[19] = 0x08;
  expect_error(f, codec_reason::bad_flags, 19);
  // Length below the header size.
  auto l = good;
  l[27] = 27;
  expect_error(l, codec_reason::bad_length, 24);
  // Length longer than the datagram (overlong).
  auto o = good;
  o[27] = 29;
  expect_error(o, codec_reason::truncated, 24);
  // Datagram longer than the length: trailing bytes.
  auto t = good;
  t.push_back(0);
  expect_error(t, codec_reason::trailing_data, 28);
  // Flags E|C|A are all accepted.
  auto all = good;
  all[19] = 0x06;
  roundtrip(all);
}

BOOST_AUTO_TEST_CASE(wrong_next_payload_chains) {
  bytes hash = {
      0x00,                   // next payload: none
      0x00,                   // reserved
      0x00, 0x08,             // length 8
      0xde, 0xad, 0xbe, 0xef, // hash data
  };
  // A proposal (2) or transform (3) at top level.
  expect_error(datagram(2, 5, hash), codec_reason::misplaced_payload, 28);
  expect_error(datagram(3, 5, hash), codec_reason::misplaced_payload, 28);
  // A reserved type (17) and one between the RFC 3947 numbers (22).
  expect_error(datagram(17, 5, hash), codec_reason::unknown_payload_type, 28);
  expect_error(datagram(22, 5, hash), codec_reason::unknown_payload_type, 28);
  // HASH announcing a transform after it.
  auto h2 = hash;
  h2[0] = 3;
  expect_error(datagram(8, 5, cat({h2, hash})), codec_reason::misplaced_payload, 36);
  // HASH announcing a NONCE that is not there.
  auto h3 = hash;
  h3[0] = 10;
  expect_error(datagram(8, 5, h3), codec_reason::truncated, 36);
  // Header announcing nothing but a payload follows.
  expect_error(datagram(0, 5, hash), codec_reason::trailing_data, 28);
}

BOOST_AUTO_TEST_CASE(zero_and_bad_payload_lengths) {
  bytes zero = {
      0x00,       // next payload: none
      0x00,       // reserved
      0x00, 0x00, // length 0
  };
  expect_error(datagram(8, 5, zero), codec_reason::bad_length, 30);
  bytes three = {
      0x00,       // next payload: none
      0x00,       // reserved
      0x00, 0x03, // length 3, below the generic header
  };
  expect_error(datagram(8, 5, three), codec_reason::bad_length, 30);
  bytes empty_hash = {
      0x00,       // next payload: none
      0x00,       // reserved
      0x00, 0x04, // length 4: header only
  };
  expect_error(datagram(8, 5, empty_hash), codec_reason::bad_length, 32);
  bytes overlong = {
      0x00,                   // next payload: none
      0x00,                   // reserved
      0x00, 0x09,             // length 9, one more than present
      0x01, 0x02, 0x03, 0x04, // hash data
  };
  expect_error(datagram(8, 5, overlong), codec_reason::truncated, 30);
  bytes reserved = {
      0x00,                   // next payload: none
      0x01,                   // reserved, not zero
      0x00, 0x08,             // length 8
      0x01, 0x02, 0x03, 0x04, // hash data
  };
  expect_error(datagram(8, 5, reserved), codec_reason::reserved_not_zero, 29);
}

BOOST_AUTO_TEST_CASE(private_payload_is_kept_raw) {
  bytes body = {
      0x00,       // next payload: none
      0x00,       // reserved
      0x00, 0x06, // length 6
      0xca, 0xfe, // opaque body
  };
  auto m = roundtrip(datagram(200, 5, body));
  auto* u = m.find<unknown_payload>();
  BOOST_REQUIRE(u);
  BOOST_CHECK(u->type == payload_type{200});
  BOOST_CHECK((u->body == bytes{0xca, 0xfe}));
}

BOOST_AUTO_TEST_CASE(encrypted_body_and_plaintext_chain) {
  bytes cipher = {
      0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, // ciphertext block 1
      0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, // ciphertext block 2
  };
  auto d = hdr(5, 2, 0x01, 0, cipher); // MM5: ID first, E flag
  auto m = roundtrip(d);
  BOOST_CHECK(m.hdr.encrypted());
  BOOST_CHECK(m.hdr.next_payload == payload_type::id);
  BOOST_CHECK(m.encrypted_body == cipher);
  BOOST_CHECK(m.payloads.empty());

  bytes plain = {
      0x08,                   // next payload: HASH
      0x00,                   // reserved
      0x00, 0x0c,             // length 12
      0x01,                   // ID type IPV4_ADDR
      0x11,                   // protocol UDP
      0x01, 0xf4,             // port 500
      0xc0, 0x00, 0x02, 0x01, // 192.0.2.1
      0x00,                   // next payload: none
      0x00,                   // reserved
      0x00, 0x08,             // length 8
      0xaa, 0xbb, 0xcc, 0xdd, // hash data
      0x00, 0x00, 0x00, 0x03, // padding (racoon: pad-length byte at the end)
  };
  auto chain = decode_payloads(plain, payload_type::id);
  BOOST_REQUIRE(chain.ok());
  BOOST_REQUIRE_EQUAL(chain->size(), 2u);
  BOOST_CHECK(find<id_payload>(*chain)->to_string() == "192.0.2.1");
  BOOST_CHECK_EQUAL(find<hash_payload>(*chain)->data.size(), 4u);
  // Re-encoding gives the chain without padding.
  auto again = encode_payloads(*chain);
  BOOST_REQUIRE(again.ok());
  BOOST_CHECK((*again == bytes(plain.begin(), plain.end() - 4)));
  // Strict mode refuses the padding; offsets count from base_offset.
  auto strict = decode_payloads(plain, payload_type::id, 28, false);
  BOOST_REQUIRE(!strict.ok());
  BOOST_CHECK(strict.error().reason == codec_reason::trailing_data);
  BOOST_CHECK_EQUAL(strict.error().offset, 28u + 20);
  // A truncated plaintext chain fails with the offset of the cut payload.
  auto cut = decode_payloads(std::span(plain).first(18), payload_type::id);
  BOOST_REQUIRE(!cut.ok());
  BOOST_CHECK(cut.error().reason == codec_reason::truncated);
  BOOST_CHECK_EQUAL(cut.error().offset, 28u + 12 + 2);
}

BOOST_AUTO_TEST_CASE(builder_computes_chain_and_length) {
  cookie ic{1, 2, 3, 4, 5, 6, 7, 8};
  message m{
      header::make(exchange_type::informational, ic, cookie{9, 9, 9, 9, 9, 9, 9, 9}, 0x01020304)};
  m.add(hash_payload{{0xaa, 0xbb}}).add(notify_payload::initial_contact(ic, m.hdr.rcookie));
  auto d = must_encode(m);
  bytes expect = {
      1,    2,    3,    4,    5, 6, 7, 8, // initiator cookie
      9,    9,    9,    9,    9, 9, 9, 9, // responder cookie
      0x08,                               // next payload: HASH
      0x10,                               // version 1.0
      0x05,                               // informational
      0x00,                               // flags
      0x01, 0x02, 0x03, 0x04,             // message ID
      0x00, 0x00, 0x00, 0x3e,             // length 62
      0x0b,                               // next payload: N
      0x00,                               // reserved
      0x00, 0x06,                         // length 6
      0xaa, 0xbb,                         // hash data
      0x00,                               // next payload: none
      0x00,                               // reserved
      0x00, 0x1c,                         // length 28
      0x00, 0x00, 0x00, 0x01,             // DOI IPsec
      0x01,                               // protocol ISAKMP
      0x10,                               // SPI size 16
      0x60, 0x02,                         // INITIAL-CONTACT 24578
      1,    2,    3,    4,    5, 6, 7, 8, // SPI: CKY-I
      9,    9,    9,    9,    9, 9, 9, 9, // SPI: CKY-R
  };
  BOOST_CHECK(d == expect);
  auto back = roundtrip(d);
  BOOST_CHECK(back.find<notify_payload>()->message == notify_type::initial_contact);
  BOOST_CHECK(back.find<sa_payload>() == nullptr);
  BOOST_CHECK_EQUAL(back.find_all<hash_payload>().size(), 1u);
  expect_all_truncations_fail(d);
}

BOOST_AUTO_TEST_CASE(encoder_refuses_malformed_messages) {
  message m{header::make(exchange_type::informational, cookie{1})};
  // A private-use struct carrying a reserved type.
  m.add(unknown_payload{payload_type{17}, {1}});
  BOOST_CHECK(encode(m).error().reason == codec_reason::bad_value);
  // NAT-D struct with the NAT-OA number.
  m.payloads = {nat_d_payload{payload_type::nat_oa, {1, 2}}};
  BOOST_CHECK(encode(m).error().reason == codec_reason::bad_value);
  // Clear payloads in an encrypted message.
  m.payloads = {hash_payload{{1}}};
  m.hdr.flags = flags::encryption;
  BOOST_CHECK(encode(m).error().reason == codec_reason::bad_value);
  // A payload over 65535 bytes.
  m.hdr.flags = 0;
  m.payloads = {vendor_id_payload{bytes(70000, 1)}};
  BOOST_CHECK(encode(m).error().reason == codec_reason::too_large);
  // Empty data.
  m.payloads = {nonce_payload{}};
  BOOST_CHECK(encode(m).error().reason == codec_reason::bad_length);
  // Undefined flag and version.
  m.payloads.clear();
  m.hdr.flags = 0x10;
  BOOST_CHECK(encode(m).error().reason == codec_reason::bad_flags);
  m.hdr.flags = 0;
  m.hdr.version = 0x20;
  BOOST_CHECK(encode(m).error().reason == codec_reason::bad_version);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(every_payload_type)

// For every top-level payload type: a generic length of 0 or 3 is a bad length, and a
// length one past the datagram is truncated.
BOOST_AUTO_TEST_CASE(zero_short_and_overlong_lengths) {
  for (int t : {1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 20, 21, 130, 131, 132, 200}) {
    BOOST_TEST_CONTEXT("payload type " << t) {
      auto type = static_cast<std::uint8_t>(t);
      for (std::uint8_t len : {0, 3})
        expect_error(datagram(type, 5,
                              {
                                  0x00,      // next payload: none
                                  0x00,      // reserved
                                  0x00, len, // length below the generic header
                              }),
                     codec_reason::bad_length, 30);
      expect_error(datagram(type, 5,
                            {
                                0x00,                   // next payload: none
                                0x00,                   // reserved
                                0x00, 0x0d,             // length 13, one more than present
                                0x00, 0x00, 0x00, 0x01, // body
                                0x01, 0x02, 0x03, 0x04, // body
                            }),
                   codec_reason::truncated, 30);
    }
  }
}

BOOST_AUTO_TEST_CASE(find_by_type_and_summary) {
  message m{
      header::make(exchange_type::identity_protection, cookie{0xab}, cookie{}, 0, flags::commit)};
  m.add(nat_d_payload{payload_type::nat_d_draft, {1}}).add(vendor_id_payload{{2}});
  BOOST_CHECK(find(m.payloads, payload_type::nat_d_draft) == &m.payloads[0]);
  BOOST_CHECK(find(m.payloads, payload_type::nat_d) == nullptr);
  BOOST_CHECK(find(m.payloads, payload_type::vendor_id) == &m.payloads[1]);
  BOOST_CHECK_EQUAL(summary(m), "main mode mid=00000000 i=ab00000000000000 r=0000000000000000 "
                                "commit [NAT-D, VID]");
  m.payloads.clear();
  m.hdr.flags = flags::encryption;
  m.hdr.next_payload = payload_type::id;
  m.encrypted_body = bytes(16, 0);
  BOOST_CHECK_EQUAL(summary(m), "main mode mid=00000000 i=ab00000000000000 r=0000000000000000 "
                                "(encrypted, first ID, 16 bytes)");
}

BOOST_AUTO_TEST_SUITE_END()
