#pragma once
// The exception crypto/ throws when OpenSSL fails for reasons unrelated to the input
// (allocation, missing provider). Bad input from a peer is reported by return values.

#include <stdexcept>
#include <string>

namespace coati::crypto {

/// An OpenSSL failure; the message includes OpenSSL's error queue text.
class error : public std::runtime_error {
public:
  /// `what` says what was attempted; OpenSSL's queued reason is appended (and cleared).
  explicit error(const std::string& what);
};

/// Empties OpenSSL's thread-local error queue (after an expected failure).
void clear_openssl_errors();

} // namespace coati::crypto
