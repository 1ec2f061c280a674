#pragma once
// X.509 certificates, the CA store racoon uses (a folder of `<hash>.0` links), chain and
// validity checks, and asn1dn (DER distinguished names) as IKE IDs carry them.

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/rsa.hpp"
#include "crypto/secret.hpp"

namespace coati::crypto {

/// One X.509 certificate (shared, immutable).
class certificate {
public:
  /// From DER (a CERT payload's data); nullopt if it does not parse.
  static std::optional<certificate> from_der(bytes_view der);
  /// From a PEM file (racoon's certificate_type x509 "file"); nullopt on failure.
  static std::optional<certificate> load_pem_file(const std::string& path);
  certificate(const certificate&);
  certificate& operator=(const certificate&);
  certificate(certificate&&) noexcept;
  certificate& operator=(certificate&&) noexcept;
  ~certificate();

  /// DER encoding (for a CERT payload).
  std::vector<std::uint8_t> der() const;
  /// Subject name, DER (an ID_DER_ASN1_DN payload body's data).
  std::vector<std::uint8_t> subject_der() const;
  /// Issuer name, DER (what a CR payload names).
  std::vector<std::uint8_t> issuer_der() const;
  /// Subject as RFC 2253 text ("CN=host,OU=host,O=coati test,C=FR").
  std::string subject_text() const;
  /// True when `dn` (DER) is this certificate's subject, as dn_equal compares names; the
  /// subject's own bytes match without being parsed again.
  bool subject_is(bytes_view dn) const;
  /// The subject's public key (RSA), nullopt for other key types.
  std::optional<crypto::public_key> public_key() const;
  /// The X509 object, for the other crypto files.
  void* native() const { return x_; }

private:
  explicit certificate(void* x) : x_(x) {}
  void* x_ = nullptr;
};

/// Outcome of a chain check.
struct verify_result {
  bool ok = false;
  int code = 0;       ///< OpenSSL's X509_V_ERR_* value (0 when ok)
  std::string reason; ///< OpenSSL's text for it
  /// The chain failed only because a certificate is expired or not yet valid.
  bool out_of_validity() const;
};

/// Trusted CAs: racoon's certificate folder, where CAs are found through `<hash>.0` links
/// (OpenSSL's hash-directory lookup), plus optional explicit CA files (`ca_type x509`).
class cert_store {
public:
  cert_store();
  cert_store(cert_store&&) noexcept;
  cert_store& operator=(cert_store&&) noexcept;
  ~cert_store();
  /// Looks CAs up in `dir` by subject hash; false if the folder cannot be added.
  bool add_hash_dir(const std::string& dir);
  /// Trusts the certificates in a PEM file; false if none could be read.
  bool add_ca_file(const std::string& path);
  /// Checks `cert` up to a trusted CA: signatures, validity period (at `when`, default
  /// now), CA constraints. `untrusted` are intermediates the peer sent.
  verify_result verify(const certificate& cert, const std::vector<certificate>& untrusted = {},
                       std::optional<std::time_t> when = std::nullopt) const;

private:
  void* store_ = nullptr;
};

/// asn1dn from racoon.conf text ("C=FR, O=coati test, CN=host"; ',' or '/' separate
/// RDNs in written order, '\' escapes, '*' is a wildcard value); nullopt if malformed.
std::optional<std::vector<std::uint8_t>> dn_from_text(std::string_view text);
/// DER name as RFC 2253 text; empty if `der` is not a name.
std::string dn_to_text(bytes_view der);
/// True when both DER names are the same name (OpenSSL's canonical comparison: string
/// types, case and spacing do not matter).
bool dn_equal(bytes_view a, bytes_view b);
/// racoon's peers_identifier asn1dn match: as dn_equal, except that an RDN whose value is
/// '*' on either side matches any value of the same attribute type at that position.
bool dn_match(bytes_view pattern, bytes_view name);

} // namespace coati::crypto
