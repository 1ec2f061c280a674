#include "crypto/random.hpp"

#include <openssl/rand.h>
#include <pthread.h>

#include <array>
#include <atomic>
#include <climits>
#include <cstring>

#include "crypto/error.hpp"

namespace coati::crypto {

namespace {

void draw(std::uint8_t* p, std::size_t n, bool priv) {
  while (n > 0) {
    int chunk = n > INT_MAX ? INT_MAX : static_cast<int>(n);
    int ok = priv ? RAND_priv_bytes(p, chunk) : RAND_bytes(p, chunk);
    if (ok != 1)
      throw error("random generator failed");
    p += chunk;
    n -= static_cast<std::size_t>(chunk);
  }
}

// Forks so far: a pool filled before a fork is not used after it (the child would repeat
// its parent's bytes).
std::atomic<unsigned> forks{0};
[[maybe_unused]] const int fork_hook = pthread_atfork(nullptr, nullptr, [] { forks.fetch_add(1); });

// A thread's random bytes, drawn from one of OpenSSL's generators 1 KiB at a time: a
// negotiation's few small draws (a cookie, a nonce, a DH exponent) cost a copy instead
// of a generator call each (a lock and a fork check, that is a getpid system call, each).
// A byte handed out is wiped from the pool at once, the rest when the thread ends. Two
// pools, as OpenSSL keeps two generators: what goes on the wire never comes from the
// one key material comes from.
class pool {
public:
  explicit pool(bool priv) : priv_(priv) {}
  pool(const pool&) = delete;
  pool& operator=(const pool&) = delete;
  ~pool() { detail::wipe(bytes_.data(), bytes_.size()); }

  void take(std::uint8_t* out, std::size_t n) {
    unsigned now = forks.load(std::memory_order_relaxed);
    if (fork_gen_ != now || used_ + n > bytes_.size()) {
      draw(bytes_.data(), bytes_.size(), priv_);
      used_ = 0;
      fork_gen_ = now;
    }
    std::memcpy(out, bytes_.data() + used_, n);
    detail::wipe(bytes_.data() + used_, n);
    used_ += n;
  }

private:
  std::array<std::uint8_t, 1024> bytes_;
  std::size_t used_ = bytes_.size(); ///< bytes_[used_..] are still unread
  unsigned fork_gen_ = 0;
  bool priv_;
};

constexpr std::size_t pooled_max = 128; // larger draws go to the generator itself

void fill(std::uint8_t* p, std::size_t n, bool priv) {
  if (n > pooled_max) {
    draw(p, n, priv);
    return;
  }
  thread_local pool pub{false}, key{true};
  (priv ? key : pub).take(p, n);
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
