// Attribute payload of the transaction exchange: XAuth, Mode Config and Cisco Unity.

#include "vectors.hpp"

using namespace coati::ike;
using namespace coati::ike::test;

BOOST_AUTO_TEST_SUITE(attribute)

BOOST_AUTO_TEST_CASE(xauth_request_reply_set_ack) {
  // S->C REQUEST
  bytes request = {
      0x00,                   // next payload: none
      0x00,                   // reserved
      0x00, 0x14,             // length 20
      0x01,                   // REQUEST
      0x00,                   // reserved
      0x12, 0x34,             // identifier
      0xc0, 0x88, 0x00, 0x00, // XAUTH_TYPE generic (TV)
      0x40, 0x89, 0x00, 0x00, // XAUTH_USER_NAME, empty: please send
      0x40, 0x8a, 0x00, 0x00, // XAUTH_USER_PASSWORD, empty
  };
  auto m = roundtrip(datagram(14, 6, request));
  auto* a = m.find<attribute_payload>();
  BOOST_REQUIRE(a);
  BOOST_CHECK(a->kind == cfg_type::request);
  BOOST_CHECK_EQUAL(a->identifier, 0x1234);
  BOOST_CHECK(a->find(xauth_attr::type)->basic);
  BOOST_CHECK(a->find(xauth_attr::user_name)->value.empty());
  expect_all_truncations_fail(datagram(14, 6, request));
  // C->S REPLY
  bytes reply = {
      0x00,                   // next payload: none
      0x00,                   // reserved
      0x00, 0x19,             // length 25
      0x02,                   // REPLY
      0x00,                   // reserved
      0x12, 0x34,             // identifier echoed
      0xc0, 0x88, 0x00, 0x00, // XAUTH_TYPE generic
      0x40, 0x89, 0x00, 0x03, // XAUTH_USER_NAME, 3 bytes
      'b',  'o',  'b',        // "bob"
      0x40, 0x8a, 0x00, 0x02, // XAUTH_USER_PASSWORD, 2 bytes
      'p',  'w',              // "pw"
  };
  auto r = roundtrip(datagram(14, 6, reply));
  BOOST_CHECK_EQUAL(r.find<attribute_payload>()->find(xauth_attr::user_name)->as_text(), "bob");
  attribute_payload built{cfg_type::reply,
                          0x1234,
                          {data_attribute::tv(xauth_attr::type, xauth_attr::type_generic),
                           data_attribute::text(xauth_attr::user_name, "bob"),
                           data_attribute::text(xauth_attr::user_password, "pw")}};
  BOOST_CHECK(built == must(r.find<attribute_payload>()));
  // S->C SET status OK, C->S ACK
  bytes set = {
      0x00,                   // next payload: none
      0x00,                   // reserved
      0x00, 0x0c,             // length 12
      0x03,                   // SET
      0x00,                   // reserved
      0x12, 0x35,             // identifier
      0xc0, 0x8f, 0x00, 0x01, // XAUTH_STATUS OK
  };
  auto s = roundtrip(datagram(14, 6, set));
  BOOST_CHECK_EQUAL(*s.find<attribute_payload>()->find(xauth_attr::status)->as_integer(),
                    xauth_attr::status_ok);
  set[4] = 0x04; // ACK
  roundtrip(datagram(14, 6, set));
}

BOOST_AUTO_TEST_CASE(mode_config_and_unity_reply) {
  bytes reply = {
      0x00,                               // next payload: none
      0x00,                               // reserved
      0x00, 0x3c,                         // length 60
      0x02,                               // REPLY
      0x00,                               // reserved
      0x00, 0x14,                         // identifier 20
      0x00, 0x01, 0x00, 0x04,             // INTERNAL_IP4_ADDRESS, 4 bytes
      0xc0, 0xa8, 0x64, 0x0a,             // 192.168.100.10
      0x00, 0x02, 0x00, 0x04,             // INTERNAL_IP4_NETMASK, 4 bytes
      0xff, 0xff, 0xff, 0x00,             // 255.255.255.0
      0x00, 0x03, 0x00, 0x04,             // INTERNAL_IP4_DNS, 4 bytes
      0xc0, 0xa8, 0x64, 0x01,             // 192.168.100.1
      0x70, 0x02, 0x00, 0x02,             // UNITY_DEF_DOMAIN, 2 bytes
      'e',  'x',                          // "ex"
      0xf0, 0x01, 0x00, 0x00,             // UNITY_SAVE_PASSWD off (TV)
      0x70, 0x04, 0x00, 0x0e,             // UNITY_SPLIT_INCLUDE, 14 bytes
      0x0a, 0x01, 0x00, 0x00,             // 10.1.0.0
      0xff, 0xff, 0x00, 0x00,             // 255.255.0.0
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // protocol / ports (zero)
  };
  auto d = datagram(14, 6, reply);
  auto m = roundtrip(d);
  expect_all_truncations_fail(d);
  auto* a = m.find<attribute_payload>();
  BOOST_CHECK((a->find(cfg_attr::internal_ip4_address)->value == bytes{192, 168, 100, 10}));
  BOOST_CHECK_EQUAL(a->find(unity_attr::def_domain)->as_text(), "ex");
  BOOST_CHECK(a->find(unity_attr::save_passwd)->basic);
  BOOST_CHECK_EQUAL(a->find(unity_attr::split_include)->value.size(), 14u);
  BOOST_CHECK(a->find(unity_attr::banner) == nullptr);
}

BOOST_AUTO_TEST_CASE(malformed_attribute_payloads) {
  // Type 5 does not exist; type 0 neither.
  expect_error(datagram(14, 6, {0, 0, 0, 8, 0x05, 0, 0, 1}), codec_reason::bad_value, 32);
  expect_error(datagram(14, 6, {0, 0, 0, 8, 0x00, 0, 0, 1}), codec_reason::bad_value, 32);
  // Reserved byte set.
  expect_error(datagram(14, 6, {0, 0, 0, 8, 0x01, 7, 0, 1}), codec_reason::reserved_not_zero, 33);
  // TLV length 5 with 4 bytes of room.
  expect_error(datagram(14, 6,
                        {
                            0x00,                   // next payload: none
                            0x00,                   // reserved
                            0x00, 0x10,             // length 16
                            0x02,                   // REPLY
                            0x00,                   // reserved
                            0x00, 0x01,             // identifier
                            0x00, 0x01, 0x00, 0x05, // INTERNAL_IP4_ADDRESS, says 5 bytes
                            0x0a, 0x00, 0x00, 0x01, // 4 bytes
                        }),
               codec_reason::bad_length, 38);
  // Half an attribute header at the end.
  expect_error(datagram(14, 6,
                        {
                            0x00,                   // next payload: none
                            0x00,                   // reserved
                            0x00, 0x0e,             // length 14
                            0x01,                   // REQUEST
                            0x00,                   // reserved
                            0x00, 0x01,             // identifier
                            0x80, 0x01, 0x00, 0x00, // TV attribute
                            0x00, 0x01,             // stray 2 bytes
                        }),
               codec_reason::truncated, 42);
  // Shorter than its fixed part.
  expect_error(datagram(14, 6, {0, 0, 0, 6, 0x01, 0}), codec_reason::truncated, 34);
  attribute_payload bad{cfg_type{9}, 1, {}};
  BOOST_CHECK(encode_body(bad).error().reason == codec_reason::bad_value);
}

BOOST_AUTO_TEST_SUITE_END()
