#pragma once
// RSA keys and signatures: IKEv1's form (PKCS#1 v1.5 type-1 padding over the raw HASH_I /
// HASH_R, no DigestInfo, as racoon's RSA_private_encrypt) and the usual digest form.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/prf.hpp"
#include "crypto/secret.hpp"

namespace coati::crypto {

/// An RSA public key (from a certificate or a PEM file).
class public_key {
public:
  /// Reads a PEM public key ("PUBLIC KEY" or "RSA PUBLIC KEY"); nullopt on failure.
  static std::optional<public_key> load_pem_file(const std::string& path);
  /// Takes ownership of an EVP_PKEY (used by certificate::public_key).
  explicit public_key(void* evp_pkey);
  public_key(const public_key&);
  public_key& operator=(const public_key&);
  public_key(public_key&&) noexcept;
  public_key& operator=(public_key&&) noexcept;
  ~public_key();
  /// Modulus length in bytes (= signature length).
  std::size_t size() const;
  /// The EVP_PKEY, for the other crypto files.
  void* native() const { return key_; }

private:
  void* key_ = nullptr;
};

/// An RSA private key. Move-only; freed (and wiped by OpenSSL) with the object; never
/// printed. The only operation is signing.
class private_key {
public:
  /// Reads a PEM private key (PKCS#1 or PKCS#8, unencrypted); nullopt on failure.
  static std::optional<private_key> load_pem_file(const std::string& path);
  private_key(private_key&&) noexcept;
  private_key& operator=(private_key&&) noexcept;
  ~private_key();
  /// Modulus length in bytes.
  std::size_t size() const;
  /// The matching public key.
  crypto::public_key public_key() const;

private:
  friend std::vector<std::uint8_t> sign_ikev1(const private_key&, bytes_view);
  friend std::vector<std::uint8_t> sign_digest(const private_key&, hash_alg, bytes_view);
  explicit private_key(void* k) : key_(k) {}
  void* key_ = nullptr;
};

/// IKEv1 SIG_I / SIG_R: PKCS#1 v1.5 type-1 padding over `hash` as given (no DigestInfo).
/// Throws crypto::error if the hash is too long for the key.
std::vector<std::uint8_t> sign_ikev1(const private_key& key, bytes_view hash);
/// Checks an IKEv1 signature over `hash`.
bool verify_ikev1(const public_key& key, bytes_view hash, bytes_view signature);

/// The usual PKCS#1 v1.5 signature: DigestInfo(alg, hash(data)).
std::vector<std::uint8_t> sign_digest(const private_key& key, hash_alg alg, bytes_view data);
/// Checks a usual PKCS#1 v1.5 signature over `data`.
bool verify_digest(const public_key& key, hash_alg alg, bytes_view data, bytes_view signature);

} // namespace coati::crypto
