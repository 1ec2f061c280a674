#pragma once
// Diffie-Hellman for IKEv1: MODP groups 1, 2, 5, 14-18 (RFC 2409, RFC 3526) and ECP
// groups 19-21 (RFC 5903), with public values and shared secrets in IKE's encodings.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "crypto/secret.hpp"

namespace coati::crypto {

/// IKE DH groups, valued as the Oakley Group Description attribute.
enum class dh_group : std::uint16_t {
  modp768 = 1,
  modp1024 = 2,
  modp1536 = 5,
  modp2048 = 14,
  modp3072 = 15,
  modp4096 = 16,
  modp6144 = 17,
  modp8192 = 18,
  ecp256 = 19,
  ecp384 = 20,
  ecp521 = 21,
};

/// The group for an Oakley Group Description value; nullopt when unsupported.
std::optional<dh_group> dh_group_from_id(std::uint16_t id);
/// True for the elliptic curve groups 19-21.
bool is_ecp(dh_group g);
/// Length of the KE payload data: the modulus length for MODP (left-padded g^x),
/// 2 x the field length for ECP (x | y, no 0x04 prefix, RFC 5903).
std::size_t public_value_size(dh_group g);
/// Length of g^xy: the modulus length for MODP (left-padded), the field length for ECP
/// (the x coordinate, RFC 5903 section 9).
std::size_t shared_secret_size(dh_group g);
/// Bits of the private exponent coati uses for a MODP group (fixed and short): 256 for the
/// groups up to 1536 bits, RFC 7919 appendix A's figures (2 x the strength, as NIST SP
/// 800-56A and OpenSSL's named groups use) for groups 14-18; the field order size for ECP.
unsigned short_exponent_bits(dh_group g);

/// How long a MODP private exponent is.
enum class dh_exponent : std::uint8_t {
  short_fixed, ///< short_exponent_bits(group): what IKE daemons use; the default
  full_length, ///< one bit less than the modulus (for comparison in benchmarks)
};

/// One side's DH key pair. Move-only; the private value is an OpenSSL BIGNUM, wiped when
/// the object goes.
class dh_keypair {
public:
  /// A fresh key pair. Throws crypto::error if OpenSSL fails.
  static dh_keypair generate(dh_group g, dh_exponent e = dh_exponent::short_fixed);
  /// A key pair from a known private value (big-endian), for known-answer tests;
  /// nullopt if the value is out of range.
  static std::optional<dh_keypair> from_private(dh_group g, bytes_view priv);

  dh_keypair(dh_keypair&&) noexcept;
  dh_keypair& operator=(dh_keypair&&) noexcept;
  ~dh_keypair();

  dh_group group() const { return group_; }
  /// Our public value in KE payload encoding (public_value_size bytes).
  const std::vector<std::uint8_t>& public_value() const { return public_; }
  /// g^xy from the peer's KE data, in IKE's encoding (shared_secret_size bytes);
  /// nullopt if the peer value has the wrong size or is not a valid group element.
  std::optional<secret_bytes> derive(bytes_view peer_public) const;
  /// Bit length of the private value (to check the exponent policy; not secret in IKE).
  unsigned private_bits() const { return private_bits_; }

private:
  struct bn_deleter {
    void operator()(void* p) const noexcept; // wipes
  };
  dh_keypair(dh_group g, void* priv, std::vector<std::uint8_t> pub);
  dh_group group_;
  std::unique_ptr<void, bn_deleter> priv_; // the private value, a BIGNUM (secure heap)
  std::vector<std::uint8_t> public_;
  unsigned private_bits_ = 0;
};

} // namespace coati::crypto
