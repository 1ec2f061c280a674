#include "ike/encrypted.hpp"

#include <iterator>

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
  crypto::detail::wipe(plain->data(), plain->size()); // may hold an XAuth password
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
  crypto::detail::wipe(plain->data(), plain->size()); // may hold an XAuth password
  if (!chain) {
    why = "decrypted payloads do not decode (wrong key?): " + chain.error().text;
    return std::nullopt;
  }
  iv = std::move(next_iv);
  return std::move(*chain);
}

void wipe_attribute_values(std::span<payload> chain) noexcept {
  for (auto& p : chain)
    if (auto* a = std::get_if<attribute_payload>(&p))
      for (auto& x : a->attributes)
        crypto::detail::wipe(x.value.data(), x.value.size());
}

std::optional<bytes> seal_hashed(const header& h, std::span<const payload> body,
                                 const crypto::ikev1::ikev1_keys& k, std::span<std::uint8_t> iv,
                                 std::string& why) {
  auto rest = encode_payloads(body);
  if (!rest) {
    why = "cannot encode the payloads: " + rest.error().text;
    return std::nullopt;
  }
  std::vector<payload> chain{
      hash_payload{crypto::ikev1::message_hash(k.hash, k.skeyid_a, h.message_id, *rest)}};
  chain.insert(chain.end(), body.begin(), body.end());
  auto wire = seal(h, chain, k.cipher, k.enc_key, iv);
  crypto::detail::wipe(rest->data(), rest->size());
  wipe_attribute_values(chain);
  if (!wire)
    why = "cannot encrypt the message";
  return wire;
}

std::variant<std::vector<payload>, hashed_refusal>
open_hashed(const message& m, const crypto::ikev1::ikev1_keys& k, std::vector<std::uint8_t>& iv) {
  auto refuse = [](hashed_failure r, std::string text) {
    return hashed_refusal{r, std::move(text)};
  };
  std::size_t block = crypto::block_size(k.cipher);
  if (m.encrypted_body.empty() || m.encrypted_body.size() % block != 0)
    return refuse(hashed_failure::bad_length,
                  "encrypted body of " + std::to_string(m.encrypted_body.size()) +
                      " bytes, not a whole number of " + std::to_string(block) + "-byte blocks");
  auto next_iv = iv;
  std::string why;
  auto chain = open(m, k.cipher, k.enc_key, next_iv, why);
  if (!chain)
    return refuse(hashed_failure::bad_plaintext, why);
  if (chain->empty() || !std::holds_alternative<hash_payload>(chain->front()))
    return refuse(hashed_failure::missing_hash, "the first payload is not HASH(1)");
  std::vector<payload> after(std::make_move_iterator(chain->begin() + 1),
                             std::make_move_iterator(chain->end()));
  auto rest = encode_payloads(after);
  if (!rest)
    return refuse(hashed_failure::bad_plaintext, rest.error().text);
  auto want = crypto::ikev1::message_hash(k.hash, k.skeyid_a, m.hdr.message_id, *rest);
  crypto::detail::wipe(rest->data(), rest->size()); // may hold an XAuth password
  if (!crypto::constant_time_equal(std::get<hash_payload>(chain->front()).data, want))
    return refuse(hashed_failure::bad_hash, "HASH(1) does not verify");
  iv = std::move(next_iv);
  return after;
}

} // namespace coati::ike
