#pragma once
// CBC block ciphers for IKEv1 phase-1 encryption: no padding (the ISAKMP layer pads),
// the IV passed in and the next IV (last ciphertext block) handed back.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "crypto/secret.hpp"

namespace coati::crypto {

/// Supported IKEv1 encryption algorithms.
enum class cipher_alg : std::uint8_t {
  des3_cbc,   ///< Oakley 5, 24-byte key, 8-byte blocks
  aes128_cbc, ///< Oakley 7, key length 128
  aes192_cbc, ///< Oakley 7, key length 192
  aes256_cbc, ///< Oakley 7, key length 256
};

/// The algorithm for an Oakley encryption attribute (5 = 3DES, 7 = AES) and key length in
/// bits (0 when absent: AES then means 128); nullopt when unsupported.
std::optional<cipher_alg> cipher_from_oakley(std::uint16_t id, unsigned key_bits);
/// Key length in bytes (24, 16, 24, 32).
std::size_t key_size(cipher_alg alg);
/// Block (and IV) length in bytes (8 or 16).
std::size_t block_size(cipher_alg alg);
/// OpenSSL's name ("DES-EDE3-CBC", "AES-128-CBC", ...).
const char* openssl_name(cipher_alg alg);

/// Encrypts `plain` (a whole number of blocks) with `key` in CBC mode. `iv` (block_size
/// bytes) is the IV on entry and the last ciphertext block on return, ready for the next
/// message. nullopt (and `iv` untouched) when the lengths are wrong.
std::optional<std::vector<std::uint8_t>> cbc_encrypt(cipher_alg alg, const secret_bytes& key,
                                                     std::span<std::uint8_t> iv, bytes_view plain);

/// Decrypts `cipher` (a whole number of blocks). `iv` is the IV on entry and the last
/// block of `cipher` on return. nullopt (and `iv` untouched) when the lengths are wrong.
std::optional<std::vector<std::uint8_t>> cbc_decrypt(cipher_alg alg, const secret_bytes& key,
                                                     std::span<std::uint8_t> iv, bytes_view cipher);

} // namespace coati::crypto
