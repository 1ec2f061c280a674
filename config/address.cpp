#include "config/address.hpp"

#include <arpa/inet.h>
#include <cstring>

namespace coati::config {

std::optional<ip_address> ip_address::parse(std::string_view text) {
  std::string s{text};
  if (auto pct = s.find('%'); pct != std::string::npos)
    s.resize(pct);
  ip_address a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
    a.fam = family::v4;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
    a.fam = family::v6;
    return a;
  }
  return std::nullopt;
}

std::string ip_address::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(fam == family::v4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

} // namespace coati::config
