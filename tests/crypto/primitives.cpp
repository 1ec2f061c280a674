// Known-answer tests for secret_bytes, randomness, hashes, HMAC PRFs and CBC ciphers.
#define BOOST_TEST_MODULE crypto_primitives
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <ostream>
#include <string>

#include "cli.hpp"
#include "crypto/cipher.hpp"
#include "crypto/prf.hpp"
#include "crypto/random.hpp"
#include "crypto/secret.hpp"

using namespace coati::crypto;
using namespace coati::test;

namespace {
bytes str(const std::string& s) {
  return bytes(s.begin(), s.end());
}
constexpr hash_alg all_hashes[] = {hash_alg::md5, hash_alg::sha1, hash_alg::sha256,
                                   hash_alg::sha384, hash_alg::sha512};
} // namespace

// Streaming a secret does not compile.
template <class T>
concept streamable = requires(std::ostream& o, const T& t) {
  o << t;
};
static_assert(!streamable<secret_bytes>);
static_assert(streamable<std::string>);

BOOST_AUTO_TEST_CASE(secret_bytes_behaves) {
  secret_bytes s(from_hex("00112233445566778899"));
  BOOST_TEST(s.size() == 10u);
  BOOST_TEST(redacted(s) == "<secret: 10 bytes>");
  secret_bytes t = s;
  BOOST_TEST((t == s));
  t[3] ^= 1;
  BOOST_TEST(!(t == s));
  s.resize(4);
  BOOST_TEST(to_hex(s.view()) == "00112233");
  s.resize(6);
  BOOST_TEST(to_hex(s.view()) == "001122330000");
  s.append(from_hex("ff"));
  BOOST_TEST(s.size() == 7u);
  secret_bytes m = std::move(s);
  BOOST_TEST(m.size() == 7u);
  m.clear();
  BOOST_TEST(m.empty());
  BOOST_TEST(from_hex("abc").empty()); // odd length
  BOOST_TEST(from_hex("zz").empty());
  BOOST_TEST(to_hex(from_hex("DE:AD be ef")) == "deadbeef");
}

BOOST_AUTO_TEST_CASE(random_is_random) {
  auto a = random_bytes(32), b = random_bytes(32);
  BOOST_TEST(a.size() == 32u);
  BOOST_TEST(a != b);
  auto k = random_secret(24);
  BOOST_TEST(k.size() == 24u);
  BOOST_TEST(!(k == random_secret(24)));
  BOOST_TEST(random_u32() != 0u);
}

// Small draws come from a pool per thread (crypto/random.cpp); a forked child must not
// hand out its parent's next bytes, public or private.
BOOST_AUTO_TEST_CASE(random_after_fork_is_not_the_parents) {
  (void)random_bytes(8); // both pools filled before the fork
  (void)random_secret(8);
  int fds[2];
  BOOST_REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    auto a = random_bytes(16);
    auto k = random_secret(16);
    bool ok = ::write(fds[1], a.data(), a.size()) == 16 && ::write(fds[1], k.data(), 16) == 16;
    ::_exit(ok ? 0 : 1);
  }
  ::close(fds[1]);
  auto a = random_bytes(16);
  auto k = random_secret(16);
  std::uint8_t child[32];
  std::size_t got = 0;
  while (got < sizeof child) {
    auto n = ::read(fds[0], child + got, sizeof child - got);
    if (n <= 0)
      break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  BOOST_REQUIRE(got == sizeof child);
  BOOST_TEST(std::memcmp(child, a.data(), 16) != 0);
  BOOST_TEST(std::memcmp(child + 16, k.data(), 16) != 0);
}

// FIPS 180 / RFC 1321 "abc" vectors.
BOOST_AUTO_TEST_CASE(hash_abc_vectors) {
  auto abc = str("abc");
  BOOST_TEST(to_hex(hash(hash_alg::md5, {abc})) == "900150983cd24fb0d6963f7d28e17f72");
  BOOST_TEST(to_hex(hash(hash_alg::sha1, {abc})) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  BOOST_TEST(to_hex(hash(hash_alg::sha256, {abc})) ==
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_TEST(to_hex(hash(hash_alg::sha384, {abc})) ==
             "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc23"
             "58baeca134c825a7");
  BOOST_TEST(to_hex(hash(hash_alg::sha512, {abc})) ==
             "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a8"
             "36ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  // Parts are concatenated.
  BOOST_TEST(hash(hash_alg::sha1, {str("a"), str("bc")}) == hash(hash_alg::sha1, {abc}));
}

// RFC 2202 test cases 1 and 2.
BOOST_AUTO_TEST_CASE(hmac_rfc2202) {
  auto hi = str("Hi There");
  auto jefe = str("Jefe");
  auto q = str("what do ya want for nothing?");
  BOOST_TEST(to_hex(hmac(hash_alg::md5, bytes(16, 0x0b), {hi}).view()) ==
             "9294727a3638bb1c13f48ef8158bfc9d");
  BOOST_TEST(to_hex(hmac(hash_alg::md5, jefe, {q}).view()) == "750c783e6ab0b503eaa86e310a5db738");
  BOOST_TEST(to_hex(hmac(hash_alg::sha1, bytes(20, 0x0b), {hi}).view()) ==
             "b617318655057264e28bc0b6fb378c8ef146be00");
  BOOST_TEST(to_hex(hmac(hash_alg::sha1, jefe, {q}).view()) ==
             "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

// RFC 2202 test cases 6 and 7: an 80-byte key, longer than the hash block.
BOOST_AUTO_TEST_CASE(hmac_rfc2202_long_key) {
  bytes k(80, 0xaa);
  auto m6 = str("Test Using Larger Than Block-Size Key - Hash Key First");
  auto m7 = str("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data");
  BOOST_TEST(to_hex(hmac(hash_alg::md5, k, {m6}).view()) == "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd");
  BOOST_TEST(to_hex(hmac(hash_alg::md5, k, {m7}).view()) == "6f630fad67cda0ee1fb1f562db3aa53e");
  BOOST_TEST(to_hex(hmac(hash_alg::sha1, k, {m6}).view()) ==
             "aa4ae5e15272d00e95705637ce8a3b55ed402112");
  BOOST_TEST(to_hex(hmac(hash_alg::sha1, k, {m7}).view()) ==
             "e8e99d0f45237d786d6bbaa7965c7808bbff1a91");
}

// RFC 4231 test cases 1 and 2.
BOOST_AUTO_TEST_CASE(hmac_rfc4231) {
  auto hi = str("Hi There");
  auto jefe = str("Jefe");
  auto q = str("what do ya want for nothing?");
  bytes k(20, 0x0b);
  BOOST_TEST(to_hex(hmac(hash_alg::sha256, k, {hi}).view()) ==
             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  BOOST_TEST(to_hex(hmac(hash_alg::sha384, k, {hi}).view()) ==
             "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f"
             "4af152e8b2fa9cb6");
  BOOST_TEST(to_hex(hmac(hash_alg::sha512, k, {hi}).view()) ==
             "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702"
             "038b274eaea3f4e4be9d914eeb61f1702e696c203a126854");
  BOOST_TEST(to_hex(hmac(hash_alg::sha256, jefe, {q}).view()) ==
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  BOOST_TEST(to_hex(hmac(hash_alg::sha384, jefe, {q}).view()) ==
             "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c7"
             "8b3239ecfab21649");
  BOOST_TEST(to_hex(hmac(hash_alg::sha512, jefe, {q}).view()) ==
             "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a"
             "6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
}

// RFC 4231 test cases 6 and 7: a 131-byte key, longer than every hash block; the data
// fed in two parts.
BOOST_AUTO_TEST_CASE(hmac_rfc4231_long_key) {
  bytes k(131, 0xaa);
  auto m6 = str("Test Using Larger Than Block-Size Key - Hash Key First");
  auto m7a = str("This is a test using a larger than block-size key and a larger than block-size "
                 "data. ");
  auto m7b = str("The key needs to be hashed before being used by the HMAC algorithm.");
  BOOST_TEST(to_hex(hmac(hash_alg::sha256, k, {m6}).view()) ==
             "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  BOOST_TEST(to_hex(hmac(hash_alg::sha256, k, {m7a, m7b}).view()) ==
             "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
  BOOST_TEST(to_hex(hmac(hash_alg::sha384, k, {m6}).view()) ==
             "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe82"
             "96248df163f44952");
  BOOST_TEST(to_hex(hmac(hash_alg::sha384, k, {m7a, m7b}).view()) ==
             "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d"
             "3860e6110c46523e");
  BOOST_TEST(to_hex(hmac(hash_alg::sha512, k, {m6}).view()) ==
             "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598"
             "bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598");
  BOOST_TEST(to_hex(hmac(hash_alg::sha512, k, {m7a, m7b}).view()) ==
             "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b1"
             "0d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58");
}

// NIST SP 800-20 TCBC known-answer tests (keying option 1 with K1 = K2 = K3 = 0101..01
// and IV 0): variable-plaintext rows 1-3 and variable-key row 1, one block each.
BOOST_AUTO_TEST_CASE(des3_cbc_sp800_20) {
  const secret_bytes odd_key(bytes(24, 0x01));
  const char* plain_rows[][2] = {{"8000000000000000", "95f8a5e5dd31d900"},
                                 {"4000000000000000", "dd7f121ca5015619"},
                                 {"2000000000000000", "2e8653104f3834ea"}};
  for (const auto& row : plain_rows) {
    bytes iv(8, 0);
    auto c = cbc_encrypt(cipher_alg::des3_cbc, odd_key, iv, from_hex(row[0]));
    BOOST_REQUIRE(c);
    BOOST_TEST(to_hex(*c) == row[1]);
    BOOST_TEST(to_hex(iv) == row[1]);
    bytes iv0(8, 0);
    BOOST_TEST(to_hex(*cbc_decrypt(cipher_alg::des3_cbc, odd_key, iv0, *c)) == row[0]);
  }
  auto k = from_hex("8001010101010101");
  const secret_bytes var_key(cat({k, k, k}));
  bytes iv(8, 0);
  auto c = cbc_encrypt(cipher_alg::des3_cbc, var_key, iv, bytes(8, 0));
  BOOST_REQUIRE(c);
  BOOST_TEST(to_hex(*c) == "95a8d72813daa94d");
}

// Random keys and data (long keys, keys longer than a block) against `openssl dgst`.
BOOST_AUTO_TEST_CASE(hash_and_hmac_match_openssl_cli) {
  scratch s;
  for (auto alg : all_hashes) {
    const char* md = dgst_name(static_cast<int>(alg));
    for (std::size_t klen : {1u, 20u, 64u, 131u}) {
      auto key = random_bytes(klen);
      auto data = random_bytes(257);
      BOOST_TEST(to_bytes(hmac(alg, key, {data})) == openssl_hmac(s, md, key, data),
                 md << " key " << klen);
    }
    auto data = random_bytes(1000);
    BOOST_TEST(hash(alg, {data}) == openssl_hash(s, md, data), md);
    BOOST_TEST(digest_size(alg) == hash(alg, {data}).size());
  }
}

// NIST SP 800-38A F.2.1, F.2.3, F.2.5 (CBC-AES128/192/256), encrypt and decrypt.
BOOST_AUTO_TEST_CASE(aes_cbc_sp800_38a) {
  const auto iv0 = from_hex("000102030405060708090a0b0c0d0e0f");
  const auto plain = from_hex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
                              "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
  struct v {
    cipher_alg alg;
    const char* key;
    const char* cipher;
  };
  const v vectors[] = {
      {cipher_alg::aes128_cbc, "2b7e151628aed2a6abf7158809cf4f3c",
       "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
       "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7"},
      {cipher_alg::aes192_cbc, "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
       "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a"
       "571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd"},
      {cipher_alg::aes256_cbc, "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
       "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
       "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b"},
  };
  for (const auto& t : vectors) {
    secret_bytes key(from_hex(t.key));
    auto expected = from_hex(t.cipher);
    auto iv = iv0;
    auto c = cbc_encrypt(t.alg, key, iv, plain);
    BOOST_REQUIRE(c);
    BOOST_TEST(*c == expected);
    // The IV handed back is the last ciphertext block.
    BOOST_TEST(iv == bytes(expected.end() - 16, expected.end()));
    // Chaining: two calls with the returned IV give the same as one call.
    auto iv2 = iv0;
    auto c1 = cbc_encrypt(t.alg, key, iv2, bytes_view(plain).first(32));
    auto c2 = cbc_encrypt(t.alg, key, iv2, bytes_view(plain).subspan(32));
    BOOST_TEST(cat({*c1, *c2}) == expected);
    auto iv3 = iv0;
    auto p = cbc_decrypt(t.alg, key, iv3, expected);
    BOOST_REQUIRE(p);
    BOOST_TEST(*p == plain);
    BOOST_TEST(iv3 == iv);
  }
}

// 3DES-CBC and AES-CBC against `openssl enc -nopad` with random keys, IVs and data.
BOOST_AUTO_TEST_CASE(cbc_matches_openssl_enc) {
  scratch s;
  for (auto alg : {cipher_alg::des3_cbc, cipher_alg::aes128_cbc, cipher_alg::aes192_cbc,
                   cipher_alg::aes256_cbc}) {
    auto key = random_secret(key_size(alg));
    auto iv = random_bytes(block_size(alg));
    auto plain = random_bytes(block_size(alg) * 7);
    write_file(s.path("p.bin"), plain);
    std::string name = openssl_name(alg);
    for (auto& ch : name)
      ch = static_cast<char>(std::tolower(ch));
    sh("openssl enc -" + name + " -nopad -K " + to_hex(key.view()) + " -iv " + to_hex(iv) +
       " -in " + s.path("p.bin") + " -out " + s.path("c.bin"));
    auto expected = read_file(s.path("c.bin"));
    auto iv_copy = iv;
    auto c = cbc_encrypt(alg, key, iv_copy, plain);
    BOOST_REQUIRE(c);
    BOOST_TEST(*c == expected, name);
    auto iv_dec = iv;
    BOOST_TEST(*cbc_decrypt(alg, key, iv_dec, expected) == plain);
  }
}

BOOST_AUTO_TEST_CASE(cbc_rejects_bad_lengths) {
  secret_bytes key(bytes(16, 1));
  bytes iv(16, 0);
  BOOST_TEST(!cbc_encrypt(cipher_alg::aes128_cbc, key, iv, bytes(15, 0)));
  BOOST_TEST(!cbc_decrypt(cipher_alg::aes128_cbc, key, iv, bytes(17, 0)));
  BOOST_TEST(!cbc_encrypt(cipher_alg::aes256_cbc, key, iv, bytes(16, 0))); // short key
  bytes short_iv(8, 0);
  BOOST_TEST(!cbc_encrypt(cipher_alg::aes128_cbc, key, short_iv, bytes(16, 0)));
  BOOST_TEST((cipher_from_oakley(7, 0) == cipher_alg::aes128_cbc));
  BOOST_TEST((cipher_from_oakley(7, 256) == cipher_alg::aes256_cbc));
  BOOST_TEST((cipher_from_oakley(5, 0) == cipher_alg::des3_cbc));
  BOOST_TEST(!cipher_from_oakley(1, 0));
}
