#include "crypto/random.hpp"

#include <openssl/rand.h>

#include <climits>

#include "crypto/error.hpp"

namespace coati::crypto {

namespace {
void fill(std::uint8_t* p, std::size_t n, bool priv) {
  while (n > 0) {
    int chunk = n > INT_MAX ? INT_MAX : static_cast<int>(n);
    int ok = priv ? RAND_priv_bytes(p, chunk) : RAND_bytes(p, chunk);
    if (ok != 1)
      throw error("random generator failed");
    p += chunk;
    n -= static_cast<std::size_t>(chunk);
  }
}
} // namespace

void random_fill(std::span<std::uint8_t> out) {
  fill(out.data(), out.size(), false);
}

std::vector<std::uint8_t> random_bytes(std::size_t n) {
  std::vector<std::uint8_t> out(n);
  fill(out.data(), n, false);
  return out;
}

secret_bytes random_secret(std::size_t n) {
  secret_bytes out(n);
  fill(out.data(), n, true);
  return out;
}

std::uint32_t random_u32(bool nonzero) {
  std::uint8_t b[4];
  std::uint32_t v = 0;
  do {
    fill(b, sizeof b, false);
    v = static_cast<std::uint32_t>(b[0]) << 24 | static_cast<std::uint32_t>(b[1]) << 16 |
        static_cast<std::uint32_t>(b[2]) << 8 | b[3];
  } while (nonzero && v == 0);
  return v;
}

} // namespace coati::crypto
