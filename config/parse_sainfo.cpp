// `sainfo` blocks: the ID forms, from/group, and the phase-2 algorithm lists.

#include <cctype>

#include "config/parser.hpp"

namespace coati::config::detail {

namespace {

struct proto_name {
  std::string_view name;
  std::uint16_t number;
};
constexpr proto_name protos[] = {{"any", 255}, {"icmp", 1},   {"tcp", 6},
                                 {"udp", 17},  {"gre", 47},   {"esp", 50},
                                 {"ah", 51},   {"icmp6", 58}, {"ipcomp", 108}};

bool all_digits(const std::string& s) {
  if (s.empty())
    return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return false;
  return true;
}

std::string esp_key_bits_error(esp_cipher c, unsigned bits) {
  switch (c) {
  case esp_cipher::aes:
  case esp_cipher::camellia:
  case esp_cipher::twofish:
    return bits == 128 || bits == 192 || bits == 256 ? "" : "expected 128, 192 or 256";
  case esp_cipher::blowfish:
    return bits >= 40 && bits <= 448 && bits % 8 == 0 ? ""
                                                      : "expected a multiple of 8 from 40 to 448";
  case esp_cipher::cast128:
    return bits >= 40 && bits <= 128 && bits % 8 == 0 ? ""
                                                      : "expected a multiple of 8 from 40 to 128";
  default:
    return "expected no key length (it is fixed)";
  }
}

std::string where(const location& l) {
  return l.src ? l.src->name + ":" + std::to_string(l.line) + ":" + std::to_string(l.column)
               : std::string("?");
}

} // namespace

std::string_view proto_to_name(std::uint16_t n) {
  for (auto& p : protos)
    if (p.number == n)
      return p.name;
  return {};
}

std::optional<sainfo_id> parser::parse_sainfo_id(bool& clientaddr, bool allow_clientaddr) {
  auto t = expect_word("a sainfo ID (anonymous, address, subnet, fqdn, user_fqdn or keyid)");
  if (t.text == "anonymous")
    return std::nullopt;
  if (t.text == "clientaddr") {
    if (!allow_clientaddr)
      fail(t, "clientaddr is only allowed as the remote side of a sainfo; expected anonymous, "
              "address, subnet, fqdn, user_fqdn or keyid");
    clientaddr = true;
    return std::nullopt;
  }
  sainfo_id id;
  if (t.text == "asn1dn")
    fail(t, "asn1dn is not allowed as a sainfo ID; expected address, subnet, fqdn, user_fqdn or "
            "keyid (use 'from asn1dn' to match the phase 1 identity)");
  if (t.text == "fqdn" || t.text == "user_fqdn" || t.text == "keyid") {
    id.type = t.text == "fqdn"        ? sainfo_id::kind::fqdn
              : t.text == "user_fqdn" ? sainfo_id::kind::user_fqdn
                                      : sainfo_id::kind::keyid;
    id.value = expect_string("the " + t.text + " value");
    return id;
  }
  if (t.text != "address" && t.text != "subnet")
    fail(t, "bad sainfo ID type '" + t.text +
                "'; expected anonymous, address, subnet, fqdn, user_fqdn or keyid");
  id.type = t.text == "address" ? sainfo_id::kind::address : sainfo_id::kind::subnet;
  auto at = expect_word("an address");
  std::string text = at.text;
  std::string end_text;
  if (auto dash = text.find('-'); dash != std::string::npos) {
    end_text = text.substr(dash + 1);
    text.resize(dash);
  }
  auto a = ip_address::parse(text);
  if (!a)
    fail(at, "bad IP address '" + text + "' in sainfo; expected an IPv4 or IPv6 address");
  id.addr = *a;
  if (!end_text.empty() || at.text.back() == '-') {
    auto b = ip_address::parse(end_text);
    if (!b || b->fam != a->fam)
      fail(at, "bad address range '" + at.text +
                   "'; expected two addresses of the same family joined by '-'");
    id.range_end = b;
  }
  unsigned host = a->fam == ip_address::family::v4 ? 32 : 128;
  id.prefix = host;
  if (peek().kind == tok::slash) {
    next();
    auto pt = peek();
    if (!(pt.kind == tok::word && all_digits(pt.text) && pt.text.size() <= 3))
      fail(pt, "bad prefix length after '/'; expected a number from 0 to " + std::to_string(host));
    unsigned v = static_cast<unsigned>(std::stoul(pt.text));
    if (v > host)
      fail(pt, "bad prefix /" + pt.text + " for an " +
                   (host == 32 ? std::string("IPv4") : std::string("IPv6")) +
                   " address; expected 0 to " + std::to_string(host));
    next();
    id.prefix = v;
  }
  if (peek().kind == tok::lbracket) {
    next();
    if (at_word("any"))
      next();
    else
      id.port = static_cast<std::uint16_t>(number("port", 0, 65535));
    expect(tok::rbracket, "']' after the port");
  }
  auto pr = expect_word("an upper-layer protocol (any, esp, ah, ipcomp, icmp, icmp6, tcp, udp, "
                        "gre or a number)");
  bool found = false;
  for (auto& p : protos)
    if (p.name == pr.text) {
      id.ulproto = p.number;
      found = true;
    }
  if (!found) {
    if (!all_digits(pr.text) || pr.text.size() > 3 || std::stoul(pr.text) > 255)
      fail(pr, "bad upper-layer protocol '" + pr.text +
                   "'; expected any, esp, ah, ipcomp, icmp, icmp6, tcp, udp, gre or 0 to 255");
    id.ulproto = static_cast<std::uint16_t>(std::stoul(pr.text));
  }
  if ((id.ulproto == 1 || id.ulproto == 58) && id.port != 0)
    fail(pr, "a port is given with " + pr.text + "; expected [any] for ICMP");
  return id;
}

void parser::parse_sainfo(const token& kw) {
  sainfo_block s;
  bool dummy = false;
  if (at_word("anonymous") &&
      (peek(1).kind == tok::lbrace ||
       (peek(1).kind == tok::word && (peek(1).text == "from" || peek(1).text == "group")))) {
    next();
  } else {
    s.local = parse_sainfo_id(dummy, false);
    auto second = peek();
    s.remote = parse_sainfo_id(s.remote_clientaddr, true);
    if (!s.local && !s.remote && !s.remote_clientaddr)
      fail(second, "a sainfo may have only one anonymous side; expected 'sainfo anonymous' for "
                   "both, or an ID on one side");
  }
  if (at_word("from")) {
    auto f = next();
    s.from = parse_identifier(f, true);
  }
  if (at_word("group")) {
    next();
    s.group = expect_string("the XAuth group name");
  }
  for (std::size_t i = 0; i < st.cfg.sainfos.size(); ++i) {
    const auto& o = st.cfg.sainfos[i];
    if (o.local == s.local && o.remote == s.remote && o.remote_clientaddr == s.remote_clientaddr &&
        o.from == s.from && o.group == s.group)
      fail(kw, "duplicate sainfo (the same IDs were first given at " + where(st.sainfo_locs[i]) +
                   "); expected each sainfo once");
  }
  auto open = expect(tok::lbrace, "'{' to open the sainfo block");
  bool have_enc = false, have_auth = false, have_comp = false;
  while (!accept(tok::rbrace)) {
    if (peek().kind == tok::end)
      fail(open, "unterminated sainfo block; expected '}' to close this '{'");
    auto t = expect_word("a sainfo directive");
    const std::string& w = t.text;
    if (w == "pfs_group") {
      auto v = expect_word("a DH group");
      auto g = dh_group_from(v.text);
      if (!g)
        fail(v, "bad pfs_group '" + v.text +
                    "'; expected modp768 ... modp8192 or their numbers 1, 2, 5, 14-18");
      s.pfs_group = g;
    } else if (w == "lifetime") {
      s.lifetime = lifetime("lifetime");
    } else if (w == "remoteid") {
      s.remoteid = number("remoteid", 0, 0x7fffffff);
    } else if (w == "encryption_algorithm") {
      s.encryption.clear();
      do {
        auto v = expect_word("an ESP encryption algorithm");
        std::string n = v.text == "rijndael" ? "aes" : v.text == "null" ? "null_enc" : v.text;
        auto e = enum_from<esp_cipher>(n, 14);
        if (!e)
          fail(v,
               "bad encryption_algorithm '" + v.text + "'; expected " + enum_list<esp_cipher>(14));
        sainfo_block::cipher c{*e, 0};
        if (peek().kind == tok::word && all_digits(peek().text)) {
          auto bt = peek();
          c.key_bits = number("key length", 1, 1024);
          if (auto msg = esp_key_bits_error(c.alg, c.key_bits); !msg.empty())
            fail(bt, "key length " + bt.text + " is not valid for " + v.text + "; " + msg);
        }
        s.encryption.push_back(c);
      } while (accept(tok::comma));
      have_enc = true;
    } else if (w == "authentication_algorithm") {
      s.authentication.clear();
      do {
        auto v = expect_word("an authentication algorithm");
        auto e = enum_from<esp_auth>(v.text, 6);
        if (!e)
          fail(v,
               "bad authentication_algorithm '" + v.text + "'; expected " + enum_list<esp_auth>(6));
        s.authentication.push_back(*e);
      } while (accept(tok::comma));
      have_auth = true;
    } else if (w == "compression_algorithm") {
      s.compression.clear();
      do {
        auto v = expect_word("a compression algorithm");
        auto e = enum_from<ipcomp_alg>(v.text, 3);
        if (!e)
          fail(v, "bad compression_algorithm '" + v.text + "'; expected oui, deflate or lzs");
        s.compression.push_back(*e);
      } while (accept(tok::comma));
      have_comp = true;
    } else {
      unknown(t, "a sainfo block",
              "pfs_group, lifetime, remoteid, encryption_algorithm, authentication_algorithm or "
              "compression_algorithm");
    }
    expect_semi(t);
  }
  const char* missing = !have_enc    ? "encryption_algorithm"
                        : !have_auth ? "authentication_algorithm"
                        : !have_comp ? "compression_algorithm"
                                     : nullptr;
  if (missing)
    fail(kw, std::string("sainfo lacks ") + missing +
                 "; expected encryption_algorithm, authentication_algorithm and "
                 "compression_algorithm in every sainfo");
  st.cfg.sainfos.push_back(std::move(s));
  st.sainfo_locs.push_back(loc(kw));
}

} // namespace coati::config::detail
