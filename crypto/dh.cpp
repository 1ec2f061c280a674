#include "crypto/dh.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <array>
#include <mutex>

#include "crypto/error.hpp"

namespace coati::crypto {

namespace {

// Small RAII holders for the OpenSSL objects used here.
struct bn_free {
  void operator()(BIGNUM* b) const noexcept { BN_clear_free(b); }
};
using bn_ptr = std::unique_ptr<BIGNUM, bn_free>;
struct pkey_free {
  void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
struct pctx_free {
  void operator()(EVP_PKEY_CTX* c) const noexcept { EVP_PKEY_CTX_free(c); }
};
using pctx_ptr = std::unique_ptr<EVP_PKEY_CTX, pctx_free>;
struct bld_free {
  void operator()(OSSL_PARAM_BLD* b) const noexcept { OSSL_PARAM_BLD_free(b); }
};
using bld_ptr = std::unique_ptr<OSSL_PARAM_BLD, bld_free>;
struct params_free {
  void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};
using params_ptr = std::unique_ptr<OSSL_PARAM, params_free>;

std::size_t index_of(dh_group g) {
  switch (g) {
  case dh_group::modp768:
    return 0;
  case dh_group::modp1024:
    return 1;
  case dh_group::modp1536:
    return 2;
  case dh_group::modp2048:
    return 3;
  case dh_group::modp3072:
    return 4;
  case dh_group::modp4096:
    return 5;
  case dh_group::modp6144:
    return 6;
  case dh_group::modp8192:
    return 7;
  case dh_group::ecp256:
    return 8;
  case dh_group::ecp384:
    return 9;
  case dh_group::ecp521:
    return 10;
  }
  return 0;
}

constexpr std::array<dh_group, 11> all_groups = {
    dh_group::modp768,  dh_group::modp1024, dh_group::modp1536, dh_group::modp2048,
    dh_group::modp3072, dh_group::modp4096, dh_group::modp6144, dh_group::modp8192,
    dh_group::ecp256,   dh_group::ecp384,   dh_group::ecp521};

// The MODP prime, from OpenSSL's copies of the RFC 2409 / RFC 3526 constants.
bn_ptr modp_prime(dh_group g) {
  BIGNUM* p = nullptr;
  switch (g) {
  case dh_group::modp768:
    p = BN_get_rfc2409_prime_768(nullptr);
    break;
  case dh_group::modp1024:
    p = BN_get_rfc2409_prime_1024(nullptr);
    break;
  case dh_group::modp1536:
    p = BN_get_rfc3526_prime_1536(nullptr);
    break;
  case dh_group::modp2048:
    p = BN_get_rfc3526_prime_2048(nullptr);
    break;
  case dh_group::modp3072:
    p = BN_get_rfc3526_prime_3072(nullptr);
    break;
  case dh_group::modp4096:
    p = BN_get_rfc3526_prime_4096(nullptr);
    break;
  case dh_group::modp6144:
    p = BN_get_rfc3526_prime_6144(nullptr);
    break;
  case dh_group::modp8192:
    p = BN_get_rfc3526_prime_8192(nullptr);
    break;
  default:
    break;
  }
  if (p == nullptr)
    throw error("no MODP prime");
  return bn_ptr(p);
}

const char* curve_name(dh_group g) {
  switch (g) {
  case dh_group::ecp256:
    return "P-256";
  case dh_group::ecp384:
    return "P-384";
  case dh_group::ecp521:
    return "P-521";
  default:
    return "";
  }
}

int curve_nid(dh_group g) {
  switch (g) {
  case dh_group::ecp256:
    return NID_X9_62_prime256v1;
  case dh_group::ecp384:
    return NID_secp384r1;
  default:
    return NID_secp521r1;
  }
}

std::size_t field_size(dh_group g) {
  switch (g) {
  case dh_group::ecp256:
    return 32;
  case dh_group::ecp384:
    return 48;
  default:
    return 66;
  }
}

struct modp_domain {
  bn_ptr p;
  bn_ptr g;
};

// Per-group constants, built once.
const modp_domain& domain(dh_group grp) {
  static std::array<modp_domain, 8> table;
  static std::once_flag once;
  std::call_once(once, [] {
    for (std::size_t i = 0; i < 8; ++i) {
      table[i].p = modp_prime(all_groups[i]);
      table[i].g = bn_ptr(BN_new());
      if (!table[i].g || BN_set_word(table[i].g.get(), 2) != 1)
        throw error("BN_set_word");
    }
  });
  return table[index_of(grp)];
}

// A DH EVP_PKEY from p, g and optionally pub / priv.
pkey_ptr modp_pkey(dh_group grp, const BIGNUM* pub, const BIGNUM* priv, int selection) {
  const auto& d = domain(grp);
  bld_ptr bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_P, d.p.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_G, d.g.get()) != 1)
    throw error("param build");
  if (pub != nullptr && OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub) != 1)
    throw error("param build");
  if (priv != nullptr && OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv) != 1)
    throw error("param build");
  params_ptr params(OSSL_PARAM_BLD_to_param(bld.get()));
  pctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, selection, params.get()) != 1)
    throw error("DH key from data");
  return pkey_ptr(key);
}

// An EC EVP_PKEY from an encoded point (0x04 | x | y) and optionally a private scalar.
pkey_ptr ec_pkey(dh_group grp, bytes_view point, const BIGNUM* priv) {
  bld_ptr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve_name(grp), 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1)
    throw error("param build");
  if (priv != nullptr && OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv) != 1)
    throw error("param build");
  params_ptr params(OSSL_PARAM_BLD_to_param(bld.get()));
  pctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1)
    throw error("EC key from data");
  // A point not on the curve is rejected here.
  if (EVP_PKEY_fromdata(ctx.get(), &key, priv != nullptr ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                        params.get()) != 1) {
    clear_openssl_errors();
    return nullptr;
  }
  return pkey_ptr(key);
}

std::vector<std::uint8_t> modp_public(EVP_PKEY* key, dh_group grp) {
  BIGNUM* pub = nullptr;
  if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PUB_KEY, &pub) != 1)
    throw error("DH public value");
  bn_ptr holder(pub);
  std::vector<std::uint8_t> out(public_value_size(grp));
  if (BN_bn2binpad(pub, out.data(), static_cast<int>(out.size())) < 0)
    throw error("DH public value encoding");
  return out;
}

unsigned private_bit_count(EVP_PKEY* key) {
  BIGNUM* priv = nullptr;
  if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &priv) != 1)
    throw error("private value");
  bn_ptr holder(priv);
  return static_cast<unsigned>(BN_num_bits(priv));
}

std::vector<std::uint8_t> ec_public(EVP_PKEY* key, dh_group grp) {
  std::vector<std::uint8_t> buf(1 + public_value_size(grp));
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, buf.data(), buf.size(), &len) !=
          1 ||
      len != buf.size() || buf[0] != 0x04)
    throw error("EC public value");
  return {buf.begin() + 1, buf.end()};
}

} // namespace

std::optional<dh_group> dh_group_from_id(std::uint16_t id) {
  for (auto g : all_groups)
    if (static_cast<std::uint16_t>(g) == id)
      return g;
  return std::nullopt;
}

bool is_ecp(dh_group g) {
  return g == dh_group::ecp256 || g == dh_group::ecp384 || g == dh_group::ecp521;
}

std::size_t public_value_size(dh_group g) {
  switch (g) {
  case dh_group::modp768:
    return 96;
  case dh_group::modp1024:
    return 128;
  case dh_group::modp1536:
    return 192;
  case dh_group::modp2048:
    return 256;
  case dh_group::modp3072:
    return 384;
  case dh_group::modp4096:
    return 512;
  case dh_group::modp6144:
    return 768;
  case dh_group::modp8192:
    return 1024;
  default:
    return 2 * field_size(g);
  }
}

std::size_t shared_secret_size(dh_group g) {
  return is_ecp(g) ? field_size(g) : public_value_size(g);
}

unsigned short_exponent_bits(dh_group g) {
  // RFC 3526 section 8 gives, per group, the exponent size for the group's strength; we
  // take the upper figure. The RFC 2409 groups get the 1536-bit group's size.
  switch (g) {
  case dh_group::modp768:
  case dh_group::modp1024:
  case dh_group::modp1536:
    return 256;
  case dh_group::modp2048:
    return 320;
  case dh_group::modp3072:
    return 420;
  case dh_group::modp4096:
    return 480;
  case dh_group::modp6144:
    return 540;
  case dh_group::modp8192:
    return 620;
  case dh_group::ecp256:
    return 256;
  case dh_group::ecp384:
    return 384;
  case dh_group::ecp521:
    return 521;
  }
  return 0;
}

void dh_keypair::key_deleter::operator()(void* p) const noexcept {
  EVP_PKEY_free(static_cast<EVP_PKEY*>(p));
}

dh_keypair::dh_keypair(dh_group g, void* key) : group_(g), key_(key) {
  auto* k = static_cast<EVP_PKEY*>(key);
  public_ = is_ecp(g) ? ec_public(k, g) : modp_public(k, g);
  private_bits_ = private_bit_count(k);
}

dh_keypair::dh_keypair(dh_keypair&&) noexcept = default;
dh_keypair& dh_keypair::operator=(dh_keypair&&) noexcept = default;
dh_keypair::~dh_keypair() = default;

dh_keypair dh_keypair::generate(dh_group g, dh_exponent e) {
  if (is_ecp(g)) {
    EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve_name(g));
    if (key == nullptr)
      throw error("EC key generation");
    return dh_keypair(g, key);
  }
  pkey_ptr params = modp_pkey(g, nullptr, nullptr, EVP_PKEY_KEY_PARAMETERS);
  pctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, params.get(), nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1)
    throw error("DH keygen init");
  const auto& d = domain(g);
  int bits = e == dh_exponent::short_fixed ? static_cast<int>(short_exponent_bits(g))
                                           : BN_num_bits(d.p.get()) - 1;
  std::array<OSSL_PARAM, 2> p = {OSSL_PARAM_construct_int(OSSL_PKEY_PARAM_DH_PRIV_LEN, &bits),
                                 OSSL_PARAM_construct_end()};
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_CTX_set_params(ctx.get(), p.data()) != 1 || EVP_PKEY_generate(ctx.get(), &key) != 1)
    throw error("DH key generation");
  return dh_keypair(g, key);
}

std::optional<dh_keypair> dh_keypair::from_private(dh_group g, bytes_view priv) {
  bn_ptr x(BN_bin2bn(priv.data(), static_cast<int>(priv.size()), nullptr));
  if (!x)
    throw error("BN_bin2bn");
  if (BN_is_zero(x.get()))
    return std::nullopt;
  std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> bnctx(BN_CTX_new(), BN_CTX_free);
  if (!bnctx)
    throw error("BN_CTX_new");
  if (is_ecp(g)) {
    std::unique_ptr<EC_GROUP, decltype(&EC_GROUP_free)> grp(
        EC_GROUP_new_by_curve_name(curve_nid(g)), EC_GROUP_free);
    std::unique_ptr<EC_POINT, decltype(&EC_POINT_free)> pt(EC_POINT_new(grp.get()), EC_POINT_free);
    if (!grp || !pt)
      throw error("EC group");
    if (BN_cmp(x.get(), EC_GROUP_get0_order(grp.get())) >= 0)
      return std::nullopt;
    std::vector<std::uint8_t> point(1 + public_value_size(g));
    if (EC_POINT_mul(grp.get(), pt.get(), x.get(), nullptr, nullptr, bnctx.get()) != 1 ||
        EC_POINT_point2oct(grp.get(), pt.get(), POINT_CONVERSION_UNCOMPRESSED, point.data(),
                           point.size(), bnctx.get()) != point.size())
      throw error("EC public from private");
    pkey_ptr key = ec_pkey(g, point, x.get());
    if (!key)
      return std::nullopt;
    return dh_keypair(g, key.release());
  }
  const auto& d = domain(g);
  if (BN_cmp(x.get(), d.p.get()) >= 0)
    return std::nullopt;
  bn_ptr y(BN_new());
  if (!y || BN_mod_exp(y.get(), d.g.get(), x.get(), d.p.get(), bnctx.get()) != 1)
    throw error("DH public from private");
  pkey_ptr key = modp_pkey(g, y.get(), x.get(), EVP_PKEY_KEYPAIR);
  return dh_keypair(g, key.release());
}

std::optional<secret_bytes> dh_keypair::derive(bytes_view peer_public) const {
  if (peer_public.size() != public_value_size(group_))
    return std::nullopt;
  pkey_ptr peer;
  if (is_ecp(group_)) {
    std::vector<std::uint8_t> point(1 + peer_public.size());
    point[0] = 0x04;
    std::copy(peer_public.begin(), peer_public.end(), point.begin() + 1);
    // The peer key takes our curve (no group lookup by name); setting the point decodes
    // it and rejects one that is not on the curve.
    peer.reset(EVP_PKEY_new());
    if (!peer || EVP_PKEY_copy_parameters(peer.get(), static_cast<EVP_PKEY*>(key_.get())) != 1)
      throw error("EC peer key");
    if (EVP_PKEY_set1_encoded_public_key(peer.get(), point.data(), point.size()) != 1) {
      clear_openssl_errors();
      return std::nullopt;
    }
  } else {
    bn_ptr y(BN_bin2bn(peer_public.data(), static_cast<int>(peer_public.size()), nullptr));
    if (!y)
      throw error("BN_bin2bn");
    // 1 < y < p - 1: rejects the small-subgroup values 0, 1, p - 1 and out-of-range ones.
    bn_ptr pm1(BN_dup(domain(group_).p.get()));
    if (!pm1 || BN_sub_word(pm1.get(), 1) != 1)
      throw error("BN");
    if (BN_cmp(y.get(), BN_value_one()) <= 0 || BN_cmp(y.get(), pm1.get()) >= 0)
      return std::nullopt;
    peer = modp_pkey(group_, y.get(), nullptr, EVP_PKEY_PUBLIC_KEY);
  }
  if (!peer)
    return std::nullopt;
  pctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, static_cast<EVP_PKEY*>(key_.get()), nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1)
    throw error("derive init");
  if (!is_ecp(group_) && EVP_PKEY_CTX_set_dh_pad(ctx.get(), 1) != 1)
    throw error("DH pad");
  // The peer value is already validated: 1 < y < p - 1 for MODP (enough for safe primes,
  // RFC 6989 section 2.1), on the curve for ECP (checked by fromdata; the curves have
  // cofactor 1). OpenSSL's own check would add a full-size exponentiation (y^q mod p).
  if (EVP_PKEY_derive_set_peer_ex(ctx.get(), peer.get(), 0) != 1) {
    clear_openssl_errors();
    return std::nullopt;
  }
  secret_bytes out(shared_secret_size(group_));
  std::size_t len = out.size();
  if (EVP_PKEY_derive(ctx.get(), out.data(), &len) != 1) {
    clear_openssl_errors();
    return std::nullopt;
  }
  if (len != out.size()) // ECP: left-pad the x coordinate to the field size
  {
    secret_bytes padded(out.size());
    std::copy(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(len),
              padded.begin() + static_cast<std::ptrdiff_t>(out.size() - len));
    return padded;
  }
  return out;
}

} // namespace coati::crypto
