#include "crypto/secret.hpp"

#include <openssl/crypto.h>

#include <string_view>

namespace coati::crypto {

namespace detail {
void wipe(void* p, std::size_t n) noexcept {
  if (p != nullptr && n > 0)
    OPENSSL_cleanse(p, n);
}
} // namespace detail

secret_bytes secret_bytes::from_string(const std::string& s) {
  secret_bytes r;
  r.buf_.assign(s.begin(), s.end());
  return r;
}

secret_bytes& secret_bytes::operator=(const secret_bytes& other) {
  if (this != &other) {
    clear();
    buf_.assign(other.buf_.begin(), other.buf_.end());
  }
  return *this;
}

secret_bytes& secret_bytes::operator=(secret_bytes&& other) noexcept {
  if (this != &other) {
    clear();
    buf_.swap(other.buf_);
  }
  return *this;
}

void secret_bytes::resize(std::size_t n) {
  if (n < buf_.size())
    detail::wipe(buf_.data() + n, buf_.size() - n);
  buf_.resize(n);
}

void secret_bytes::append(bytes_view b) {
  buf_.insert(buf_.end(), b.begin(), b.end());
}

void secret_bytes::clear() noexcept {
  detail::wipe(buf_.data(), buf_.size());
  buf_.clear();
}

bool operator==(const secret_bytes& a, const secret_bytes& b) noexcept {
  if (a.size() != b.size())
    return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string redacted(const secret_bytes& s) {
  return "<secret: " + std::to_string(s.size()) + " bytes>";
}

std::string to_hex(bytes_view b) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(b.size() * 2);
  for (auto c : b) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 0x0f]);
  }
  return out;
}

std::vector<std::uint8_t> from_hex(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    return -1;
  };
  std::vector<std::uint8_t> out;
  int high = -1;
  for (char c : hex) {
    if (c == ' ' || c == ':' || c == '\n' || c == '\t' || c == '\r')
      continue;
    int v = nibble(c);
    if (v < 0)
      return {};
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  if (high >= 0)
    return {};
  return out;
}

bool constant_time_equal(bytes_view a, bytes_view b) noexcept {
  return a.size() == b.size() && (a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0);
}

} // namespace coati::crypto
