#include "crypto/prf.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <stdexcept>

#include "crypto/error.hpp"

namespace coati::crypto {

namespace {

constexpr std::array<hash_alg, 5> all_hashes = {hash_alg::md5, hash_alg::sha1, hash_alg::sha256,
                                                hash_alg::sha384, hash_alg::sha512};

// Fetched algorithms are kept for the life of the process: fetching costs more than a
// short HMAC.
const EVP_MD* md_for(hash_alg alg) {
  static const std::array<EVP_MD*, 5> mds = [] {
    std::array<EVP_MD*, 5> r{};
    for (std::size_t i = 0; i < all_hashes.size(); ++i)
      r[i] = EVP_MD_fetch(nullptr, openssl_name(all_hashes[i]), nullptr);
    return r;
  }();
  auto* md = mds[static_cast<std::size_t>(alg)];
  if (md == nullptr)
    throw error("digest not available: " + std::string(openssl_name(alg)));
  return md;
}

EVP_MAC* hmac_mac() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr)
    throw error("HMAC not available");
  return mac;
}

} // namespace

std::optional<hash_alg> hash_from_oakley(std::uint16_t id) {
  switch (id) {
  case 1:
    return hash_alg::md5;
  case 2:
    return hash_alg::sha1;
  case 4:
    return hash_alg::sha256;
  case 5:
    return hash_alg::sha384;
  case 6:
    return hash_alg::sha512;
  default:
    return std::nullopt;
  }
}

std::uint16_t oakley_id(hash_alg alg) {
  switch (alg) {
  case hash_alg::md5:
    return 1;
  case hash_alg::sha1:
    return 2;
  case hash_alg::sha256:
    return 4;
  case hash_alg::sha384:
    return 5;
  case hash_alg::sha512:
    return 6;
  }
  return 0;
}

std::size_t digest_size(hash_alg alg) {
  switch (alg) {
  case hash_alg::md5:
    return 16;
  case hash_alg::sha1:
    return 20;
  case hash_alg::sha256:
    return 32;
  case hash_alg::sha384:
    return 48;
  case hash_alg::sha512:
    return 64;
  }
  return 0;
}

const char* openssl_name(hash_alg alg) {
  switch (alg) {
  case hash_alg::md5:
    return "MD5";
  case hash_alg::sha1:
    return "SHA1";
  case hash_alg::sha256:
    return "SHA2-256";
  case hash_alg::sha384:
    return "SHA2-384";
  case hash_alg::sha512:
    return "SHA2-512";
  }
  return "";
}

std::vector<std::uint8_t> hash(hash_alg alg, std::initializer_list<bytes_view> parts) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex2(ctx.get(), md_for(alg), nullptr) != 1)
    throw error("digest init failed");
  for (auto p : parts)
    if (!p.empty() && EVP_DigestUpdate(ctx.get(), p.data(), p.size()) != 1)
      throw error("digest update failed");
  std::vector<std::uint8_t> out(digest_size(alg));
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1 || len != out.size())
    throw error("digest final failed");
  return out;
}

struct hmac_ctx::impl {
  EVP_MAC_CTX* ctx = nullptr;
  std::size_t size = 0;
  ~impl() { EVP_MAC_CTX_free(ctx); }
};

hmac_ctx::hmac_ctx(hash_alg alg, bytes_view key) : impl_(std::make_unique<impl>()) {
  impl_->ctx = EVP_MAC_CTX_new(hmac_mac());
  impl_->size = digest_size(alg);
  if (impl_->ctx == nullptr)
    throw error("HMAC context allocation failed");
  std::array<OSSL_PARAM, 2> params = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(openssl_name(alg)),
                                       0),
      OSSL_PARAM_construct_end()};
  // A zero-length key still needs a valid pointer.
  static const std::uint8_t empty_key = 0;
  const std::uint8_t* k = key.empty() ? &empty_key : key.data();
  if (EVP_MAC_init(impl_->ctx, k, key.size(), params.data()) != 1)
    throw error("HMAC init failed");
}

hmac_ctx::hmac_ctx(hmac_ctx&&) noexcept = default;
hmac_ctx& hmac_ctx::operator=(hmac_ctx&&) noexcept = default;
hmac_ctx::~hmac_ctx() = default;

hmac_ctx& hmac_ctx::update(bytes_view data) {
  if (!data.empty() && EVP_MAC_update(impl_->ctx, data.data(), data.size()) != 1)
    throw error("HMAC update failed");
  return *this;
}

hmac_ctx& hmac_ctx::update_byte(std::uint8_t b) {
  return update(bytes_view(&b, 1));
}

secret_bytes hmac_ctx::final() {
  secret_bytes out(impl_->size);
  std::size_t len = 0;
  if (EVP_MAC_final(impl_->ctx, out.data(), &len, out.size()) != 1 || len != out.size())
    throw error("HMAC final failed");
  return out;
}

secret_bytes hmac(hash_alg alg, bytes_view key, std::initializer_list<bytes_view> parts) {
  hmac_ctx ctx(alg, key);
  for (auto p : parts)
    ctx.update(p);
  return ctx.final();
}

} // namespace coati::crypto
