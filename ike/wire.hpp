#pragma once
// Internal helpers of the codec: a bounds-checked big-endian reader and a writer.
// Failures are thrown as detail::failure and turned into result<> at the public API.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ike/error.hpp"

namespace coati::ike::detail {

/// Thrown inside the codec; caught by every public function.
struct failure {
  codec_error error;
};

/// Throws a failure at absolute offset `off`.
[[noreturn]] inline void fail(std::size_t off, codec_reason why, std::string text) {
  throw failure{codec_error{off, why, std::move(text)}};
}

/// Reads big-endian fields from a buffer; offsets are reported relative to the start of
/// the outermost buffer (`base` is where this buffer starts in it).
class reader {
public:
  reader(std::span<const std::uint8_t> buf, std::size_t base) : buf_(buf), base_(base) {}

  /// Absolute offset of the next byte.
  std::size_t offset() const { return base_ + pos_; }
  std::size_t remaining() const { return buf_.size() - pos_; }
  bool empty() const { return pos_ == buf_.size(); }

  void need(std::size_t n, const char* what) const {
    if (remaining() < n)
      fail(offset(), codec_reason::truncated,
           std::string(what) + ": needs " + std::to_string(n) + " bytes, " +
               std::to_string(remaining()) + " left");
  }
  std::uint8_t u8(const char* what) {
    need(1, what);
    return buf_[pos_++];
  }
  std::uint16_t u16(const char* what) {
    need(2, what);
    auto v = static_cast<std::uint16_t>((buf_[pos_] << 8) | buf_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  std::uint32_t u32(const char* what) {
    need(4, what);
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
      v = (v << 8) | buf_[pos_ + i];
    pos_ += 4;
    return v;
  }
  std::vector<std::uint8_t> bytes(std::size_t n, const char* what) {
    need(n, what);
    std::vector<std::uint8_t> v(buf_.begin() + pos_, buf_.begin() + pos_ + n);
    pos_ += n;
    return v;
  }
  std::vector<std::uint8_t> rest() { return bytes(remaining(), "data"); }
  /// A reader over the next n bytes; this reader skips them.
  reader sub(std::size_t n, const char* what) {
    need(n, what);
    reader r(buf_.subspan(pos_, n), offset());
    pos_ += n;
    return r;
  }
  /// Fails unless the next n bytes are zero.
  void reserved(std::size_t n, const char* what) {
    need(n, what);
    for (std::size_t i = 0; i < n; ++i)
      if (buf_[pos_ + i] != 0)
        fail(offset() + i, codec_reason::reserved_not_zero, std::string(what) + " is not zero");
    pos_ += n;
  }

private:
  std::span<const std::uint8_t> buf_;
  std::size_t base_;
  std::size_t pos_ = 0;
};

/// Appends big-endian fields to a byte vector.
class writer {
public:
  explicit writer(std::vector<std::uint8_t>& out) : out_(out) {}

  std::size_t size() const { return out_.size(); }
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) {
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
    out_.push_back(static_cast<std::uint8_t>(v));
  }
  void u32(std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8)
      out_.push_back(static_cast<std::uint8_t>(v >> s));
  }
  void bytes(std::span<const std::uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void zeros(std::size_t n) { out_.insert(out_.end(), n, 0); }
  /// Writes `value` at `pos` as a 16-bit length; fails when it does not fit.
  void patch16(std::size_t pos, std::size_t value, const char* what) {
    if (value > 0xffff)
      fail(pos, codec_reason::too_large,
           std::string(what) + " length " + std::to_string(value) + " exceeds 65535");
    out_[pos] = static_cast<std::uint8_t>(value >> 8);
    out_[pos + 1] = static_cast<std::uint8_t>(value);
  }
  void patch32(std::size_t pos, std::size_t value) {
    for (int i = 0; i < 4; ++i)
      out_[pos + i] = static_cast<std::uint8_t>(value >> (24 - 8 * i));
  }

private:
  std::vector<std::uint8_t>& out_;
};

/// Fails (encoding) when `n` does not fit in `limit`.
inline void check_fits(std::size_t n, std::size_t limit, const char* what) {
  if (n > limit)
    fail(0, codec_reason::too_large,
         std::string(what) + " " + std::to_string(n) + " exceeds " + std::to_string(limit));
}

} // namespace coati::ike::detail
