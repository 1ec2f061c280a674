// Known-answer tests for DH: RFC 5903 vectors for ECP, the openssl command line for MODP.
#define BOOST_TEST_MODULE crypto_dh
#include <boost/test/unit_test.hpp>

#include <sstream>

#include "cli.hpp"
#include "crypto/dh.hpp"

using namespace coati::crypto;
using namespace coati::test;

namespace {

// RFC 2409 section 6.1 / 6.2 primes, typed here independently of OpenSSL's copies.
const char* oakley1 = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
                      "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
                      "4FE1356D6D51C245E485B576625E7EC6F44C42E9A63A3620FFFFFFFFFFFFFFFF";
const char* oakley2 = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
                      "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
                      "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
                      "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF";

// The hex block after `label:` in `openssl pkey -text` output.
bytes text_field(const std::string& text, const std::string& label) {
  std::istringstream in(text);
  std::string line, hex;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.rfind(label, 0) == 0) {
      inside = true;
      continue;
    }
    if (inside) {
      if (line.empty() || line[0] != ' ')
        break;
      hex += line;
    }
  }
  return from_hex(hex);
}

bytes left_pad(bytes v, std::size_t n) {
  while (v.size() > n && v.front() == 0)
    v.erase(v.begin());
  v.insert(v.begin(), n - v.size(), 0);
  return v;
}

// Writes DH parameters for `group` to dh.pem with the openssl tools only.
void openssl_params(const scratch& s, int group) {
  const char* named = nullptr;
  switch (group) {
  case 5:
    named = "modp_1536";
    break;
  case 14:
    named = "modp_2048";
    break;
  case 15:
    named = "modp_3072";
    break;
  case 16:
    named = "modp_4096";
    break;
  case 17:
    named = "modp_6144";
    break;
  case 18:
    named = "modp_8192";
    break;
  default:
    break;
  }
  if (named != nullptr) {
    sh("openssl genpkey -genparam -algorithm DH -pkeyopt group:" + std::string(named) + " -out " +
       s.path("dh.pem") + " 2>/dev/null");
    return;
  }
  // Groups 1 and 2 have no OpenSSL name: build the DHParameter DER from the RFC prime,
  // after `openssl prime` has confirmed the typed prime.
  std::string p = group == 1 ? oakley1 : oakley2;
  BOOST_REQUIRE(sh_out("openssl prime -hex " + p).find("is prime") != std::string::npos);
  {
    std::ofstream cnf(s.path("dh.cnf"));
    cnf << "asn1=SEQUENCE:dh\n[dh]\np=INTEGER:0x" << p << "\ng=INTEGER:2\n";
  }
  sh("openssl asn1parse -genconf " + s.path("dh.cnf") + " -out " + s.path("dh.der") +
     " -noout && openssl dhparam -inform DER -in " + s.path("dh.der") + " -out " +
     s.path("dh.pem") + " 2>/dev/null");
}

} // namespace

// openssl makes two key pairs A and B and derives A x B; coati, given A's private value,
// must reproduce A's public value, and derive the same secret from B's public value.
BOOST_AUTO_TEST_CASE(modp_matches_openssl_cli) {
  for (int id : {1, 2, 5, 14, 15, 16, 17, 18}) {
    scratch s;
    auto g = *dh_group_from_id(static_cast<std::uint16_t>(id));
    openssl_params(s, id);
    for (const char* k : {"a", "b"}) {
      sh("openssl genpkey -paramfile " + s.path("dh.pem") + " -out " + s.path(k) + ".pem");
      sh("openssl pkey -in " + s.path(k) + ".pem -pubout -out " + s.path(k) + ".pub");
    }
    sh("openssl pkeyutl -derive -inkey " + s.path("a.pem") + " -peerkey " + s.path("b.pub") +
       " -out " + s.path("ab.bin"));
    auto a_text = sh_out("openssl pkey -in " + s.path("a.pem") + " -text -noout");
    auto b_text = sh_out("openssl pkey -in " + s.path("b.pem") + " -text -noout");
    auto a_priv = text_field(a_text, "private-key:");
    auto a_pub = left_pad(text_field(a_text, "public-key:"), public_value_size(g));
    auto b_pub = left_pad(text_field(b_text, "public-key:"), public_value_size(g));
    auto expected = left_pad(read_file(s.path("ab.bin")), shared_secret_size(g));
    BOOST_REQUIRE(!a_priv.empty());

    auto a = dh_keypair::from_private(g, a_priv);
    BOOST_REQUIRE(a);
    BOOST_TEST(a->public_value() == a_pub, "group " << id);
    auto secret = a->derive(b_pub);
    BOOST_REQUIRE(secret);
    BOOST_TEST(to_bytes(*secret) == expected, "group " << id);

    // A fresh coati key pair agrees with B (imported from openssl's private value).
    auto b = dh_keypair::from_private(g, text_field(b_text, "private-key:"));
    auto mine = dh_keypair::generate(g);
    BOOST_TEST(mine.public_value().size() == public_value_size(g));
    BOOST_TEST(mine.private_bits() <= short_exponent_bits(g));
    BOOST_TEST(mine.private_bits() > short_exponent_bits(g) - 16);
    BOOST_TEST((*mine.derive(b->public_value()) == *b->derive(mine.public_value())));
  }
}

BOOST_AUTO_TEST_CASE(modp_large_groups_and_exponents) {
  for (auto g : {dh_group::modp6144, dh_group::modp8192}) {
    auto a = dh_keypair::generate(g), b = dh_keypair::generate(g);
    BOOST_TEST(a.private_bits() <= short_exponent_bits(g));
    BOOST_TEST((*a.derive(b.public_value()) == *b.derive(a.public_value())));
    BOOST_TEST(a.derive(b.public_value())->size() == shared_secret_size(g));
  }
  auto full = dh_keypair::generate(dh_group::modp1024, dh_exponent::full_length);
  BOOST_TEST(full.private_bits() > 1000u);
}

BOOST_AUTO_TEST_CASE(modp_rejects_bad_peer_values) {
  auto a = dh_keypair::generate(dh_group::modp1024);
  bytes v(128, 0);
  BOOST_TEST(!a.derive(v)); // 0
  v.back() = 1;
  BOOST_TEST(!a.derive(v));                // 1
  BOOST_TEST(!a.derive(bytes(128, 0xff))); // >= p
  auto pm1 = from_hex(oakley2);
  pm1.back() -= 1;
  BOOST_TEST(!a.derive(pm1));           // p - 1
  BOOST_TEST(!a.derive(bytes(127, 5))); // wrong size
}

namespace {
struct ecp_vector {
  dh_group group;
  const char *i, *gix, *giy, *grx, *gry, *girx;
};
// RFC 5903 sections 8.1 and 8.2.
const ecp_vector rfc5903[] = {
    {dh_group::ecp256, "C88F01F5 10D9AC3F 70A292DA A2316DE5 44E9AAB8 AFE84049 C62A9C57 862D1433",
     "DAD0B653 94221CF9 B051E1FE CA5787D0 98DFE637 FC90B9EF 945D0C37 72581180",
     "5271A046 1CDB8252 D61F1C45 6FA3E59A B1F45B33 ACCF5F58 389E0577 B8990BB3",
     "D12DFB52 89C8D4F8 1208B702 70398C34 2296970A 0BCCB74C 736FC755 4494BF63",
     "56FBF3CA 366CC23E 8157854C 13C58D6A AC23F046 ADA30F83 53E74F33 039872AB",
     "D6840F6B 42F6EDAF D13116E0 E1256520 2FEF8E9E CE7DCE03 812464D0 4B9442DE"},
    {dh_group::ecp384,
     "099F3C70 34D4A2C6 99884D73 A375A67F 7624EF7C 6B3C0F16 0647B674 14DCE655 E35B5380 41E649EE "
     "3FAEF896 783AB194",
     "667842D7 D180AC2C DE6F74F3 7551F557 55C7645C 20EF73E3 1634FE72 B4C55EE6 DE3AC808 ACB4BDB4 "
     "C88732AE E95F41AA",
     "9482ED1F C0EEB9CA FC498462 5CCFC23F 65032149 E0E144AD A0241815 35A0F38E EB9FCFF3 C2C947DA "
     "E69B4C63 4573A81C",
     "E558DBEF 53EECDE3 D3FCCFC1 AEA08A89 A987475D 12FD950D 83CFA417 32BC509D 0D1AC43A 0336DEF9 "
     "6FDA41D0 774A3571",
     "DCFBEC7A ACF31964 72169E83 8430367F 66EEBE3C 6E70C416 DD5F0C68 759DD1FF F83FA401 42209DFF "
     "5EAAD96D B9E6386C",
     "11187331 C279962D 93D60424 3FD592CB 9D0A926F 422E4718 7521287E 7156C5C4 D6031355 69B9E9D0 "
     "9CF5D4A2 70F59746"},
};
} // namespace

BOOST_AUTO_TEST_CASE(ecp_rfc5903_vectors) {
  for (const auto& v : rfc5903) {
    auto a = dh_keypair::from_private(v.group, from_hex(v.i));
    BOOST_REQUIRE(a);
    BOOST_TEST(a->public_value() == cat({from_hex(v.gix), from_hex(v.giy)}));
    auto gr = cat({from_hex(v.grx), from_hex(v.gry)});
    auto s = a->derive(gr);
    BOOST_REQUIRE(s);
    BOOST_TEST(to_bytes(*s) == from_hex(v.girx));
    gr[10] ^= 1; // off the curve
    BOOST_TEST(!a->derive(gr));
  }
}

// Group 21: the private value and peer come from `openssl genpkey`/`pkeyutl -derive`.
BOOST_AUTO_TEST_CASE(ecp521_matches_openssl_cli) {
  scratch s;
  for (const char* k : {"a", "b"}) {
    sh("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out " + s.path(k) + ".pem");
    sh("openssl pkey -in " + s.path(k) + ".pem -pubout -out " + s.path(k) + ".pub");
  }
  sh("openssl pkeyutl -derive -inkey " + s.path("a.pem") + " -peerkey " + s.path("b.pub") +
     " -out " + s.path("ab.bin"));
  auto a_text = sh_out("openssl pkey -in " + s.path("a.pem") + " -text -noout");
  auto b_text = sh_out("openssl pkey -in " + s.path("b.pem") + " -text -noout");
  auto a_pub = text_field(a_text, "pub:");
  auto b_pub = text_field(b_text, "pub:");
  BOOST_REQUIRE(a_pub.size() == 133u && b_pub.size() == 133u);
  auto a = dh_keypair::from_private(dh_group::ecp521, text_field(a_text, "priv:"));
  BOOST_REQUIRE(a);
  BOOST_TEST(a->public_value() == bytes(a_pub.begin() + 1, a_pub.end()));
  auto sec = a->derive(bytes(b_pub.begin() + 1, b_pub.end()));
  BOOST_REQUIRE(sec);
  BOOST_TEST(to_bytes(*sec) == left_pad(read_file(s.path("ab.bin")), 66));
}

BOOST_AUTO_TEST_CASE(group_table) {
  BOOST_TEST(!dh_group_from_id(3));
  BOOST_TEST(!dh_group_from_id(22));
  BOOST_TEST(public_value_size(dh_group::ecp521) == 132u);
  BOOST_TEST(shared_secret_size(dh_group::ecp384) == 48u);
  BOOST_TEST(public_value_size(dh_group::modp2048) == 256u);
  for (auto g : {dh_group::ecp256, dh_group::ecp384, dh_group::ecp521}) {
    auto a = dh_keypair::generate(g), b = dh_keypair::generate(g);
    BOOST_TEST(a.public_value().size() == public_value_size(g));
    BOOST_TEST((*a.derive(b.public_value()) == *b.derive(a.public_value())));
  }
}
