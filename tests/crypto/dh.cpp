// Known-answer tests for DH: RFC 5903 vectors for ECP, the openssl command line for MODP.
#define BOOST_TEST_MODULE crypto_dh
#include <boost/test/unit_test.hpp>

#include <openssl/bn.h>
#include <openssl/crypto.h>

#include <memory>
#include <sstream>
#include <utility>

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

// The MODP primes computed from their definition, independently of any stored copy:
// p = 2^N - 2^(N-64) - 1 + 2^64 * (floor(2^(N-130) * pi) + k), with N and k from RFC 2409
// section 6 and RFC 3526, and pi from Machin's formula in fixed point. Upper-case hex.
std::string rfc_prime_hex(int group) {
  struct def {
    int id, bits;
    unsigned long k;
  };
  const def defs[] = {{1, 768, 149686},   {2, 1024, 129093},   {5, 1536, 741804},
                      {14, 2048, 124476}, {15, 3072, 1690314}, {16, 4096, 240904},
                      {17, 6144, 929484}, {18, 8192, 4743158}};
  const def* d = nullptr;
  for (const auto& x : defs)
    if (x.id == group)
      d = &x;
  BOOST_REQUIRE(d != nullptr);
  using bn = std::unique_ptr<BIGNUM, decltype(&BN_free)>;
  auto make = [] { return bn(BN_new(), BN_free); };
  const int guard = 64, frac = d->bits - 130 + guard;
  // atan(1/x) * 2^frac = sum (-1)^i / ((2i+1) x^(2i+1)), each term truncated.
  auto atan_inv = [&](BN_ULONG x) {
    bn sum = make(), power = make(), term = make();
    BN_one(power.get());
    BN_lshift(power.get(), power.get(), frac);
    BN_div_word(power.get(), x);
    BN_zero(sum.get());
    for (BN_ULONG i = 0; !BN_is_zero(power.get()); ++i) {
      BN_copy(term.get(), power.get());
      BN_div_word(term.get(), 2 * i + 1);
      if (i % 2 == 0)
        BN_add(sum.get(), sum.get(), term.get());
      else
        BN_sub(sum.get(), sum.get(), term.get());
      BN_div_word(power.get(), x * x);
    }
    return sum;
  };
  bn pi = atan_inv(5), b = atan_inv(239); // pi = 16 atan(1/5) - 4 atan(1/239)
  BN_mul_word(pi.get(), 16);
  BN_mul_word(b.get(), 4);
  BN_sub(pi.get(), pi.get(), b.get());
  BN_rshift(pi.get(), pi.get(), guard); // floor(2^(N-130) pi); the truncation error is tiny
  BN_add_word(pi.get(), d->k);
  BN_lshift(pi.get(), pi.get(), 64);
  bn p = make(), low = make();
  BN_one(p.get());
  BN_lshift(p.get(), p.get(), d->bits);
  BN_one(low.get());
  BN_lshift(low.get(), low.get(), d->bits - 64);
  BN_sub(p.get(), p.get(), low.get());
  BN_sub_word(p.get(), 1);
  BN_add(p.get(), p.get(), pi.get());
  char* hex = BN_bn2hex(p.get());
  std::string out(hex);
  OPENSSL_free(hex);
  return out;
}

// Writes DH parameters (p from rfc_prime_hex, g = 2) to dh.pem with the openssl tools.
void openssl_params(const scratch& s, int group) {
  std::ofstream(s.path("dh.cnf")) << "asn1=SEQUENCE:dh\n[dh]\np=INTEGER:0x" << rfc_prime_hex(group)
                                  << "\ng=INTEGER:2\n";
  sh("openssl asn1parse -genconf " + s.path("dh.cnf") + " -out " + s.path("dh.der") +
     " -noout && openssl dhparam -inform DER -in " + s.path("dh.der") + " -out " +
     s.path("dh.pem") + " 2>/dev/null");
}

} // namespace

// The computed primes are the RFC's: groups 1 and 2 against the hex typed from RFC 2409,
// the RFC 3526 groups against OpenSSL's named groups (as `openssl asn1parse` shows them),
// and each is a prime by `openssl prime`.
BOOST_AUTO_TEST_CASE(rfc_formula_primes) {
  BOOST_TEST(rfc_prime_hex(1) == oakley1);
  BOOST_TEST(rfc_prime_hex(2) == oakley2);
  const std::pair<int, const char*> named[] = {{5, "modp_1536"},  {14, "modp_2048"},
                                               {15, "modp_3072"}, {16, "modp_4096"},
                                               {17, "modp_6144"}, {18, "modp_8192"}};
  scratch s;
  for (const auto& [id, name] : named) {
    sh("openssl genpkey -genparam -algorithm DH -pkeyopt group:" + std::string(name) + " -out " +
       s.path("named.pem") + " 2>/dev/null");
    auto dump = sh_out("openssl asn1parse -in " + s.path("named.pem"));
    auto at = dump.find("INTEGER");
    BOOST_REQUIRE(at != std::string::npos);
    auto colon = dump.find(':', at);
    auto line_end = dump.find('\n', colon);
    BOOST_TEST(dump.substr(colon + 1, line_end - colon - 1) == rfc_prime_hex(id), name);
  }
  for (int id : {1, 2, 5, 14})
    BOOST_TEST(sh_out("openssl prime -hex " + rfc_prime_hex(id)).find("is prime") !=
               std::string::npos);
}

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

// The derive path at the edges of the peer range: y = 2 (the generator) and y = p - 2 are
// the smallest and largest values accepted. 2^x is our own public value, and
// (p - 2)^x = (-2)^x is it or its negative: an independent check of the exponentiation.
// The MODP exponents have exactly the policy's length (RFC 7919's sizes for 14-18).
BOOST_AUTO_TEST_CASE(modp_derive_edges_and_exponent_length) {
  BOOST_TEST(short_exponent_bits(dh_group::modp2048) == 225u);
  BOOST_TEST(short_exponent_bits(dh_group::modp3072) == 275u);
  BOOST_TEST(short_exponent_bits(dh_group::modp4096) == 325u);
  using bn = std::unique_ptr<BIGNUM, decltype(&BN_free)>;
  auto subtract = [](const bytes& a, const bytes& b) { // a - b, a's length
    bn x(BN_bin2bn(a.data(), static_cast<int>(a.size()), nullptr), BN_free);
    bn y(BN_bin2bn(b.data(), static_cast<int>(b.size()), nullptr), BN_free);
    BN_sub(x.get(), x.get(), y.get());
    bytes out(a.size());
    BN_bn2binpad(x.get(), out.data(), static_cast<int>(out.size()));
    return out;
  };
  for (auto g : {dh_group::modp1024, dh_group::modp2048, dh_group::modp3072}) {
    auto n = public_value_size(g);
    auto p = from_hex(rfc_prime_hex(static_cast<int>(g)));
    BOOST_REQUIRE(p.size() == n);
    for (int round = 0; round < 4; ++round) {
      auto a = dh_keypair::generate(g);
      BOOST_TEST(a.private_bits() == short_exponent_bits(g));
      bytes two(n, 0);
      two.back() = 2;
      auto z = a.derive(two);
      BOOST_REQUIRE(z);
      BOOST_TEST(to_bytes(*z) == a.public_value());
      auto pm2 = p;
      pm2.back() -= 2; // p ends in ...ff
      auto w = a.derive(pm2);
      BOOST_REQUIRE(w);
      auto neg = subtract(p, a.public_value()); // p - 2^x
      BOOST_TEST((to_bytes(*w) == a.public_value() || to_bytes(*w) == neg));
    }
  }
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

// Group 21 (P-521): the published test data of RFC 5114 appendix A (521-bit random ECP
// group), the same curve as RFC 5903's group 21, read in IKE's encodings (x | y public
// values, x as the shared secret). Both directions; the secret has a leading zero byte.
BOOST_AUTO_TEST_CASE(ecp521_published_vector) {
  const auto d_a = from_hex("0113f82d a825735e 3d972766 83b2b742 77bad273 35ea7166 4af2430c "
                            "c4f33459 b9669ee7 8b3ffb9b 8683015d 344dcbfe f6fb9af4 c6c470be "
                            "254516cd 3c1a1fb4 7362");
  const auto d_b = from_hex("00cee348 0d8645a1 7d249f27 76d28bae 616952d1 791fdb4b 70f7c337 "
                            "8732aa1b 22928448 bcd1dc24 96d435b0 1048066e be4f7290 3c361b1a "
                            "9dc1193d c2c9d089 1b96");
  const auto q_a = from_hex(
      "01ebb34d d75721ab f8adc9db ed17889c bb9765d9 0a7c60f2 cef007bb 0f2b26e1 4881fd44 42e689d6 "
      "1cb2dd04 6ee30e3f fd20f9a4 5bbdf641 3d583a2d bf59924f d35c00f6 b632d194 c0388e22 d8437e55 "
      "8c552ae1 95adfd15 3f92d749 08351b2f 8c4eda94 edb0916d 1b53c020 b5eecaed 1a5fc38a 233e4830 "
      "587bb2ee 3489b3b4 2a5a86a4");
  const auto q_b = from_hex(
      "010ebfaf c6e85e08 d24bfffc c1a4511d b0e634be eb1b6dec 8c5939ae 44766201 af620043 0ba97c8a "
      "c6a0e9f0 8b33ce7e 9feeb5ba 4ee5e0d8 1510c242 95b8a08d 023500a4 a6ec300d f9e257b0 372b5e7a "
      "bfef0934 36719a77 887ebb0b 18cf8099 b9f4212b 6e30a141 9c18e029 d36863cc 9d448f4d ba4d2a0e "
      "60711be5 72915fbd 4fef2695");
  const auto z = from_hex("00cdea89 621cfa46 b132f9e4 cfe2261c de2d4368 eb565663 4c7cc98c "
                          "7a00cde5 4ed1866a 0dd3e612 6c9d2f84 5daff82c eb1da08f 5d87521b "
                          "b0ebeca7 7911169c 20cc");
  BOOST_REQUIRE(q_a.size() == 132u && z.size() == 66u);
  auto a = dh_keypair::from_private(dh_group::ecp521, d_a);
  auto b = dh_keypair::from_private(dh_group::ecp521, d_b);
  BOOST_REQUIRE((a && b));
  BOOST_TEST(a->public_value() == q_a);
  BOOST_TEST(b->public_value() == q_b);
  auto za = a->derive(q_b), zb = b->derive(q_a);
  BOOST_REQUIRE((za && zb));
  BOOST_TEST(to_bytes(*za) == z); // keeps its leading zero byte: 66 bytes
  BOOST_TEST(to_bytes(*zb) == z);
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
    const auto n = public_value_size(g);
    BOOST_TEST(!a.derive(bytes(n, 0)));     // (0, 0): not a point (nor infinity)
    BOOST_TEST(!a.derive(bytes(n, 0xff)));  // coordinates beyond the field
    BOOST_TEST(!a.derive(bytes(n - 1, 1))); // wrong size
    auto swapped = cat(
        {bytes_view(b.public_value()).subspan(n / 2), bytes_view(b.public_value()).first(n / 2)});
    BOOST_TEST(!a.derive(swapped)); // (y, x) is off the curve
  }
}
