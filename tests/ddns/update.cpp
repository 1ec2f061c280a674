// UPDATE messages byte by byte (RFC 2136), their TSIG signature (RFC 8945) checked by
// ldns and recomputed here with HMAC-SHA256 from the RFC's digest layout, bind key files,
// and the names we register.
#define BOOST_TEST_MODULE ddns_update
#include <boost/test/unit_test.hpp>

#include <openssl/evp.h>

#include "crypto/prf.hpp"
#include "ddns/update.hpp"

using namespace coati::ddns;
using bytes = std::vector<std::uint8_t>;

namespace {

// A test key, made for this file (not from any real setup).
const char* key_file = R"(# comment
key "coati-test" {
	algorithm hmac-sha256;
	secret "c2VjcmV0LWZvci10aGUtY29hdGktZGRucy10ZXN0cyE=";
};
)";

tsig_key test_key() {
  std::string why;
  auto k = parse_key(key_file, why);
  BOOST_REQUIRE_MESSAGE(k, why);
  return *k;
}

update_msg alice() {
  return {"local",
          {{false, "alice-vpn.local", rr_type::a, 0, {}},
           {true, "alice-vpn.local", rr_type::a, 86400, "192.168.201.20"}}};
}

bytes name(std::initializer_list<std::string> labels) {
  bytes out;
  for (const auto& l : labels) {
    out.push_back(static_cast<std::uint8_t>(l.size()));
    out.insert(out.end(), l.begin(), l.end());
  }
  out.push_back(0);
  return out;
}

void append(bytes& to, const bytes& b) {
  to.insert(to.end(), b.begin(), b.end());
}

} // namespace

BOOST_AUTO_TEST_CASE(update_wire_bytes) {
  auto wire = build_update(alice(), 0x1234, nullptr);
  bytes want{0x12, 0x34, 0x28, 0x00, // id; QR 0, opcode 5 (UPDATE), Z and rcode 0
             0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00}; // ZO 1, PR 0, UP 2, AD 0
  // zone section: local. SOA IN (at offset 12)
  append(want, name({"local"}));
  append(want, {0x00, 0x06, 0x00, 0x01});
  // delete the RRset alice-vpn.local A: class ANY, TTL 0, no data (owner at offset 23;
  // "local" compressed to a pointer at offset 12)
  append(want, {9, 'a', 'l', 'i', 'c', 'e', '-', 'v', 'p', 'n', 0xc0, 0x0c});
  append(want, {0x00, 0x01, 0x00, 0xff, 0, 0, 0, 0, 0x00, 0x00});
  // add alice-vpn.local 86400 IN A 192.168.201.20 (owner: pointer to offset 23)
  append(want, {0xc0, 0x17, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x51, 0x80, 0x00, 0x04});
  append(want, {192, 168, 201, 20});
  BOOST_TEST(wire == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(ptr_update_names_the_host) {
  update_msg m{"201.168.192.in-addr.arpa",
               {{true, "20.201.168.192.in-addr.arpa", rr_type::ptr, 60, "alice-vpn.local"}}};
  auto wire = build_update(m, 1, nullptr);
  auto host = name({"alice-vpn", "local"});
  // the PTR's data is the last thing in the message, uncompressed (no earlier "local")
  BOOST_REQUIRE(wire.size() > host.size() + 2);
  BOOST_TEST(bytes(wire.end() - static_cast<long>(host.size()), wire.end()) == host,
             boost::test_tools::per_element());
  std::uint16_t rdlen = static_cast<std::uint16_t>(wire[wire.size() - host.size() - 2] << 8 |
                                                   wire[wire.size() - host.size() - 1]);
  BOOST_TEST(rdlen == host.size());
}

BOOST_AUTO_TEST_CASE(tsig_signature_verifies_and_matches_rfc_8945) {
  auto key = test_key();
  bytes mac;
  auto signed_wire = build_update(alice(), 0x1234, &key, &mac);
  auto plain = build_update(alice(), 0x1234, nullptr);
  BOOST_TEST(mac.size() == 32u); // HMAC-SHA256
  BOOST_TEST(verify_tsig(signed_wire, key));
  // ARCOUNT 1: the TSIG record; the rest of the message is the unsigned one
  BOOST_TEST(signed_wire[11] == 1);
  BOOST_TEST(std::equal(plain.begin() + 12, plain.end(), signed_wire.begin() + 12));

  // The TSIG record: owner = key name, type 250, class ANY, TTL 0, then RDATA.
  std::size_t at = plain.size();
  auto owner = name({"coati-test"});
  BOOST_TEST(bytes(signed_wire.begin() + at, signed_wire.begin() + at + owner.size()) == owner,
             boost::test_tools::per_element());
  at += owner.size();
  BOOST_TEST(signed_wire[at] == 0);
  BOOST_TEST(signed_wire[at + 1] == 250);
  at += 10; // type, class, TTL, RDLEN
  auto alg = name({"hmac-sha256"});
  BOOST_TEST(bytes(signed_wire.begin() + at, signed_wire.begin() + at + alg.size()) == alg,
             boost::test_tools::per_element());
  at += alg.size();
  bytes time_fudge(signed_wire.begin() + at, signed_wire.begin() + at + 8);
  BOOST_TEST(time_fudge[6] == 0x01); // fudge 300
  BOOST_TEST(time_fudge[7] == 0x2c);

  // Recompute the MAC (RFC 8945 4.3.3): the message without TSIG, then key name, class
  // ANY, TTL 0, algorithm, time signed, fudge, error 0, other length 0.
  bytes digest = plain;
  append(digest, owner);
  append(digest, {0x00, 0xff, 0, 0, 0, 0});
  append(digest, alg);
  append(digest, time_fudge);
  append(digest, {0, 0, 0, 0});
  bytes secret(64);
  const char* b64 = reinterpret_cast<const char*>(key.data.data());
  int n = EVP_DecodeBlock(secret.data(), reinterpret_cast<const unsigned char*>(b64),
                          static_cast<int>(std::strlen(b64)));
  BOOST_REQUIRE(n > 0);
  secret.resize(static_cast<std::size_t>(n) - 1); // one '=' of padding
  auto h = coati::crypto::hmac(coati::crypto::hash_alg::sha256, secret, {digest});
  BOOST_TEST(bytes(h.begin(), h.end()) == mac, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(tsig_rejects_tampering_and_other_keys) {
  auto key = test_key();
  auto wire = build_update(alice(), 7, &key);
  auto changed = wire;
  changed[wire.size() / 2] ^= 1; // inside the update section
  BOOST_TEST(!verify_tsig(changed, key));
  std::string why;
  auto other = parse_key(R"(key "coati-test" { algorithm hmac-sha256;
    secret "b3RoZXItc2VjcmV0LWZvci10aGUtY29hdGktdGVzdHM="; };)",
                         why);
  BOOST_REQUIRE(other);
  BOOST_TEST(!verify_tsig(wire, *other));
  BOOST_TEST(!verify_tsig(build_update(alice(), 7, nullptr), key)); // unsigned
}

BOOST_AUTO_TEST_CASE(key_files) {
  auto k = test_key();
  BOOST_TEST(k.name == "coati-test");
  BOOST_TEST(k.algorithm == "hmac-sha256");
  std::string why;
  BOOST_TEST(!parse_key("key \"k\" { algorithm hmac-sha256; };", why));
  BOOST_TEST(why == "key \"k\" has no secret");
  BOOST_TEST(!parse_key("key \"k\" { secret \"YWJj\"; };", why));
  BOOST_TEST(why == "key \"k\" has no algorithm");
  BOOST_TEST(!parse_key("key \"k\" { algorithm gss-tsig; secret \"YWJj\"; };", why));
  BOOST_TEST(why == "key \"k\" has algorithm gss-tsig; expected an HMAC (hmac-sha256)");
  BOOST_TEST(!parse_key("options { };", why));
  BOOST_TEST(why.find("YWJj") == std::string::npos);
  BOOST_TEST(!load_key("/nonexistent/ddns.key", why));
  BOOST_TEST(why.starts_with("cannot read /nonexistent/ddns.key"));
}

BOOST_AUTO_TEST_CASE(names) {
  BOOST_TEST(forward_name("%u-vpn", "alice", "local") == "alice-vpn.local");
  BOOST_TEST(forward_name("%u-vpn", "Bob.Smith@x", "example.net") == "bob-smith-x-vpn.example.net");
  BOOST_TEST(forward_name("%u-vpn", "", "local") == "");
  BOOST_TEST(forward_name("%u", std::string(70, 'a'), "local") == "");
  BOOST_TEST(reverse_name("192.168.201.20") == "20.201.168.192.in-addr.arpa");
  BOOST_TEST(reverse_name("2001:db8::1") == "");
  BOOST_TEST(in_zone("20.201.168.192.in-addr.arpa", "201.168.192.IN-ADDR.arpa"));
  BOOST_TEST(!in_zone("20.202.168.192.in-addr.arpa", "201.168.192.in-addr.arpa"));
  BOOST_TEST(!in_zone("x1.168.192.in-addr.arpa", "1.168.192.in-addr.arpa"));
}
