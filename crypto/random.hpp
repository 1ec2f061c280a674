#pragma once
// Secure randomness (OpenSSL's DRBGs): the private one for key material, the public one
// for nonces, cookies and message IDs.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "crypto/secret.hpp"

namespace coati::crypto {

/// Fills `out` with public random bytes (nonces, cookies, IVs, message IDs).
void random_fill(std::span<std::uint8_t> out);
/// `n` public random bytes.
std::vector<std::uint8_t> random_bytes(std::size_t n);
/// `n` random bytes from the private generator, for key material.
secret_bytes random_secret(std::size_t n);
/// A random 32-bit value (e.g. a message ID); `nonzero` excludes 0.
std::uint32_t random_u32(bool nonzero = true);

} // namespace coati::crypto
