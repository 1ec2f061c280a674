#include "crypto/rsa.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstdio>

#include "crypto/error.hpp"
#include "crypto/key_decoding.hpp"

namespace coati::crypto {

namespace {

EVP_PKEY* pk(void* k) {
  return static_cast<EVP_PKEY*>(k);
}

using pctx_ptr = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;

pctx_ptr ctx_for(void* key) {
  return pctx_ptr(EVP_PKEY_CTX_new_from_pkey(nullptr, pk(key), nullptr), EVP_PKEY_CTX_free);
}

std::unique_ptr<std::FILE, decltype(&std::fclose)> open_file(const std::string& path) {
  return {std::fopen(path.c_str(), "r"), &std::fclose};
}

bool is_rsa(EVP_PKEY* k) {
  return EVP_PKEY_is_a(k, "RSA") == 1;
}

} // namespace

std::optional<public_key> public_key::load_pem_file(const std::string& path) {
  auto f = open_file(path);
  if (!f)
    return std::nullopt;
  use_fast_key_decoding();
  EVP_PKEY* k = PEM_read_PUBKEY(f.get(), nullptr, nullptr, nullptr);
  if (k == nullptr) {
    std::rewind(f.get());
    k = PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr); // a key file: its public half
  }
  if (k == nullptr || !is_rsa(k)) {
    EVP_PKEY_free(k);
    clear_openssl_errors();
    return std::nullopt;
  }
  return public_key(k);
}

public_key::public_key(void* evp_pkey) : key_(evp_pkey) {}
public_key::public_key(const public_key& o) : key_(o.key_) {
  if (key_ != nullptr)
    EVP_PKEY_up_ref(pk(key_));
}
public_key& public_key::operator=(const public_key& o) {
  if (this != &o) {
    if (o.key_ != nullptr)
      EVP_PKEY_up_ref(pk(o.key_));
    EVP_PKEY_free(pk(key_));
    key_ = o.key_;
  }
  return *this;
}
public_key::public_key(public_key&& o) noexcept : key_(o.key_) {
  o.key_ = nullptr;
}
public_key& public_key::operator=(public_key&& o) noexcept {
  std::swap(key_, o.key_);
  return *this;
}
public_key::~public_key() {
  EVP_PKEY_free(pk(key_));
}
std::size_t public_key::size() const {
  return static_cast<std::size_t>(EVP_PKEY_get_size(pk(key_)));
}

std::optional<private_key> private_key::load_pem_file(const std::string& path) {
  auto f = open_file(path);
  if (!f)
    return std::nullopt;
  use_fast_key_decoding();
  EVP_PKEY* k = PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr);
  if (k == nullptr || !is_rsa(k)) {
    EVP_PKEY_free(k);
    clear_openssl_errors();
    return std::nullopt;
  }
  return private_key(k);
}

private_key::private_key(private_key&& o) noexcept : key_(o.key_) {
  o.key_ = nullptr;
}
private_key& private_key::operator=(private_key&& o) noexcept {
  std::swap(key_, o.key_);
  return *this;
}
private_key::~private_key() {
  EVP_PKEY_free(pk(key_));
}
std::size_t private_key::size() const {
  return static_cast<std::size_t>(EVP_PKEY_get_size(pk(key_)));
}

crypto::public_key private_key::public_key() const {
  // Re-encode the public half only, so the public object holds no private material.
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(pk(key_), &der);
  if (len <= 0)
    throw error("public key encoding");
  use_fast_key_decoding();
  const unsigned char* p = der;
  EVP_PKEY* pub = d2i_PUBKEY(nullptr, &p, len);
  OPENSSL_free(der);
  if (pub == nullptr)
    throw error("public key decoding");
  return crypto::public_key(pub);
}

std::vector<std::uint8_t> sign_ikev1(const private_key& key, bytes_view hash) {
  auto ctx = ctx_for(key.key_);
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1)
    throw error("RSA sign init");
  std::vector<std::uint8_t> sig(key.size());
  std::size_t len = sig.size();
  if (EVP_PKEY_sign(ctx.get(), sig.data(), &len, hash.data(), hash.size()) != 1)
    throw error("RSA sign");
  sig.resize(len);
  return sig;
}

bool verify_ikev1(const public_key& key, bytes_view hash, bytes_view signature) {
  auto ctx = ctx_for(key.native());
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1)
    throw error("RSA verify init");
  int ok = EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), hash.data(), hash.size());
  clear_openssl_errors();
  return ok == 1;
}

std::vector<std::uint8_t> sign_digest(const private_key& key, hash_alg alg, bytes_view data) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!md || EVP_DigestSignInit_ex(md.get(), nullptr, openssl_name(alg), nullptr, nullptr,
                                   pk(key.key_), nullptr) != 1)
    throw error("RSA digest sign init");
  std::vector<std::uint8_t> sig(key.size());
  std::size_t len = sig.size();
  if (EVP_DigestSign(md.get(), sig.data(), &len, data.data(), data.size()) != 1)
    throw error("RSA digest sign");
  sig.resize(len);
  return sig;
}

bool verify_digest(const public_key& key, hash_alg alg, bytes_view data, bytes_view signature) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!md || EVP_DigestVerifyInit_ex(md.get(), nullptr, openssl_name(alg), nullptr, nullptr,
                                     pk(key.native()), nullptr) != 1)
    throw error("RSA digest verify init");
  int ok = EVP_DigestVerify(md.get(), signature.data(), signature.size(), data.data(), data.size());
  clear_openssl_errors();
  return ok == 1;
}

} // namespace coati::crypto
