// The IKEv1 key schedule, each step recomputed with `openssl dgst` (HMAC and plain hashes)
// from the same random inputs, for several hash/cipher/authentication combinations.
#define BOOST_TEST_MODULE crypto_keyschedule
#include <boost/test/unit_test.hpp>

#include "cli.hpp"
#include "crypto/keyschedule.hpp"
#include "crypto/random.hpp"

using namespace coati::crypto;
using namespace coati::crypto::ikev1;
using namespace coati::test;

namespace {

bytes be32(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
          static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

bytes first(bytes v, std::size_t n) {
  v.resize(n);
  return v;
}

// The KEYMAT / encryption-key expansion done with the CLI: K1 = prf(k, seed1),
// Kn = prf(k, Kn-1 | seedn).
bytes cli_expand(const scratch& s, const char* md, const bytes& key, const bytes& seed,
                 bool chain_with_seed, std::size_t len) {
  bytes out, k;
  while (out.size() < len) {
    k = openssl_hmac(s, md, key, chain_with_seed ? cat({k, seed}) : (k.empty() ? seed : k));
    out.insert(out.end(), k.begin(), k.end());
  }
  return first(out, len);
}

struct combo {
  hash_alg hash;
  cipher_alg cipher;
  skeyid_kind kind;
};

} // namespace

BOOST_AUTO_TEST_CASE(phase1_and_phase2_match_openssl_cli) {
  const combo combos[] = {
      {hash_alg::md5, cipher_alg::des3_cbc, skeyid_kind::signature},       // 16 < 24: expand
      {hash_alg::sha1, cipher_alg::des3_cbc, skeyid_kind::pre_shared_key}, // 20 < 24: expand
      {hash_alg::sha1, cipher_alg::aes256_cbc, skeyid_kind::hybrid},       // 20 < 32: expand
      {hash_alg::sha256, cipher_alg::aes128_cbc, skeyid_kind::pre_shared_key},
      {hash_alg::sha384, cipher_alg::aes192_cbc, skeyid_kind::signature},
      {hash_alg::sha512, cipher_alg::aes256_cbc, skeyid_kind::signature},
  };
  scratch s;
  for (const auto& c : combos) {
    const char* md = dgst_name(static_cast<int>(c.hash));
    BOOST_TEST_CONTEXT("hash " << md << " cipher " << openssl_name(c.cipher)) {
      auto ni = random_bytes(16), nr = random_bytes(24);
      auto cky_i = random_bytes(8), cky_r = random_bytes(8);
      auto gxi = random_bytes(128), gxr = random_bytes(128), gxy = random_bytes(128);
      auto psk = random_bytes(13);
      auto sai_b = random_bytes(52), idii_b = random_bytes(12), idir_b = random_bytes(12);

      phase1_input in;
      in.hash = c.hash;
      in.cipher = c.cipher;
      in.kind = c.kind;
      in.psk = psk;
      in.gxy = gxy;
      in.gxi = gxi;
      in.gxr = gxr;
      in.ni_b = ni;
      in.nr_b = nr;
      in.cky_i = cky_i;
      in.cky_r = cky_r;
      ikev1_keys k = derive_phase1(in);

      // SKEYID
      bytes skeyid = c.kind == skeyid_kind::pre_shared_key
                         ? openssl_hmac(s, md, psk, cat({ni, nr}))
                         : openssl_hmac(s, md, cat({ni, nr}), gxy);
      BOOST_TEST(to_bytes(k.skeyid) == skeyid);
      // SKEYID_d, _a, _e
      bytes d = openssl_hmac(s, md, skeyid, cat({gxy, cky_i, cky_r, bytes{0}}));
      bytes a = openssl_hmac(s, md, skeyid, cat({d, gxy, cky_i, cky_r, bytes{1}}));
      bytes e = openssl_hmac(s, md, skeyid, cat({a, gxy, cky_i, cky_r, bytes{2}}));
      BOOST_TEST(to_bytes(k.skeyid_d) == d);
      BOOST_TEST(to_bytes(k.skeyid_a) == a);
      BOOST_TEST(to_bytes(k.skeyid_e) == e);
      // Encryption key, expanded when SKEYID_e is too short.
      std::size_t klen = key_size(c.cipher);
      bytes ka = e.size() >= klen ? first(e, klen) : cli_expand(s, md, e, bytes{0}, false, klen);
      BOOST_TEST(to_bytes(k.enc_key) == ka);
      BOOST_TEST(k.enc_key.size() == klen);
      // Phase-1 IV.
      std::size_t bs = block_size(c.cipher);
      BOOST_TEST(k.iv == first(openssl_hash(s, md, cat({gxi, gxr})), bs));
      // HASH_I / HASH_R.
      BOOST_TEST(hash_i(c.hash, k.skeyid, gxi, gxr, cky_i, cky_r, sai_b, idii_b) ==
                 openssl_hmac(s, md, skeyid, cat({gxi, gxr, cky_i, cky_r, sai_b, idii_b})));
      BOOST_TEST(hash_r(c.hash, k.skeyid, gxi, gxr, cky_i, cky_r, sai_b, idir_b) ==
                 openssl_hmac(s, md, skeyid, cat({gxr, gxi, cky_r, cky_i, sai_b, idir_b})));

      // Phase 1 ends: the final IV is the last block of MM6, here a random block.
      auto final_iv = random_bytes(bs);
      k.iv = final_iv;
      const std::uint32_t mid = 0x8a2b3c4d;
      auto qm_iv = first(openssl_hash(s, md, cat({final_iv, be32(mid)})), bs);
      BOOST_TEST(exchange_iv(c.hash, final_iv, mid, bs) == qm_iv);
      exchange_ivs ivs;
      BOOST_TEST(ivs.current(k, mid) == qm_iv);
      auto last = random_bytes(bs);
      ivs.advance(mid, last);
      BOOST_TEST(ivs.current(k, mid) == last);
      BOOST_TEST(ivs.current(k, mid + 1) ==
                 first(openssl_hash(s, md, cat({final_iv, be32(mid + 1)})), bs));
      ivs.forget(mid);
      BOOST_TEST(ivs.current(k, mid) == qm_iv);
      BOOST_TEST(k.iv == final_iv); // never altered by phase-2 chains

      // Quick mode hashes.
      auto rest1 = random_bytes(100), rest2 = random_bytes(90);
      auto qni = random_bytes(16), qnr = random_bytes(20);
      BOOST_TEST(qm_hash1(c.hash, k.skeyid_a, mid, rest1) ==
                 openssl_hmac(s, md, a, cat({be32(mid), rest1})));
      BOOST_TEST(message_hash(c.hash, k.skeyid_a, mid, rest1) ==
                 openssl_hmac(s, md, a, cat({be32(mid), rest1})));
      BOOST_TEST(qm_hash2(c.hash, k.skeyid_a, mid, qni, rest2) ==
                 openssl_hmac(s, md, a, cat({be32(mid), qni, rest2})));
      BOOST_TEST(qm_hash3(c.hash, k.skeyid_a, mid, qni, qnr) ==
                 openssl_hmac(s, md, a, cat({bytes{0}, be32(mid), qni, qnr})));

      // KEYMAT for both directions (inbound: my SPI, outbound: the peer's), without and
      // with PFS; 3DES + HMAC-SHA1 wants 44 bytes, AES-256 + HMAC-SHA2-512 wants 96.
      auto spi_in = random_bytes(4), spi_out = random_bytes(4);
      auto gqm = random_bytes(128);
      for (std::size_t len : {44u, 96u}) {
        for (const auto& spi : {spi_in, spi_out}) {
          auto seed = cat({bytes{3}, spi, qni, qnr});
          BOOST_TEST(to_bytes(keymat(c.hash, k.skeyid_d, {}, 3, spi, qni, qnr, len)) ==
                     cli_expand(s, md, d, seed, true, len));
          auto pfs_seed = cat({gqm, bytes{3}, spi, qni, qnr});
          BOOST_TEST(to_bytes(keymat(c.hash, k.skeyid_d, gqm, 3, spi, qni, qnr, len)) ==
                     cli_expand(s, md, d, pfs_seed, true, len));
        }
      }
      BOOST_TEST(!(keymat(c.hash, k.skeyid_d, {}, 3, spi_in, qni, qnr, 44) ==
                   keymat(c.hash, k.skeyid_d, {}, 3, spi_out, qni, qnr, 44)));
    }
  }
}

// Initiator and responder, each from its own DH key pair, end with the same keys; and a
// phase-1 message encrypted by one decrypts at the other with the chained IVs.
BOOST_AUTO_TEST_CASE(both_roles_agree) {
  auto ni = random_bytes(16), nr = random_bytes(16), ci = random_bytes(8), cr = random_bytes(8);
  auto gxi = random_bytes(128), gxr = random_bytes(128), gxy = random_bytes(128);
  phase1_input in{hash_alg::sha1,
                  cipher_alg::aes128_cbc,
                  skeyid_kind::signature,
                  {},
                  gxy,
                  gxi,
                  gxr,
                  ni,
                  nr,
                  ci,
                  cr};
  auto ki = derive_phase1(in);
  auto kr = derive_phase1(in);
  BOOST_TEST((ki.skeyid_e == kr.skeyid_e));
  auto msg5 = random_bytes(64);
  auto c5 = cbc_encrypt(ki.cipher, ki.enc_key, ki.iv, msg5);
  auto p5 = cbc_decrypt(kr.cipher, kr.enc_key, kr.iv, *c5);
  BOOST_TEST(*p5 == msg5);
  BOOST_TEST(ki.iv == kr.iv);
  BOOST_TEST((skeyid_hybrid(hash_alg::sha1, ni, nr, gxy) ==
              skeyid_signature(hash_alg::sha1, ni, nr, gxy)));
}
