#include "crypto/keyschedule.hpp"

#include <algorithm>
#include <array>

namespace coati::crypto::ikev1 {

namespace {

std::array<std::uint8_t, 4> be32(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
          static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

std::vector<std::uint8_t> to_vector(const secret_bytes& s) {
  return {s.begin(), s.end()};
}

std::vector<std::uint8_t> cut(std::vector<std::uint8_t> v, std::size_t n) {
  v.resize(std::min(v.size(), n));
  return v;
}

// One of SKEYID_d/_a/_e: prf(SKEYID, [previous |] g^xy | CKY-I | CKY-R | n).
secret_bytes skeyid_child(hash_alg alg, bytes_view skeyid, bytes_view previous, bytes_view gxy,
                          bytes_view cky_i, bytes_view cky_r, std::uint8_t n) {
  hmac_ctx ctx(alg, skeyid);
  ctx.update(previous).update(gxy).update(cky_i).update(cky_r).update_byte(n);
  return ctx.final();
}

} // namespace

secret_bytes skeyid_signature(hash_alg alg, bytes_view ni_b, bytes_view nr_b, bytes_view gxy) {
  secret_bytes key(ni_b);
  key.append(nr_b);
  return hmac(alg, key, {gxy});
}

secret_bytes skeyid_pre_shared_key(hash_alg alg, bytes_view psk, bytes_view ni_b, bytes_view nr_b) {
  return hmac(alg, psk, {ni_b, nr_b});
}

secret_bytes skeyid_hybrid(hash_alg alg, bytes_view ni_b, bytes_view nr_b, bytes_view gxy) {
  return skeyid_signature(alg, ni_b, nr_b, gxy);
}

secret_bytes skeyid_d(hash_alg alg, bytes_view skeyid, bytes_view gxy, bytes_view cky_i,
                      bytes_view cky_r) {
  return skeyid_child(alg, skeyid, {}, gxy, cky_i, cky_r, 0);
}

secret_bytes skeyid_a(hash_alg alg, bytes_view skeyid, bytes_view skeyid_d, bytes_view gxy,
                      bytes_view cky_i, bytes_view cky_r) {
  return skeyid_child(alg, skeyid, skeyid_d, gxy, cky_i, cky_r, 1);
}

secret_bytes skeyid_e(hash_alg alg, bytes_view skeyid, bytes_view skeyid_a, bytes_view gxy,
                      bytes_view cky_i, bytes_view cky_r) {
  return skeyid_child(alg, skeyid, skeyid_a, gxy, cky_i, cky_r, 2);
}

secret_bytes encryption_key(hash_alg alg, bytes_view skeyid_e, std::size_t key_len) {
  if (skeyid_e.size() >= key_len)
    return secret_bytes(skeyid_e.first(key_len));
  secret_bytes out;
  const std::uint8_t zero = 0;
  secret_bytes k = hmac(alg, skeyid_e, {bytes_view(&zero, 1)});
  out.append(k);
  while (out.size() < key_len) {
    k = hmac(alg, skeyid_e, {k});
    out.append(k);
  }
  out.resize(key_len);
  return out;
}

std::vector<std::uint8_t> phase1_iv(hash_alg alg, bytes_view gxi, bytes_view gxr,
                                    std::size_t block_size) {
  return cut(hash(alg, {gxi, gxr}), block_size);
}

std::vector<std::uint8_t> exchange_iv(hash_alg alg, bytes_view phase1_final_iv,
                                      std::uint32_t message_id, std::size_t block_size) {
  auto mid = be32(message_id);
  return cut(hash(alg, {phase1_final_iv, mid}), block_size);
}

std::vector<std::uint8_t> hash_i(hash_alg alg, bytes_view skeyid, bytes_view gxi, bytes_view gxr,
                                 bytes_view cky_i, bytes_view cky_r, bytes_view sai_b,
                                 bytes_view idii_b) {
  return to_vector(hmac(alg, skeyid, {gxi, gxr, cky_i, cky_r, sai_b, idii_b}));
}

std::vector<std::uint8_t> hash_r(hash_alg alg, bytes_view skeyid, bytes_view gxi, bytes_view gxr,
                                 bytes_view cky_i, bytes_view cky_r, bytes_view sai_b,
                                 bytes_view idir_b) {
  return to_vector(hmac(alg, skeyid, {gxr, gxi, cky_r, cky_i, sai_b, idir_b}));
}

std::vector<std::uint8_t> qm_hash1(hash_alg alg, bytes_view skeyid_a, std::uint32_t message_id,
                                   bytes_view rest) {
  auto mid = be32(message_id);
  return to_vector(hmac(alg, skeyid_a, {mid, rest}));
}

std::vector<std::uint8_t> message_hash(hash_alg alg, bytes_view skeyid_a, std::uint32_t message_id,
                                       bytes_view rest) {
  return qm_hash1(alg, skeyid_a, message_id, rest);
}

std::vector<std::uint8_t> qm_hash2(hash_alg alg, bytes_view skeyid_a, std::uint32_t message_id,
                                   bytes_view ni_b, bytes_view rest) {
  auto mid = be32(message_id);
  return to_vector(hmac(alg, skeyid_a, {mid, ni_b, rest}));
}

std::vector<std::uint8_t> qm_hash3(hash_alg alg, bytes_view skeyid_a, std::uint32_t message_id,
                                   bytes_view ni_b, bytes_view nr_b) {
  auto mid = be32(message_id);
  const std::uint8_t zero = 0;
  return to_vector(hmac(alg, skeyid_a, {bytes_view(&zero, 1), mid, ni_b, nr_b}));
}

secret_bytes keymat(hash_alg alg, bytes_view skeyid_d, bytes_view pfs_gxy, std::uint8_t protocol,
                    bytes_view spi, bytes_view ni_b, bytes_view nr_b, std::size_t length) {
  secret_bytes out;
  secret_bytes k;
  while (out.size() < length) {
    hmac_ctx ctx(alg, skeyid_d);
    ctx.update(k).update(pfs_gxy).update_byte(protocol).update(spi).update(ni_b).update(nr_b);
    k = ctx.final();
    out.append(k);
  }
  out.resize(length);
  return out;
}

ikev1_keys derive_phase1(const phase1_input& in) {
  ikev1_keys keys;
  keys.hash = in.hash;
  keys.cipher = in.cipher;
  switch (in.kind) {
  case skeyid_kind::pre_shared_key:
    keys.skeyid = skeyid_pre_shared_key(in.hash, in.psk, in.ni_b, in.nr_b);
    break;
  case skeyid_kind::signature:
    keys.skeyid = skeyid_signature(in.hash, in.ni_b, in.nr_b, in.gxy);
    break;
  case skeyid_kind::hybrid:
    keys.skeyid = skeyid_hybrid(in.hash, in.ni_b, in.nr_b, in.gxy);
    break;
  }
  keys.skeyid_d = skeyid_d(in.hash, keys.skeyid, in.gxy, in.cky_i, in.cky_r);
  keys.skeyid_a = skeyid_a(in.hash, keys.skeyid, keys.skeyid_d, in.gxy, in.cky_i, in.cky_r);
  keys.skeyid_e = skeyid_e(in.hash, keys.skeyid, keys.skeyid_a, in.gxy, in.cky_i, in.cky_r);
  keys.enc_key = encryption_key(in.hash, keys.skeyid_e, key_size(in.cipher));
  keys.iv = phase1_iv(in.hash, in.gxi, in.gxr, block_size(in.cipher));
  return keys;
}

std::vector<std::uint8_t> exchange_ivs::current(const ikev1_keys& keys, std::uint32_t message_id) {
  auto it = std::find_if(chains_.begin(), chains_.end(),
                         [&](const auto& c) { return c.first == message_id; });
  if (it == chains_.end()) {
    chains_.insert(chains_.begin(), {message_id, exchange_iv(keys.hash, keys.iv, message_id,
                                                             block_size(keys.cipher))});
    if (chains_.size() > capacity_)
      chains_.resize(capacity_);
    return chains_.front().second;
  }
  std::rotate(chains_.begin(), it, it + 1);
  return chains_.front().second;
}

void exchange_ivs::advance(std::uint32_t message_id, bytes_view last_block) {
  auto it = std::find_if(chains_.begin(), chains_.end(),
                         [&](const auto& c) { return c.first == message_id; });
  if (it == chains_.end()) {
    chains_.insert(chains_.begin(), {message_id, {}});
    it = chains_.begin();
  } else {
    std::rotate(chains_.begin(), it, it + 1);
    it = chains_.begin();
  }
  it->second.assign(last_block.begin(), last_block.end());
  if (chains_.size() > capacity_)
    chains_.resize(capacity_);
}

void exchange_ivs::forget(std::uint32_t message_id) {
  std::erase_if(chains_, [&](const auto& c) { return c.first == message_id; });
}

} // namespace coati::crypto::ikev1
