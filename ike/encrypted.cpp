#include "ike/encrypted.hpp"

namespace coati::ike {

std::optional<bytes> seal(header h, const std::vector<payload>& chain, crypto::cipher_alg cipher,
                          const crypto::secret_bytes& key, std::span<std::uint8_t> iv) {
  if (chain.empty())
    return std::nullopt;
  auto plain = encode_payloads(chain);
  if (!plain)
    return std::nullopt;
  std::size_t block = crypto::block_size(cipher);
  plain->resize((plain->size() + block - 1) / block * block, 0); // zero padding
  auto ct = crypto::cbc_encrypt(cipher, key, iv, *plain);
  if (!ct)
    return std::nullopt;
  message m{h};
  m.hdr.flags |= flags::encryption;
  m.hdr.next_payload = type_of(chain.front());
  m.encrypted_body = std::move(*ct);
  auto wire = encode(m);
  if (!wire)
    return std::nullopt;
  return std::move(*wire);
}

std::optional<std::vector<payload>> open(const message& m, crypto::cipher_alg cipher,
                                         const crypto::secret_bytes& key,
                                         std::vector<std::uint8_t>& iv, std::string& why) {
  if (!m.hdr.encrypted()) {
    why = "not encrypted";
    return std::nullopt;
  }
  std::size_t block = crypto::block_size(cipher);
  if (m.encrypted_body.empty() || m.encrypted_body.size() % block != 0) {
    why = "encrypted body is not a whole number of cipher blocks";
    return std::nullopt;
  }
  auto next_iv = iv;
  auto plain = crypto::cbc_decrypt(cipher, key, next_iv, m.encrypted_body);
  if (!plain) {
    why = "decryption failed";
    return std::nullopt;
  }
  auto chain = decode_payloads(*plain, m.hdr.next_payload);
  if (!chain) {
    why = "decrypted payloads do not decode (wrong key?): " + chain.error().text;
    return std::nullopt;
  }
  iv = std::move(next_iv);
  return std::move(*chain);
}

} // namespace coati::ike
