// OpenSSL-backed primitives of the test conversation.

#include "conv_crypto.hpp"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <stdexcept>

namespace coati::ike::test {

namespace {
bytes join(std::initializer_list<std::span<const std::uint8_t>> parts) {
  bytes all;
  for (auto p : parts)
    all.insert(all.end(), p.begin(), p.end());
  return all;
}
} // namespace

bytes sha1(std::initializer_list<std::span<const std::uint8_t>> parts) {
  auto all = join(parts);
  bytes out(20);
  unsigned len = 0;
  if (!EVP_Digest(all.data(), all.size(), out.data(), &len, EVP_sha1(), nullptr) || len != 20)
    throw std::runtime_error("SHA1 failed");
  return out;
}

bytes prf(std::span<const std::uint8_t> key,
          std::initializer_list<std::span<const std::uint8_t>> parts) {
  auto all = join(parts);
  bytes out(20);
  unsigned len = 0;
  if (!HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), all.data(), all.size(),
            out.data(), &len) ||
      len != 20)
    throw std::runtime_error("HMAC failed");
  return out;
}

bytes aes_cbc(std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
              std::span<const std::uint8_t> data, bool encrypt) {
  if (key.size() != 16 || iv.size() != 16 || data.size() % 16)
    throw std::runtime_error("AES-CBC: bad sizes");
  auto* ctx = EVP_CIPHER_CTX_new();
  bytes out(data.size() + 16);
  int n = 0, m = 0;
  bool ok =
      EVP_CipherInit_ex(ctx, EVP_aes_128_cbc(), nullptr, key.data(), iv.data(), encrypt ? 1 : 0) &&
      EVP_CIPHER_CTX_set_padding(ctx, 0) &&
      EVP_CipherUpdate(ctx, out.data(), &n, data.data(), static_cast<int>(data.size())) &&
      EVP_CipherFinal_ex(ctx, out.data() + n, &m);
  EVP_CIPHER_CTX_free(ctx);
  if (!ok)
    throw std::runtime_error("AES-CBC failed");
  out.resize(static_cast<std::size_t>(n + m));
  return out;
}

bytes random_bytes(std::size_t n) {
  bytes b(n);
  if (RAND_bytes(b.data(), static_cast<int>(n)) != 1)
    throw std::runtime_error("RAND_bytes failed");
  return b;
}

dh_modp2048::dh_modp2048() {
  auto* p = BN_get_rfc3526_prime_2048(nullptr);
  auto* x = BN_new();
  auto* g = BN_new();
  auto* y = BN_new();
  auto* ctx = BN_CTX_new();
  BN_set_word(g, 2);
  BN_rand(x, 256, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY);
  BN_mod_exp(y, g, x, p, ctx);
  pub_.resize(256);
  BN_bn2binpad(y, pub_.data(), 256);
  BN_free(g);
  BN_free(y);
  BN_CTX_free(ctx);
  p_ = p;
  x_ = x;
}

dh_modp2048::~dh_modp2048() {
  BN_free(static_cast<BIGNUM*>(p_));
  BN_clear_free(static_cast<BIGNUM*>(x_));
}

bytes dh_modp2048::shared(std::span<const std::uint8_t> peer) const {
  auto* y = BN_bin2bn(peer.data(), static_cast<int>(peer.size()), nullptr);
  auto* z = BN_new();
  auto* ctx = BN_CTX_new();
  BN_mod_exp(z, y, static_cast<BIGNUM*>(x_), static_cast<BIGNUM*>(p_), ctx);
  bytes out(256);
  BN_bn2binpad(z, out.data(), 256);
  BN_free(y);
  BN_clear_free(z);
  BN_CTX_free(ctx);
  return out;
}

rsa_identity::rsa_identity(const char* common_name) {
  auto* key = EVP_RSA_gen(2048);
  auto* cert = X509_new();
  if (!key || !cert)
    throw std::runtime_error("RSA key / certificate allocation failed");
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  auto* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("coati test"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_set_pubkey(cert, key);
  if (!X509_sign(cert, key, EVP_sha256()))
    throw std::runtime_error("X509_sign failed");
  unsigned char* der = nullptr;
  int n = i2d_X509(cert, &der);
  cert_.assign(der, der + n);
  OPENSSL_free(der);
  der = nullptr;
  n = i2d_X509_NAME(name, &der);
  subject_.assign(der, der + n);
  OPENSSL_free(der);
  X509_free(cert);
  key_ = key;
}

rsa_identity::~rsa_identity() {
  EVP_PKEY_free(static_cast<EVP_PKEY*>(key_));
}

bytes rsa_identity::sign(std::span<const std::uint8_t> hash) const {
  auto* ctx = EVP_PKEY_CTX_new(static_cast<EVP_PKEY*>(key_), nullptr);
  std::size_t len = 0;
  bytes sig;
  bool ok = ctx && EVP_PKEY_sign_init(ctx) > 0 &&
            EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
            EVP_PKEY_sign(ctx, nullptr, &len, hash.data(), hash.size()) > 0;
  if (ok) {
    sig.resize(len);
    ok = EVP_PKEY_sign(ctx, sig.data(), &len, hash.data(), hash.size()) > 0;
    sig.resize(len);
  }
  EVP_PKEY_CTX_free(ctx);
  if (!ok)
    throw std::runtime_error("RSA sign failed");
  return sig;
}

bool rsa_identity::verify(std::span<const std::uint8_t> cert_der,
                          std::span<const std::uint8_t> hash, std::span<const std::uint8_t> sig,
                          bytes& subject) {
  const unsigned char* p = cert_der.data();
  auto* cert = d2i_X509(nullptr, &p, static_cast<long>(cert_der.size()));
  if (!cert)
    return false;
  unsigned char* der = nullptr;
  int n = i2d_X509_NAME(X509_get_subject_name(cert), &der);
  subject.assign(der, der + n);
  OPENSSL_free(der);
  auto* key = X509_get0_pubkey(cert);
  auto* ctx = key ? EVP_PKEY_CTX_new(key, nullptr) : nullptr;
  bool ok = ctx && EVP_PKEY_verify_init(ctx) > 0 &&
            EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
            EVP_PKEY_verify(ctx, sig.data(), sig.size(), hash.data(), hash.size()) == 1;
  EVP_PKEY_CTX_free(ctx);
  X509_free(cert);
  return ok;
}

} // namespace coati::ike::test
