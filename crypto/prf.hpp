#pragma once
// Hashes and HMAC PRFs (OpenSSL 3 EVP_MD / EVP_MAC), as IKEv1 uses them.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <vector>

#include "crypto/secret.hpp"

namespace coati::crypto {

/// IKEv1 hash algorithms (Oakley attribute class 2 values in the comments).
enum class hash_alg : std::uint8_t {
  md5,    ///< 1
  sha1,   ///< 2
  sha256, ///< 4
  sha384, ///< 5
  sha512, ///< 6
};

/// The algorithm for an Oakley hash attribute value (1, 2, 4, 5, 6); nullopt otherwise.
std::optional<hash_alg> hash_from_oakley(std::uint16_t id);
/// The Oakley attribute value of an algorithm.
std::uint16_t oakley_id(hash_alg alg);
/// Output length in bytes (16, 20, 32, 48, 64).
std::size_t digest_size(hash_alg alg);
/// OpenSSL's name ("MD5", "SHA1", "SHA2-256", ...).
const char* openssl_name(hash_alg alg);

/// hash(part1 | part2 | ...).
std::vector<std::uint8_t> hash(hash_alg alg, std::initializer_list<bytes_view> parts);

/// HMAC(key, part1 | part2 | ...), the IKEv1 prf. Secret because most prf outputs are keys.
secret_bytes hmac(hash_alg alg, bytes_view key, std::initializer_list<bytes_view> parts);

/// An HMAC fed piece by piece, for inputs built from many fields.
class hmac_ctx {
public:
  /// Starts HMAC with `key`.
  hmac_ctx(hash_alg alg, bytes_view key);
  hmac_ctx(hmac_ctx&&) noexcept;
  hmac_ctx& operator=(hmac_ctx&&) noexcept;
  ~hmac_ctx();
  /// Feeds more input.
  hmac_ctx& update(bytes_view data);
  /// Feeds one byte.
  hmac_ctx& update_byte(std::uint8_t b);
  /// The MAC; the context is unusable afterwards.
  secret_bytes final();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace coati::crypto
