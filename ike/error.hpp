#pragma once
// Typed errors of the ISAKMP codec, and the small result type its functions return.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace coati::ike {

/// Why a message could not be decoded (or encoded).
enum class codec_reason : std::uint8_t {
  truncated,            ///< a field or payload reaches past the end of its buffer
  bad_length,           ///< a length field is smaller than its header or disagrees with content
  trailing_data,        ///< bytes left after the last payload / attribute / transform
  bad_version,          ///< ISAKMP version other than 1.0
  bad_flags,            ///< header flags outside E, C, A
  unknown_payload_type, ///< a reserved payload type (17..127 except 20, 21)
  misplaced_payload,    ///< proposal/transform outside an SA, or something else inside one
  reserved_not_zero,    ///< a RESERVED field is not zero
  count_mismatch,       ///< a count field disagrees with what follows
  bad_id,               ///< unknown ID type or address data of the wrong size
  bad_value,            ///< a field holds a value the format does not allow
  unsupported,          ///< a valid but unsupported variant (e.g. labeled situations)
  too_large,            ///< encoding: a field does not fit its wire width
};

/// A codec failure: where (byte offset from the start of the decoded buffer), why, and a
/// sentence for the log.
struct codec_error {
  std::size_t offset = 0;
  codec_reason reason = codec_reason::truncated;
  std::string text;

  /// "offset N: <reason>: <text>".
  std::string render() const;
};

/// The name of a reason, e.g. "truncated".
const char* to_string(codec_reason r);

/// A value or a codec_error.
template <class T>
class [[nodiscard]] result {
public:
  result(T value) : v_(std::move(value)) {}
  result(codec_error err) : v_(std::move(err)) {}

  /// True when this holds a value.
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  /// The value; only when ok().
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  const T& operator*() const& { return std::get<0>(v_); }

  /// The error; only when !ok().
  const codec_error& error() const { return std::get<1>(v_); }

private:
  std::variant<T, codec_error> v_;
};

} // namespace coati::ike
