#pragma once
// IP addresses, prefixes and endpoints as racoon.conf writes them.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace coati::config {

/// An IPv4 or IPv6 address (no scope kept beyond the text form).
struct ip_address {
  enum class family : std::uint8_t { v4, v6 };
  family fam = family::v4;
  std::array<std::uint8_t, 16> bytes{}; ///< v4 uses the first 4 bytes
  /// Parses dotted-quad or RFC 4291 text; nullopt if it is neither.
  static std::optional<ip_address> parse(std::string_view text);
  std::string to_string() const;
  bool operator==(const ip_address&) const = default;
};

/// `ADDR [port]`: an address with an optional port (0 = not given).
struct endpoint {
  ip_address addr;
  std::uint16_t port = 0;
  bool operator==(const endpoint&) const = default;
};

} // namespace coati::config
