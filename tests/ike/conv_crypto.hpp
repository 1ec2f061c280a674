#pragma once
// The few primitives the test conversation needs (SHA1, HMAC-SHA1, AES-128-CBC, MODP 2048
// Diffie-Hellman), written directly on OpenSSL so the test stays independent of the code
// it checks.

#include <cstdint>
#include <span>
#include <vector>

namespace coati::ike::test {

using bytes = std::vector<std::uint8_t>;

/// SHA-1 of the concatenation of `parts`.
bytes sha1(std::initializer_list<std::span<const std::uint8_t>> parts);
/// HMAC-SHA1(key, concatenation of `parts`): IKE's prf with hash SHA1.
bytes prf(std::span<const std::uint8_t> key,
          std::initializer_list<std::span<const std::uint8_t>> parts);
/// AES-128-CBC without padding (`data` is a multiple of 16 bytes).
bytes aes_cbc(std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
              std::span<const std::uint8_t> data, bool encrypt);
/// n random bytes.
bytes random_bytes(std::size_t n);

/// A MODP group 14 (2048-bit, RFC 3526) key pair.
class dh_modp2048 {
public:
  dh_modp2048();
  ~dh_modp2048();
  dh_modp2048(const dh_modp2048&) = delete;
  dh_modp2048& operator=(const dh_modp2048&) = delete;
  /// g^x, 256 bytes.
  const bytes& public_value() const { return pub_; }
  /// (peer)^x, left-padded to 256 bytes.
  bytes shared(std::span<const std::uint8_t> peer) const;

private:
  void* p_;
  void* x_;
  bytes pub_;
};

/// An RSA 2048 key with a self-signed X.509 certificate, for signature authentication.
class rsa_identity {
public:
  explicit rsa_identity(const char* common_name);
  ~rsa_identity();
  rsa_identity(const rsa_identity&) = delete;
  rsa_identity& operator=(const rsa_identity&) = delete;
  /// The certificate, DER.
  const bytes& cert_der() const { return cert_; }
  /// The certificate subject, DER (the ID_DER_ASN1_DN payload data).
  const bytes& subject_der() const { return subject_; }
  /// PKCS#1 v1.5 type-1 signature over the raw hash (no DigestInfo), as IKEv1 signs.
  bytes sign(std::span<const std::uint8_t> hash) const;
  /// Checks such a signature with the key of a DER certificate; also returns the
  /// certificate's subject DER through `subject`.
  static bool verify(std::span<const std::uint8_t> cert_der, std::span<const std::uint8_t> hash,
                     std::span<const std::uint8_t> sig, bytes& subject);

private:
  void* key_;
  bytes cert_, subject_;
};

} // namespace coati::ike::test
