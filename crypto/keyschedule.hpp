#pragma once
// The IKEv1 key schedule (RFC 2409 section 5 and appendix B): SKEYID and its three
// children, the encryption key, the IVs, HASH_I/HASH_R, the quick mode hashes and KEYMAT.
//
// Every function is pure: inputs are byte views in the forms the wire carries them
// (nonce and SA/ID payload *bodies*, i.e. without the 4-byte generic payload header;
// cookies as the 8 header bytes; DH values as in the KE payload / as derived), and
// nothing depends on the role: initiator and responder compute the same values from
// the same inputs. `prf` is HMAC with the negotiated hash.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "crypto/cipher.hpp"
#include "crypto/prf.hpp"
#include "crypto/secret.hpp"

namespace coati::crypto::ikev1 {

/// Which SKEYID formula a phase-1 authentication method uses.
enum class skeyid_kind : std::uint8_t {
  signature,      ///< RSA/DSS signatures and XAuth-RSA: prf(Ni_b | Nr_b, g^xy)
  pre_shared_key, ///< PSK and XAuth-PSK: prf(pre-shared key, Ni_b | Nr_b)
  hybrid,         ///< hybrid RSA (server signs, client hashes): the signature formula
};

/// SKEYID = prf(Ni_b | Nr_b, g^xy) (signature and hybrid authentication).
secret_bytes skeyid_signature(hash_alg alg, bytes_view ni_b, bytes_view nr_b, bytes_view gxy);
/// SKEYID = prf(pre-shared key, Ni_b | Nr_b).
secret_bytes skeyid_pre_shared_key(hash_alg alg, bytes_view psk, bytes_view ni_b, bytes_view nr_b);
/// SKEYID for hybrid authentication (same as for signatures; named for readability).
secret_bytes skeyid_hybrid(hash_alg alg, bytes_view ni_b, bytes_view nr_b, bytes_view gxy);

/// SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0).
secret_bytes skeyid_d(hash_alg alg, bytes_view skeyid, bytes_view gxy, bytes_view cky_i,
                      bytes_view cky_r);
/// SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1).
secret_bytes skeyid_a(hash_alg alg, bytes_view skeyid, bytes_view skeyid_d, bytes_view gxy,
                      bytes_view cky_i, bytes_view cky_r);
/// SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2).
secret_bytes skeyid_e(hash_alg alg, bytes_view skeyid, bytes_view skeyid_a, bytes_view gxy,
                      bytes_view cky_i, bytes_view cky_r);

/// The phase-1 encryption key of `key_len` bytes: the start of SKEYID_e when it is long
/// enough, else Ka = K1 | K2 | ... cut, with K1 = prf(SKEYID_e, 0), Kn = prf(SKEYID_e, Kn-1).
secret_bytes encryption_key(hash_alg alg, bytes_view skeyid_e, std::size_t key_len);

/// Phase-1 IV: hash(g^xi | g^xr) cut to the cipher's block size.
std::vector<std::uint8_t> phase1_iv(hash_alg alg, bytes_view gxi, bytes_view gxr,
                                    std::size_t block_size);
/// First IV of an informational, quick mode or transaction exchange with message ID
/// `message_id` (host order; hashed as its 4 big-endian wire bytes):
/// hash(phase-1 final IV | M-ID) cut to the block size. `phase1_final_iv` is the last
/// ciphertext block of the last phase-1 message (the `iv` of `ikev1_keys` after phase 1).
std::vector<std::uint8_t> exchange_iv(hash_alg alg, bytes_view phase1_final_iv,
                                      std::uint32_t message_id, std::size_t block_size);

/// HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b).
std::vector<std::uint8_t> hash_i(hash_alg alg, bytes_view skeyid, bytes_view gxi, bytes_view gxr,
                                 bytes_view cky_i, bytes_view cky_r, bytes_view sai_b,
                                 bytes_view idii_b);
/// HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b). Takes its inputs
/// in the same order as hash_i (initiator's values first) and swaps them itself.
std::vector<std::uint8_t> hash_r(hash_alg alg, bytes_view skeyid, bytes_view gxi, bytes_view gxr,
                                 bytes_view cky_i, bytes_view cky_r, bytes_view sai_b,
                                 bytes_view idir_b);

/// Quick mode HASH(1) = prf(SKEYID_a, M-ID | message after HASH(1)). Also the HASH of
/// informational (Notify, Delete) and transaction (XAuth, Mode Config) messages, and
/// quick mode HASH(4).
std::vector<std::uint8_t> qm_hash1(hash_alg alg, bytes_view skeyid_a, std::uint32_t message_id,
                                   bytes_view rest);
/// The hash of informational and transaction messages (the same formula as HASH(1)).
std::vector<std::uint8_t> message_hash(hash_alg alg, bytes_view skeyid_a, std::uint32_t message_id,
                                       bytes_view rest);
/// Quick mode HASH(2) = prf(SKEYID_a, M-ID | Ni_b | message after HASH(2)).
std::vector<std::uint8_t> qm_hash2(hash_alg alg, bytes_view skeyid_a, std::uint32_t message_id,
                                   bytes_view ni_b, bytes_view rest);
/// Quick mode HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b).
std::vector<std::uint8_t> qm_hash3(hash_alg alg, bytes_view skeyid_a, std::uint32_t message_id,
                                   bytes_view ni_b, bytes_view nr_b);

/// KEYMAT for one IPsec SA: K1 | K2 | ... cut to `length`, with
/// K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b) and
/// Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b).
/// `pfs_gxy` empty = no PFS. `spi` = the SPI as carried in the proposal (4 bytes for
/// ESP/AH) chosen by the *receiving* end of that SA: inbound SA = my SPI, outbound = the
/// peer's. Nonces are always the initiator's first. Encryption key first, then auth key.
secret_bytes keymat(hash_alg alg, bytes_view skeyid_d, bytes_view pfs_gxy, std::uint8_t protocol,
                    bytes_view spi, bytes_view ni_b, bytes_view nr_b, std::size_t length);

/// What a phase-1 SA's key derivation needs (all views must outlive the call only).
struct phase1_input {
  hash_alg hash = hash_alg::sha1;             ///< negotiated hash = prf
  cipher_alg cipher = cipher_alg::aes128_cbc; ///< negotiated cipher (key size, block size)
  skeyid_kind kind = skeyid_kind::signature;
  bytes_view psk;   ///< pre-shared key, for skeyid_kind::pre_shared_key only
  bytes_view gxy;   ///< DH shared secret, as dh_keypair::derive gives it
  bytes_view gxi;   ///< initiator's KE data
  bytes_view gxr;   ///< responder's KE data
  bytes_view ni_b;  ///< initiator's nonce body
  bytes_view nr_b;  ///< responder's nonce body
  bytes_view cky_i; ///< initiator cookie (8 bytes)
  bytes_view cky_r; ///< responder cookie (8 bytes)
};

/// The keys of one phase-1 (ISAKMP) SA, the same on both sides.
struct ikev1_keys {
  hash_alg hash = hash_alg::sha1;
  cipher_alg cipher = cipher_alg::aes128_cbc;
  secret_bytes skeyid;
  secret_bytes skeyid_d; ///< seeds KEYMAT
  secret_bytes skeyid_a; ///< authenticates informational, quick mode, transaction messages
  secret_bytes skeyid_e; ///< source of enc_key
  secret_bytes enc_key;  ///< phase-1 cipher key (key_size(cipher) bytes)
  /// Phase-1 CBC chain: the IV for the next encrypted phase-1 message (either direction);
  /// cbc_encrypt/cbc_decrypt advance it. After phase 1 it is the "phase-1 final IV".
  std::vector<std::uint8_t> iv;
};

/// Derives every phase-1 key and the initial IV.
ikev1_keys derive_phase1(const phase1_input& in);

/// IV chains of the exchanges that follow phase 1 (informational, quick mode,
/// transaction), one per message ID; phase 1's own chain is never touched.
class exchange_ivs {
public:
  /// Keeps at most `capacity` chains, dropping the least recently used.
  explicit exchange_ivs(std::size_t capacity = 8) : capacity_(capacity) {}
  /// The IV for the next message of `message_id`: a new message ID starts at
  /// exchange_iv(keys.hash, keys.iv, message_id, block size).
  std::vector<std::uint8_t> current(const ikev1_keys& keys, std::uint32_t message_id);
  /// Records the last ciphertext block of a message of `message_id` that was sent, or
  /// received and authenticated: it becomes that exchange's next IV.
  void advance(std::uint32_t message_id, bytes_view last_block);
  /// Forgets an exchange (finished or abandoned).
  void forget(std::uint32_t message_id);
  /// Number of chains held.
  std::size_t size() const { return chains_.size(); }

private:
  std::size_t capacity_;
  std::vector<std::pair<std::uint32_t, std::vector<std::uint8_t>>> chains_; // MRU first
};

} // namespace coati::crypto::ikev1
