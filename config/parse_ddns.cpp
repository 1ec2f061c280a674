// The `ddns` block: coati's own (racoon has none), for RFC 2136 registration of
// roadwarriors' Mode Config addresses.
//
//   ddns {
//     server 192.168.1.1 [port 53];
//     zone "local";
//     reverse_zone "201.168.192.in-addr.arpa";
//     name "%u-vpn";
//     ttl 86400;
//     key "/etc/coati/ddns.key";
//     timeout 5;
//     retry 30;
//   }

#include "config/parser.hpp"

namespace coati::config::detail {

namespace {

/// Why `name` is not a DNS name we can use (empty when it is one).
std::string bad_name(const std::string& name, bool pattern) {
  if (name.empty())
    return "it is empty";
  if (name.size() > 253)
    return "it is longer than 253 characters";
  std::size_t label = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c == '.') {
      if (label == 0)
        return "it has an empty label";
      label = 0;
      continue;
    }
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || (pattern && c == '%');
    if (!ok)
      return std::string("it has the character '") + c + "'";
    if (++label > 63)
      return "it has a label longer than 63 characters";
  }
  if (label == 0 && name.size() > 1)
    return "it ends with a dot (write the name without one)";
  return {};
}

} // namespace

void parser::parse_ddns() {
  auto open = expect(tok::lbrace, "'{' to open the ddns block");
  ddns_block d = st.cfg.ddns.value_or(ddns_block{});
  bool server = st.cfg.ddns.has_value();
  auto dns_name = [&](std::string_view what, bool pattern) {
    auto t = peek();
    auto n = expect_string(what);
    if (auto why = bad_name(n, pattern); !why.empty())
      fail(t, "bad " + std::string(what) + " \"" + n + "\": " + why + "; expected a DNS name");
    return n;
  };
  while (!accept(tok::rbrace)) {
    if (peek().kind == tok::end)
      fail(open, "unterminated ddns block; expected '}' to close this '{'");
    auto t = expect_word("a ddns directive");
    const std::string& w = t.text;
    if (w == "server") {
      d.server = address("the DNS server");
      server = true;
      if (at_word("port")) {
        next();
        d.port = static_cast<std::uint16_t>(number("port", 1, 65535));
      }
    } else if (w == "zone") {
      d.zone = dns_name("zone", false);
    } else if (w == "reverse_zone") {
      auto at = peek();
      d.reverse_zone = dns_name("reverse_zone", false);
      auto suffix = std::string{".in-addr.arpa"};
      auto& z = d.reverse_zone;
      if (z.size() <= suffix.size() || z.compare(z.size() - suffix.size(), suffix.size(), suffix))
        fail(at, "bad reverse_zone \"" + z + "\"; expected a zone under in-addr.arpa");
    } else if (w == "name") {
      auto at = peek();
      d.name = dns_name("name", true);
      if (d.name.find("%u") == std::string::npos)
        fail(at, "name \"" + d.name +
                     "\" has no %u; expected a pattern with the user, like "
                     "\"%u-vpn\"");
    } else if (w == "ttl") {
      d.ttl = number(w, 0, 2147483647);
    } else if (w == "key") {
      st.ddns_key = loc(t);
      d.key = path_arg("the TSIG key file");
    } else if (w == "timeout") {
      d.timeout = number(w, 1, 60);
    } else if (w == "retry") {
      d.retry = number(w, 1, 3600);
    } else {
      unknown(t, "the ddns block", "server, zone, reverse_zone, name, ttl, key, timeout or retry");
    }
    expect_semi(t);
  }
  if (!server)
    fail(open, "the ddns block has no server; expected 'server ADDRESS;'");
  if (d.zone.empty())
    fail(open, "the ddns block has no zone; expected 'zone \"NAME\";'");
  st.ddns = loc(open);
  st.cfg.ddns = d;
}

} // namespace coati::config::detail
