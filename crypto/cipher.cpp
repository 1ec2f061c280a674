#include "crypto/cipher.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <memory>

#include "crypto/error.hpp"

namespace coati::crypto {

namespace {

const EVP_CIPHER* evp_for(cipher_alg alg) {
  static const std::array<EVP_CIPHER*, 4> ciphers = [] {
    std::array<EVP_CIPHER*, 4> r{};
    for (std::size_t i = 0; i < r.size(); ++i)
      r[i] = EVP_CIPHER_fetch(nullptr, openssl_name(static_cast<cipher_alg>(i)), nullptr);
    return r;
  }();
  auto* c = ciphers[static_cast<std::size_t>(alg)];
  if (c == nullptr)
    throw error(std::string("cipher not available: ") + openssl_name(alg));
  return c;
}

std::optional<std::vector<std::uint8_t>> run(cipher_alg alg, const secret_bytes& key,
                                             std::span<std::uint8_t> iv, bytes_view in,
                                             bool encrypt) {
  const std::size_t bs = block_size(alg);
  if (key.size() != key_size(alg) || iv.size() != bs || in.size() % bs != 0)
    return std::nullopt;
  std::vector<std::uint8_t> out(in.size());
  if (in.empty())
    return out;
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                      EVP_CIPHER_CTX_free);
  if (!ctx || EVP_CipherInit_ex2(ctx.get(), evp_for(alg), key.data(), iv.data(), encrypt ? 1 : 0,
                                 nullptr) != 1)
    throw error("cipher init failed");
  EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
  int len = 0;
  if (EVP_CipherUpdate(ctx.get(), out.data(), &len, in.data(), static_cast<int>(in.size())) != 1)
    throw error("cipher update failed");
  int tail = 0;
  if (EVP_CipherFinal_ex(ctx.get(), out.data() + len, &tail) != 1 ||
      static_cast<std::size_t>(len + tail) != in.size())
    throw error("cipher final failed");
  // The next IV is the last ciphertext block: ours when encrypting, the input's otherwise.
  const std::uint8_t* last = (encrypt ? out.data() : in.data()) + in.size() - bs;
  std::copy(last, last + bs, iv.begin());
  return out;
}

} // namespace

std::optional<cipher_alg> cipher_from_oakley(std::uint16_t id, unsigned key_bits) {
  if (id == 5 && (key_bits == 0 || key_bits == 192))
    return cipher_alg::des3_cbc;
  if (id == 7) {
    switch (key_bits) {
    case 0:
    case 128:
      return cipher_alg::aes128_cbc;
    case 192:
      return cipher_alg::aes192_cbc;
    case 256:
      return cipher_alg::aes256_cbc;
    default:
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::size_t key_size(cipher_alg alg) {
  switch (alg) {
  case cipher_alg::des3_cbc:
    return 24;
  case cipher_alg::aes128_cbc:
    return 16;
  case cipher_alg::aes192_cbc:
    return 24;
  case cipher_alg::aes256_cbc:
    return 32;
  }
  return 0;
}

std::size_t block_size(cipher_alg alg) {
  return alg == cipher_alg::des3_cbc ? 8 : 16;
}

const char* openssl_name(cipher_alg alg) {
  switch (alg) {
  case cipher_alg::des3_cbc:
    return "DES-EDE3-CBC";
  case cipher_alg::aes128_cbc:
    return "AES-128-CBC";
  case cipher_alg::aes192_cbc:
    return "AES-192-CBC";
  case cipher_alg::aes256_cbc:
    return "AES-256-CBC";
  }
  return "";
}

std::optional<std::vector<std::uint8_t>> cbc_encrypt(cipher_alg alg, const secret_bytes& key,
                                                     std::span<std::uint8_t> iv, bytes_view plain) {
  return run(alg, key, iv, plain, true);
}

std::optional<std::vector<std::uint8_t>> cbc_decrypt(cipher_alg alg, const secret_bytes& key,
                                                     std::span<std::uint8_t> iv,
                                                     bytes_view cipher) {
  return run(alg, key, iv, cipher, false);
}

} // namespace coati::crypto
