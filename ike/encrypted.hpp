#pragma once
// The encrypted body of IKEv1 messages (RFC 2408 §3.1 E flag): one way to seal a payload
// chain and to open one, for every exchange after the key exchange.

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "crypto/cipher.hpp"
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

} // namespace coati::ike
