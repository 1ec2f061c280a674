#pragma once
// Key material: a byte buffer that is wiped whenever its memory is released and that
// cannot be streamed or printed by accident.

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace coati::crypto {

/// Read-only view of bytes, the parameter type of every crypto function.
using bytes_view = std::span<const std::uint8_t>;

namespace detail {
/// Wipes memory (OPENSSL_cleanse) in a way the compiler cannot drop.
void wipe(void* p, std::size_t n) noexcept;

/// Allocator that wipes every block before giving it back, so no copy of the
/// secret survives a reallocation.
template <class T>
struct wiping_allocator {
  using value_type = T;
  wiping_allocator() noexcept = default;
  template <class U>
  wiping_allocator(const wiping_allocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    wipe(p, n * sizeof(T));
    std::allocator<T>{}.deallocate(p, n);
  }
  template <class U>
  bool operator==(const wiping_allocator<U>&) const noexcept {
    return true;
  }
};
} // namespace detail

/// Owned secret bytes (keys, DH secrets, SKEYIDs, pre-shared keys). Wiped on destruction,
/// on resize and on clear; compared in constant time; never printed (see `redacted`).
class secret_bytes {
public:
  using storage = std::vector<std::uint8_t, detail::wiping_allocator<std::uint8_t>>;

  secret_bytes() = default;
  /// `n` zero bytes.
  explicit secret_bytes(std::size_t n) : buf_(n) {}
  /// A copy of `b`.
  explicit secret_bytes(bytes_view b) : buf_(b.begin(), b.end()) {}
  /// A copy of the characters of `s` (e.g. a pre-shared key read from psk.txt).
  static secret_bytes from_string(const std::string& s);
  secret_bytes(const secret_bytes&) = default;
  secret_bytes(secret_bytes&&) noexcept = default;
  secret_bytes& operator=(const secret_bytes&);
  secret_bytes& operator=(secret_bytes&&) noexcept;
  ~secret_bytes() { clear(); }

  std::uint8_t* data() noexcept { return buf_.data(); }
  const std::uint8_t* data() const noexcept { return buf_.data(); }
  std::size_t size() const noexcept { return buf_.size(); }
  bool empty() const noexcept { return buf_.empty(); }
  std::uint8_t& operator[](std::size_t i) noexcept { return buf_[i]; }
  std::uint8_t operator[](std::size_t i) const noexcept { return buf_[i]; }
  auto begin() noexcept { return buf_.begin(); }
  auto end() noexcept { return buf_.end(); }
  auto begin() const noexcept { return buf_.begin(); }
  auto end() const noexcept { return buf_.end(); }

  /// The bytes as a view, for passing to crypto functions.
  bytes_view view() const noexcept { return {buf_.data(), buf_.size()}; }
  operator bytes_view() const noexcept { return view(); }
  /// Writable view.
  std::span<std::uint8_t> span() noexcept { return {buf_.data(), buf_.size()}; }

  /// Changes the size; bytes cut off are wiped, new bytes are zero.
  void resize(std::size_t n);
  /// Appends bytes (any reallocation wipes the old block).
  void append(bytes_view b);
  /// Wipes and empties.
  void clear() noexcept;

  /// Constant-time equality of contents (sizes are not secret).
  friend bool operator==(const secret_bytes& a, const secret_bytes& b) noexcept;

private:
  storage buf_;
};

/// Streaming a secret is a compile error; use `redacted` to mention one in a log.
std::ostream& operator<<(std::ostream&, const secret_bytes&) = delete;

/// What a log may say about a secret: "<secret: N bytes>".
std::string redacted(const secret_bytes& s);

/// Constant-time comparison of two byte strings (lengths are not secret), for hashes
/// and MACs received from a peer.
bool constant_time_equal(bytes_view a, bytes_view b) noexcept;

/// Lower-case hex of public bytes (cookies, nonces, hashes, public values).
std::string to_hex(bytes_view b);
/// Parses hex (upper or lower case; spaces and colons are skipped); empty on odd length or
/// a non-hex character.
std::vector<std::uint8_t> from_hex(std::string_view hex);

} // namespace coati::crypto
