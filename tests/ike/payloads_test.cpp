// KE, ID, CERT, CR, HASH, SIG, NONCE, notify, delete, VID, NAT-D, NAT-OA and fragment
// payloads: round trips from byte vectors and the ways each can be malformed.

#include "vectors.hpp"

using namespace coati::ike;
using namespace coati::ike::test;

namespace {

/// One payload of `type` with a computed generic header, alone in an informational message.
bytes single(std::uint8_t type, const bytes& body) {
  auto len = static_cast<std::uint16_t>(body.size() + 4);
  bytes g = {
      0x00,                                                                // next payload
      0x00,                                                                // reserved
      static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len), // length
  };
  return datagram(type, 5, cat({g, body}));
}

template <class T>
T single_ok(std::uint8_t type, const bytes& body) {
  auto d = single(type, body);
  auto m = roundtrip(d);
  expect_all_truncations_fail(d);
  BOOST_REQUIRE_EQUAL(m.payloads.size(), 1u);
  BOOST_REQUIRE(std::holds_alternative<T>(m.payloads[0]));
  BOOST_CHECK(static_cast<std::uint8_t>(type_of(m.payloads[0])) == type);
  return std::get<T>(m.payloads[0]);
}

} // namespace

BOOST_AUTO_TEST_SUITE(payloads)

BOOST_AUTO_TEST_CASE(mm3_ke_nonce_nat_d) {
  bytes body = {
      0x0a,                                           // next payload: NONCE
      0x00,                                           // reserved
      0x00, 0x0c,                                     // length 12
      0x5a, 0x5a, 0x5a, 0x5a, 0xa5, 0xa5, 0xa5, 0xa5, // g^xi (shortened)
      0x14,                                           // next payload: NAT-D
      0x00,                                           // reserved
      0x00, 0x14,                                     // length 20
      0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, // Ni ...
      0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, // ... 16 bytes
      0x14,                                           // next payload: NAT-D
      0x00,                                           // reserved
      0x00, 0x08,                                     // length 8
      0xd1, 0xd1, 0xd1, 0xd1,                         // hash of the peer's address (cut)
      0x00,                                           // next payload: none
      0x00,                                           // reserved
      0x00, 0x08,                                     // length 8
      0xd2, 0xd2, 0xd2, 0xd2,                         // hash of my address (cut)
  };
  auto d = datagram(4, 2, body);
  auto m = roundtrip(d);
  expect_all_truncations_fail(d);
  BOOST_CHECK_EQUAL(m.find<ke_payload>()->data.size(), 8u);
  BOOST_CHECK_EQUAL(m.find<nonce_payload>()->data.size(), 16u);
  auto natd = m.find_all<nat_d_payload>();
  BOOST_REQUIRE_EQUAL(natd.size(), 2u);
  BOOST_CHECK(natd[0]->type == payload_type::nat_d);
  BOOST_CHECK_EQUAL(natd[1]->hash[0], 0xd2);
}

BOOST_AUTO_TEST_CASE(mm5_dn_cert_sig_cr) {
  bytes body = {
      0x06,                         // next payload: CERT
      0x00,                         // reserved
      0x00, 0x13,                   // length 19
      0x09,                         // ID type DER_ASN1_DN
      0x00,                         // protocol any
      0x00, 0x00,                   // port any
      0x30, 0x09,                   // SEQUENCE (RDNSequence)
      0x31, 0x07,                   // SET (RDN)
      0x30, 0x05,                   // SEQUENCE (AttributeTypeAndValue)
      0x06, 0x03, 0x55, 0x04, 0x03, // OID 2.5.4.3 commonName (value left out)
      0x09,                         // next payload: SIG
      0x00,                         // reserved
      0x00, 0x09,                   // length 9
      0x04,                         // encoding X.509 signature
      0x30, 0x82, 0x01, 0x00,       // DER certificate (start)
      0x07,                         // next payload: CR
      0x00,                         // reserved
      0x00, 0x08,                   // length 8
      0x0b, 0x0b, 0x0b, 0x0b,       // signature (shortened)
      0x00,                         // next payload: none
      0x00,                         // reserved
      0x00, 0x05,                   // length 5
      0x04,                         // certificate type X.509 signature, any CA
  };
  auto d = datagram(5, 2, body);
  auto m = roundtrip(d);
  expect_all_truncations_fail(d);
  auto* id = m.find<id_payload>();
  BOOST_CHECK(id->kind == id_type::der_asn1_dn);
  BOOST_CHECK_EQUAL(id->to_string(), "3009310730050603550403");
  BOOST_CHECK_EQUAL(m.find<cert_payload>()->encoding, cert_encoding::x509_sig);
  BOOST_CHECK_EQUAL(m.find<sig_payload>()->data.size(), 4u);
  BOOST_CHECK(m.find<cr_payload>()->authority.empty());
  // IDii_b is the ID body.
  auto idb = encode_body(*id);
  BOOST_REQUIRE(idb.ok());
  BOOST_CHECK((*idb == bytes(body.begin() + 4, body.begin() + 19)));
}

BOOST_AUTO_TEST_CASE(every_id_type) {
  struct row {
    bytes body;
    std::string text;
  };
  std::vector<row> rows = {
      {{0x01,                    // IPV4_ADDR
        0x11,                    // UDP
        0x01, 0xf4,              // port 500
        0xc0, 0x00, 0x02, 0x01}, // 192.0.2.1
       "192.0.2.1"},
      {{0x02,                     // FQDN
        0x00,                     // protocol any
        0x00, 0x00,               // port any
        'g', 'w', '.', 'e', 'x'}, // "gw.ex"
       "gw.ex"},
      {{0x03,           // USER_FQDN
        0x00,           // protocol any
        0x00, 0x00,     // port any
        'a', '@', 'b'}, // "a@b"
       "a@b"},
      {{0x04,                    // IPV4_ADDR_SUBNET
        0x06,                    // TCP
        0x00, 0x50,              // port 80
        0xc0, 0xa8, 0x01, 0x00,  // 192.168.1.0
        0xff, 0xff, 0xff, 0x00}, // /24
       "192.168.1.0/24"},
      {{0x05,                                                        // IPV6_ADDR
        0x00,                                                        // protocol any
        0x00, 0x00,                                                  // port any
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, // 2001:db8::1
       "2001:db8:0:0:0:0:0:1"},
      {{0x06,                                                        // IPV6_ADDR_SUBNET
        0x3a,                                                        // ICMPv6
        0x00, 0x00,                                                  // port any
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  // 2001:db8::
        0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, // /32
       "2001:db8:0:0:0:0:0:0/32"},
      {{0x07,                    // IPV4_ADDR_RANGE
        0x00,                    // protocol any
        0x00, 0x00,              // port any
        0x0a, 0x00, 0x00, 0x01,  // 10.0.0.1
        0x0a, 0x00, 0x00, 0x09}, // 10.0.0.9
       "10.0.0.1-10.0.0.9"},
      {{0x08,                                                  // IPV6_ADDR_RANGE
        0x00,                                                  // protocol any
        0x00, 0x00,                                            // port any
        0,    0,    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,  // ::1
        0,    0,    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}, // ::2
       "0:0:0:0:0:0:0:1-0:0:0:0:0:0:0:2"},
      {{0x09,        // DER_ASN1_DN
        0x00,        // protocol any
        0x00, 0x00,  // port any
        0x30, 0x00}, // empty RDNSequence
       "3000"},
      {{0x0a,             // DER_ASN1_GN
        0x00,             // protocol any
        0x00, 0x00,       // port any
        0x82, 0x01, 'x'}, // dNSName "x"
       "820178"},
      {{0x0b,           // KEY_ID
        0x00,           // protocol any
        0x00, 0x00,     // port any
        'g', 'r', 'p'}, // "grp"
       "677270"},
  };
  for (const auto& r : rows) {
    auto id = single_ok<id_payload>(5, r.body);
    BOOST_CHECK_EQUAL(id.to_string(), r.text);
  }
  // Builders produce the same as the bytes.
  BOOST_CHECK(id_payload::ipv4({192, 0, 2, 1}, 17, 500).data == bytes({192, 0, 2, 1}));
  BOOST_CHECK_EQUAL(
      id_payload::ipv4_subnet({192, 168, 1, 0}, {255, 255, 255, 0}, 6, 80).to_string(),
      "192.168.1.0/24");
  BOOST_CHECK_EQUAL(id_payload::ipv4_range({10, 0, 0, 1}, {10, 0, 0, 9}).to_string(),
                    "10.0.0.1-10.0.0.9");
  BOOST_CHECK_EQUAL(id_payload::fqdn("gw.ex").to_string(), "gw.ex");
}

BOOST_AUTO_TEST_CASE(bad_ids) {
  // IPv4 address of 5 bytes (overlong), of 3 bytes (short), subnet of 4.
  expect_error(single(5, {0x01, 0, 0, 0, 1, 2, 3, 4, 5}), codec_reason::bad_id, 36);
  expect_error(single(5, {0x01, 0, 0, 0, 1, 2, 3}), codec_reason::bad_id, 36);
  expect_error(single(5, {0x04, 0, 0, 0, 1, 2, 3, 4}), codec_reason::bad_id, 36);
  expect_error(single(5, {0x06, 0, 0, 0, 1, 2, 3, 4}), codec_reason::bad_id, 36);
  // Unknown types 0 and 12; an FQDN without a name.
  expect_error(single(5, {0x00, 0, 0, 0, 'a'}), codec_reason::bad_id, 32);
  expect_error(single(5, {0x0c, 0, 0, 0, 'a'}), codec_reason::bad_id, 32);
  expect_error(single(5, {0x02, 0, 0, 0}), codec_reason::bad_id, 36);
  // Shorter than the fixed fields.
  expect_error(single(5, {0x01, 0x11, 0x01}), codec_reason::truncated, 34);
  id_payload bad = id_payload::ipv4({1, 2, 3, 4});
  bad.data.push_back(5);
  BOOST_CHECK(encode_body(bad).error().reason == codec_reason::bad_id);
}

BOOST_AUTO_TEST_CASE(notifies) {
  // INITIAL-CONTACT.
  auto ic = single_ok<notify_payload>(11, {
                                              0x00, 0x00, 0x00, 0x01,             // DOI IPsec
                                              0x01,                               // protocol ISAKMP
                                              0x10,                               // SPI size 16
                                              0x60, 0x02,                         // INITIAL-CONTACT
                                              1,    2,    3,    4,    5, 6, 7, 8, // CKY-I
                                              8,    7,    6,    5,    4, 3, 2, 1, // CKY-R
                                          });
  BOOST_CHECK(ic ==
              notify_payload::initial_contact({1, 2, 3, 4, 5, 6, 7, 8}, {8, 7, 6, 5, 4, 3, 2, 1}));
  BOOST_CHECK(!ic.is_error());
  // RESPONDER-LIFETIME for an ESP SA.
  auto rl = single_ok<notify_payload>(11, {
                                              0x00, 0x00, 0x00, 0x01, // DOI IPsec
                                              0x03,                   // protocol ESP
                                              0x04,                   // SPI size 4
                                              0x60, 0x00,             // RESPONDER-LIFETIME
                                              0xc0, 0xff, 0xee, 0x01, // SPI
                                              0x80, 0x01, 0x00, 0x01, // life type seconds
                                              0x00, 0x02, 0x00, 0x04, // life duration, 4 bytes
                                              0x00, 0x00, 0x0e, 0x10, // 3600
                                          });
  BOOST_CHECK(rl == notify_payload::responder_lifetime(protocol_id::esp,
                                                       bytes{0xc0, 0xff, 0xee, 0x01}, 3600));
  // DPD R-U-THERE and R-U-THERE-ACK.
  bytes dpd = {
      0x00, 0x00, 0x00, 0x01,             // DOI IPsec
      0x01,                               // protocol ISAKMP
      0x10,                               // SPI size 16
      0x8d, 0x28,                         // R-U-THERE 36136
      1,    2,    3,    4,    5, 6, 7, 8, // CKY-I
      8,    7,    6,    5,    4, 3, 2, 1, // CKY-R
      0x00, 0x00, 0x0a, 0xbc,             // sequence number
  };
  auto ru = single_ok<notify_payload>(11, dpd);
  BOOST_CHECK(ru.message == notify_type::r_u_there);
  BOOST_CHECK_EQUAL(*ru.dpd_sequence(), 0xabcu);
  dpd[7] = 0x29; // R-U-THERE-ACK 36137
  auto ack = single_ok<notify_payload>(11, dpd);
  BOOST_CHECK(ack == notify_payload::dpd(notify_type::r_u_there_ack, {1, 2, 3, 4, 5, 6, 7, 8},
                                         {8, 7, 6, 5, 4, 3, 2, 1}, 0xabc));
  // NO-PROPOSAL-CHOSEN without SPI, and every other error and status type.
  for (std::uint16_t t :
       {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13,    14,    15,    16,    17,   18,
        19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 16384, 24577, 40500, 40501, 40503}) {
    auto n = single_ok<notify_payload>(11, {
                                               0x00, 0x00, 0x00, 0x01, // DOI IPsec
                                               0x01,                   // protocol ISAKMP
                                               0x00,                   // SPI size 0
                                               static_cast<std::uint8_t>(t >> 8),
                                               static_cast<std::uint8_t>(t), // type
                                               0x42,                         // data
                                           });
    BOOST_CHECK_EQUAL(static_cast<std::uint16_t>(n.message), t);
    BOOST_CHECK_EQUAL(n.is_error(), t < 16384);
  }
  // SPI size past the end, and too short for the fixed fields.
  expect_error(single(11, {0, 0, 0, 1, 1, 0x10, 0x60, 0x02, 1, 2}), codec_reason::truncated, 40);
  expect_error(single(11, {0, 0, 0, 1, 1, 0}), codec_reason::truncated, 38);
}

BOOST_AUTO_TEST_CASE(deletes) {
  auto esp = single_ok<delete_payload>(12, {
                                               0x00, 0x00, 0x00, 0x01, // DOI IPsec
                                               0x03,                   // protocol ESP
                                               0x04,                   // SPI size 4
                                               0x00, 0x02,             // 2 SPIs
                                               0x11, 0x11, 0x11, 0x11, // SPI 1
                                               0x22, 0x22, 0x22, 0x22, // SPI 2
                                           });
  BOOST_REQUIRE_EQUAL(esp.spis.size(), 2u);
  BOOST_CHECK_EQUAL(esp.spis[1][0], 0x22);
  auto isakmp = single_ok<delete_payload>(12, {
                                                  0x00, 0x00, 0x00, 0x00, // DOI 0 (Cisco)
                                                  0x01,                   // protocol ISAKMP
                                                  0x10,                   // SPI size 16
                                                  0x00, 0x01,             // 1 SPI
                                                  1,    2,    3,    4,    5, 6, 7, 8, // CKY-I
                                                  8,    7,    6,    5,    4, 3, 2, 1, // CKY-R
                                              });
  BOOST_CHECK_EQUAL(isakmp.doi, 0u);
  // Count says 3 but 2 SPIs follow; count 0; SPI size 0; half an SPI too many.
  expect_error(single(12, {0, 0, 0, 1, 3, 4, 0, 3, 1, 1, 1, 1, 2, 2, 2, 2}),
               codec_reason::count_mismatch, 38);
  expect_error(single(12, {0, 0, 0, 1, 3, 4, 0, 0}), codec_reason::bad_value, 38);
  expect_error(single(12, {0, 0, 0, 1, 3, 0, 0, 1}), codec_reason::bad_value, 37);
  expect_error(single(12, {0, 0, 0, 1, 3, 4, 0, 1, 1, 1, 1, 1, 2, 2}), codec_reason::count_mismatch,
               38);
  delete_payload mixed{doi::ipsec, protocol_id::esp, {{1, 2, 3, 4}, {1, 2}}};
  BOOST_CHECK(encode_body(mixed).error().reason == codec_reason::bad_value);
}

BOOST_AUTO_TEST_CASE(vid_hash_nonce_ke_cert_cr) {
  auto vid = single_ok<vendor_id_payload>(13, {
                                                  0x40, 0x48, 0xb7, 0xd5, // FRAGMENTATION ...
                                                  0x6e, 0xbc, 0xe8, 0x85, // ... MD5 ...
                                                  0x25, 0xe7, 0xde, 0x7f, // ...
                                                  0x00, 0xd6, 0xc2, 0xd3, // ... end
                                                  0x80, 0x00, 0x00, 0x00, // capabilities MM/AM
                                              });
  BOOST_CHECK_EQUAL(vid.data.size(), 20u);
  BOOST_CHECK_EQUAL(single_ok<hash_payload>(8, {0x01}).data.size(), 1u); // 1-byte hash
  single_ok<nonce_payload>(10, {0x01, 0x02});                            // 2-byte nonce
  single_ok<ke_payload>(4, {0x02});                                      // 1-byte KE
  auto cr = single_ok<cr_payload>(7, {
                                         0x04,                   // X.509 signature
                                         0x30, 0x02, 0x31, 0x00, // CA DN
                                     });
  BOOST_CHECK_EQUAL(cr.authority.size(), 4u);
  // Empty bodies: KE, HASH, SIG, NONCE, VID, NAT-D; CERT with an encoding but no data.
  for (std::uint8_t t : {4, 8, 9, 10, 13, 20, 130, 15})
    expect_error(single(t, {}), codec_reason::bad_length, 32);
  expect_error(single(6, {0x04}), codec_reason::bad_length, 33);
  expect_error(single(7, {}), codec_reason::truncated, 32);
}

BOOST_AUTO_TEST_CASE(nat_t_payloads) {
  auto d130 = single_ok<nat_d_payload>(130, {0xab, 0xcd}); // draft NAT-D hash (cut)
  BOOST_CHECK(d130.type == payload_type::nat_d_draft);
  auto d15 = single_ok<nat_d_payload>(15, {0xab, 0xcd}); // racoon draft-04..08 NAT-D
  BOOST_CHECK(d15.type == payload_type::nat_d_draft_racoon);
  auto oa = single_ok<nat_oa_payload>(21, {
                                              0x01,                   // ID type IPV4_ADDR
                                              0x00, 0x00, 0x00,       // reserved
                                              0xc6, 0x33, 0x64, 0x07, // 198.51.100.7
                                          });
  BOOST_CHECK(oa == nat_oa_payload::ipv4({198, 51, 100, 7}));
  auto oa6 = single_ok<nat_oa_payload>(131, {
                                                0x05,             // ID type IPV6_ADDR
                                                0x00, 0x00, 0x00, // reserved
                                                0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, // 2001:db8::
                                                0,    0,    0,    0,    0, 0, 0, 7, // ...7
                                            });
  BOOST_CHECK(oa6.type == payload_type::nat_oa_draft);
  single_ok<nat_oa_payload>(16, {0x01, 0, 0, 0, 10, 0, 0, 1}); // racoon draft NAT-OA
  // Not an address type, wrong size, reserved bytes set, short.
  expect_error(single(21, {0x02, 0, 0, 0, 1, 2, 3, 4}), codec_reason::bad_id, 32);
  expect_error(single(21, {0x01, 0, 0, 0, 1, 2, 3, 4, 5}), codec_reason::bad_id, 36);
  expect_error(single(21, {0x05, 0, 0, 0, 1, 2, 3, 4}), codec_reason::bad_id, 36);
  expect_error(single(21, {0x01, 0, 1, 0, 1, 2, 3, 4}), codec_reason::reserved_not_zero, 34);
  expect_error(single(21, {0x01, 0}), codec_reason::truncated, 33);
}

BOOST_AUTO_TEST_CASE(fragments) {
  auto f = single_ok<fragment_payload>(132, {
                                                0x00, 0x01,       // fragment ID 1
                                                0x02,             // fragment number 2
                                                0x01,             // flags: last
                                                0xee, 0xee, 0xee, // slice of the datagram
                                            });
  BOOST_CHECK_EQUAL(f.number, 2);
  BOOST_CHECK(f.last());
  auto first = single_ok<fragment_payload>(132, {0x00, 0x01, 0x01, 0x00, 0xee});
  BOOST_CHECK(!first.last());
  // Number 0, empty slice, short fixed part.
  expect_error(single(132, {0x00, 0x01, 0x00, 0x01, 0xee}), codec_reason::bad_value, 34);
  expect_error(single(132, {0x00, 0x01, 0x01, 0x01}), codec_reason::bad_length, 36);
  expect_error(single(132, {0x00, 0x01, 0x01}), codec_reason::truncated, 35);
}

BOOST_AUTO_TEST_SUITE_END()
