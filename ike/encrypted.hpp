#pragma once
// The encrypted body of IKEv1 messages (RFC 2408 §3.1 E flag): one way to seal a payload
// chain and to open one, for every exchange after the key exchange.

#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "crypto/cipher.hpp"
#include "crypto/keyschedule.hpp"
#include "crypto/secret.hpp"
#include "ike/message.hpp"

namespace coati::ike {

/// Encodes `chain`, pads it with zeros to the cipher block and encrypts it in CBC mode with
/// `iv` (which advances to the last ciphertext block); gives the datagram with the E flag
/// and next-payload set. nullopt if the chain is empty or does not encode.
std::optional<bytes> seal(header h, const std::vector<payload>& chain, crypto::cipher_alg cipher,
                          const crypto::secret_bytes& key, std::span<std::uint8_t> iv);

/// Decrypts an encrypted message and decodes its payload chain (padding allowed). `iv`
/// advances to the message's last cipher block only when the chain decodes, so a damaged or
/// foreign message leaves the exchange's CBC chain as it was. On failure `why` says why.
std::optional<std::vector<payload>> open(const message& m, crypto::cipher_alg cipher,
                                         const crypto::secret_bytes& key,
                                         std::vector<std::uint8_t>& iv, std::string& why);

/// Why a message protected by HASH(1) (informational, transaction) did not open.
enum class hashed_failure : std::uint8_t {
  bad_length,    ///< the encrypted body is not a whole number of cipher blocks
  bad_plaintext, ///< decrypted bytes do not decode
  missing_hash,  ///< the first payload is not HASH(1)
  bad_hash,      ///< HASH(1) does not verify
};

/// The same reason in an exchange's own reason enum (whose members bear the same names).
template <class Reason>
Reason reason_of(hashed_failure f) {
  switch (f) {
  case hashed_failure::bad_length:
    return Reason::bad_length;
  case hashed_failure::missing_hash:
    return Reason::missing_hash;
  case hashed_failure::bad_hash:
    return Reason::bad_hash;
  case hashed_failure::bad_plaintext:
    break;
  }
  return Reason::bad_plaintext;
}

/// A refusal of open_hashed(): the reason and a sentence for the log.
struct hashed_refusal {
  hashed_failure reason = hashed_failure::bad_plaintext;
  std::string text;
};

/// Overwrites the attribute values of attribute payloads (XAuth passwords) in place, for
/// copies about to be freed.
void wipe_attribute_values(std::span<payload> chain) noexcept;

/// Seals HDR*, HASH(1), `body` under the phase-1 keys, with HASH(1) = prf(SKEYID_a, M-ID |
/// body) and `iv` (advanced). nullopt + `why` when `body` does not encode or encrypt.
std::optional<bytes> seal_hashed(const header& h, std::span<const payload> body,
                                 const crypto::ikev1::ikev1_keys& k, std::span<std::uint8_t> iv,
                                 std::string& why);

/// Opens an encrypted message whose first payload is HASH(1) = prf(SKEYID_a, M-ID | the
/// payloads after it), verified in constant time; gives the payloads after HASH(1). `iv`
/// advances only on success.
std::variant<std::vector<payload>, hashed_refusal>
open_hashed(const message& m, const crypto::ikev1::ikev1_keys& k, std::vector<std::uint8_t>& iv);

} // namespace coati::ike
