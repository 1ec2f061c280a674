#include "crypto/dh.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <array>
#include <mutex>

#include "crypto/error.hpp"
#include "crypto/random.hpp"

namespace coati::crypto {

namespace {

// Small RAII holders for the OpenSSL objects used here.
struct bn_free {
  void operator()(BIGNUM* b) const noexcept { BN_clear_free(b); }
};
using bn_ptr = std::unique_ptr<BIGNUM, bn_free>;

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

struct mont_free {
  void operator()(BN_MONT_CTX* m) const noexcept { BN_MONT_CTX_free(m); }
};
struct bnctx_free {
  void operator()(BN_CTX* c) const noexcept { BN_CTX_free(c); } // clears what it handed out
};
using bnctx_ptr = std::unique_ptr<BN_CTX, bnctx_free>;
struct group_free {
  void operator()(EC_GROUP* g) const noexcept { EC_GROUP_free(g); }
};
struct point_free {
  void operator()(EC_POINT* p) const noexcept { EC_POINT_clear_free(p); }
};
using point_ptr = std::unique_ptr<EC_POINT, point_free>;

struct modp_domain {
  bn_ptr p;
  bn_ptr g;
  bn_ptr p_minus_1;
  std::unique_ptr<BN_MONT_CTX, mont_free> mont; // p's Montgomery form, shared read-only
};

// Per-group constants, built once.
const modp_domain& domain(dh_group grp) {
  static std::array<modp_domain, 8> table;
  static std::once_flag once;
  std::call_once(once, [] {
    bnctx_ptr ctx(BN_CTX_new());
    for (std::size_t i = 0; i < 8; ++i) {
      auto& d = table[i];
      d.p = modp_prime(all_groups[i]);
      d.g = bn_ptr(BN_new());
      d.p_minus_1 = bn_ptr(BN_dup(d.p.get()));
      d.mont.reset(BN_MONT_CTX_new());
      if (!ctx || !d.g || BN_set_word(d.g.get(), 2) != 1 || !d.p_minus_1 ||
          BN_sub_word(d.p_minus_1.get(), 1) != 1 || !d.mont ||
          BN_MONT_CTX_set(d.mont.get(), d.p.get(), ctx.get()) != 1)
        throw error("MODP group constants");
    }
  });
  return table[index_of(grp)];
}

// The ECP groups, built once (with the generator tables OpenSSL keeps for named curves).
const EC_GROUP* curve(dh_group grp) {
  static std::array<std::unique_ptr<EC_GROUP, group_free>, 3> table;
  static std::once_flag once;
  std::call_once(once, [] {
    for (std::size_t i = 0; i < 3; ++i) {
      table[i].reset(EC_GROUP_new_by_curve_name(curve_nid(all_groups[8 + i])));
      if (!table[i])
        throw error("EC group");
    }
  });
  return table[index_of(grp) - 8].get();
}

// A private value in [2, limit) (limit: the curve's order: drawn with its length until
// below it), or of exactly `bits` bits, the top one set (a MODP exponent: its length is
// the policy); from the private generator (crypto/random.hpp), wiped when freed, flagged
// for the constant-time code paths.
bn_ptr random_private(const BIGNUM* limit, int bits) {
  bn_ptr x(BN_secure_new());
  if (!x)
    throw error("BN_secure_new");
  int len = limit != nullptr ? BN_num_bits(limit) : bits;
  auto n = static_cast<std::size_t>((len + 7) / 8);
  int spare = static_cast<int>(n * 8) - len; // bits above `len` in the first byte
  do {
    auto r = random_secret(n);
    r.data()[0] &= static_cast<std::uint8_t>(0xff >> spare);
    if (limit == nullptr)
      r.data()[0] |= static_cast<std::uint8_t>(0x80 >> spare);
    if (BN_bin2bn(r.data(), static_cast<int>(n), x.get()) == nullptr)
      throw error("private value");
  } while (BN_cmp(x.get(), BN_value_one()) <= 0 ||
           (limit != nullptr && BN_cmp(x.get(), limit) >= 0));
  BN_set_flags(x.get(), BN_FLG_CONSTTIME);
  return x;
}

// Our public value in KE encoding, from the private value: g^x mod p (left-padded), or
// x.G as x | y.
std::vector<std::uint8_t> public_of(dh_group grp, const BIGNUM* x, BN_CTX* ctx) {
  std::vector<std::uint8_t> out(public_value_size(grp));
  if (is_ecp(grp)) {
    const EC_GROUP* c = curve(grp);
    point_ptr pt(EC_POINT_new(c));
    std::vector<std::uint8_t> point(1 + out.size());
    if (!pt || EC_POINT_mul(c, pt.get(), x, nullptr, nullptr, ctx) != 1 ||
        EC_POINT_point2oct(c, pt.get(), POINT_CONVERSION_UNCOMPRESSED, point.data(), point.size(),
                           ctx) != point.size())
      throw error("EC public value");
    std::copy(point.begin() + 1, point.end(), out.begin());
    return out;
  }
  const auto& d = domain(grp);
  bn_ptr y(BN_new());
  if (!y || BN_mod_exp_mont_consttime(y.get(), d.g.get(), x, d.p.get(), ctx, d.mont.get()) != 1 ||
      BN_bn2binpad(y.get(), out.data(), static_cast<int>(out.size())) < 0)
    throw error("DH public value");
  return out;
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
    return 225;
  case dh_group::modp3072:
    return 275;
  case dh_group::modp4096:
    return 325;
  case dh_group::modp6144:
    return 375;
  case dh_group::modp8192:
    return 400;
  case dh_group::ecp256:
    return 256;
  case dh_group::ecp384:
    return 384;
  case dh_group::ecp521:
    return 521;
  }
  return 0;
}

void dh_keypair::bn_deleter::operator()(void* p) const noexcept {
  BN_clear_free(static_cast<BIGNUM*>(p));
}

dh_keypair::dh_keypair(dh_group g, void* priv, std::vector<std::uint8_t> pub)
    : group_(g), priv_(priv), public_(std::move(pub)),
      private_bits_(static_cast<unsigned>(BN_num_bits(static_cast<BIGNUM*>(priv)))) {}

dh_keypair::dh_keypair(dh_keypair&&) noexcept = default;
dh_keypair& dh_keypair::operator=(dh_keypair&&) noexcept = default;
dh_keypair::~dh_keypair() = default;

dh_keypair dh_keypair::generate(dh_group g, dh_exponent e) {
  bnctx_ptr ctx(BN_CTX_secure_new());
  if (!ctx)
    throw error("BN_CTX_new");
  bn_ptr x;
  if (is_ecp(g)) {
    x = random_private(EC_GROUP_get0_order(curve(g)), 0);
  } else {
    int bits = e == dh_exponent::short_fixed ? static_cast<int>(short_exponent_bits(g))
                                             : BN_num_bits(domain(g).p.get()) - 1;
    x = random_private(nullptr, bits);
  }
  auto pub = public_of(g, x.get(), ctx.get());
  return dh_keypair(g, x.release(), std::move(pub));
}

std::optional<dh_keypair> dh_keypair::from_private(dh_group g, bytes_view priv) {
  bn_ptr x(BN_bin2bn(priv.data(), static_cast<int>(priv.size()), nullptr));
  if (!x)
    throw error("BN_bin2bn");
  if (BN_is_zero(x.get()))
    return std::nullopt;
  const BIGNUM* limit = is_ecp(g) ? EC_GROUP_get0_order(curve(g)) : domain(g).p.get();
  if (BN_cmp(x.get(), limit) >= 0)
    return std::nullopt;
  BN_set_flags(x.get(), BN_FLG_CONSTTIME);
  bnctx_ptr ctx(BN_CTX_new());
  if (!ctx)
    throw error("BN_CTX_new");
  auto pub = public_of(g, x.get(), ctx.get());
  return dh_keypair(g, x.release(), std::move(pub));
}

// Key pairs and derive run on the bignum and point primitives, not on EVP_PKEY objects:
// the same constant-time exponentiation and scalar multiplication OpenSSL's DH and ECDH
// use, without building a peer EVP_PKEY, a context and a Montgomery form per call (that
// set-up cost ~10 % of a group 14 derive and ~20 % of a P-256 one). The peer value is
// checked as RFC 2409 / RFC 3526 / RFC 6989 ask: 1 < y < p - 1 for MODP (enough for safe
// primes), on the curve and inside the field for ECP (the curves have cofactor 1).
std::optional<secret_bytes> dh_keypair::derive(bytes_view peer_public) const {
  if (peer_public.size() != public_value_size(group_))
    return std::nullopt;
  const auto* x = static_cast<const BIGNUM*>(priv_.get());
  bnctx_ptr ctx(BN_CTX_secure_new());
  if (!ctx)
    throw error("BN_CTX_new");
  secret_bytes out(shared_secret_size(group_));
  if (is_ecp(group_)) {
    const EC_GROUP* grp = curve(group_);
    std::vector<std::uint8_t> point(1 + peer_public.size());
    point[0] = 0x04;
    std::copy(peer_public.begin(), peer_public.end(), point.begin() + 1);
    point_ptr peer(EC_POINT_new(grp)), shared(EC_POINT_new(grp));
    bn_ptr zx(BN_new());
    if (!peer || !shared || !zx)
      throw error("EC point");
    // Coordinates beyond the field and points off the curve are refused here.
    if (EC_POINT_oct2point(grp, peer.get(), point.data(), point.size(), ctx.get()) != 1) {
      clear_openssl_errors();
      return std::nullopt;
    }
    if (EC_POINT_mul(grp, shared.get(), nullptr, peer.get(), x, ctx.get()) != 1 ||
        EC_POINT_is_at_infinity(grp, shared.get()) == 1 ||
        EC_POINT_get_affine_coordinates(grp, shared.get(), zx.get(), nullptr, ctx.get()) != 1 ||
        BN_bn2binpad(zx.get(), out.data(), static_cast<int>(out.size())) < 0) {
      clear_openssl_errors();
      return std::nullopt;
    }
    return out;
  }
  const auto& d = domain(group_);
  bn_ptr y(BN_bin2bn(peer_public.data(), static_cast<int>(peer_public.size()), nullptr));
  bn_ptr z(BN_new());
  if (!y || !z)
    throw error("BN_bin2bn");
  // 1 < y < p - 1: rejects the small-subgroup values 0, 1, p - 1 and out-of-range ones.
  if (BN_cmp(y.get(), BN_value_one()) <= 0 || BN_cmp(y.get(), d.p_minus_1.get()) >= 0)
    return std::nullopt;
  if (BN_mod_exp_mont_consttime(z.get(), y.get(), x, d.p.get(), ctx.get(), d.mont.get()) != 1)
    throw error("DH exponentiation");
  // SP 800-56A's last check (OpenSSL's derive makes it too): 1 < z < p - 1.
  if (BN_cmp(z.get(), BN_value_one()) <= 0 || BN_cmp(z.get(), d.p_minus_1.get()) >= 0)
    return std::nullopt;
  if (BN_bn2binpad(z.get(), out.data(), static_cast<int>(out.size())) < 0)
    throw error("DH secret encoding");
  return out;
}

} // namespace coati::crypto
