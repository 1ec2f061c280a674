#include "ddns/update.hpp"

#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <netinet/in.h>
#include <poll.h>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "crypto/random.hpp"

namespace coati::ddns {

namespace {

/// Tokens of bind's named.conf syntax: words, quoted strings, { } ;, comments skipped.
std::vector<std::string> conf_tokens(std::string_view t) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < t.size()) {
    char c = t[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '#' || (c == '/' && i + 1 < t.size() && t[i + 1] == '/')) {
      while (i < t.size() && t[i] != '\n')
        ++i;
    } else if (c == '/' && i + 1 < t.size() && t[i + 1] == '*') {
      auto end = t.find("*/", i + 2);
      i = end == std::string_view::npos ? t.size() : end + 2;
    } else if (c == '{' || c == '}' || c == ';') {
      out.emplace_back(1, c);
      ++i;
    } else if (c == '"') {
      auto end = t.find('"', i + 1);
      if (end == std::string_view::npos)
        end = t.size();
      out.push_back("\"" + std::string(t.substr(i + 1, end - i - 1)));
      i = end + 1;
    } else {
      auto start = i;
      while (i < t.size() && !std::isspace(static_cast<unsigned char>(t[i])) && t[i] != ';' &&
             t[i] != '{' && t[i] != '}' && t[i] != '"')
        ++i;
      out.emplace_back(t.substr(start, i - start));
    }
  }
  return out;
}

std::string unquote(const std::string& s) {
  return !s.empty() && s[0] == '"' ? s.substr(1) : s;
}

struct pkt_free {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using pkt_ptr = std::unique_ptr<ldns_pkt, pkt_free>;

ldns_rdf* dname(const std::string& name) {
  auto* r = ldns_dname_new_frm_str((name + ".").c_str());
  if (r == nullptr)
    throw std::invalid_argument("not a DNS name: " + name);
  return r;
}

ldns_rr* make_rr(const rr_change& c) {
  if (!c.add) { // delete an RRset: class ANY, TTL 0, no data (RFC 2136 2.5.2)
    ldns_rr* rr = ldns_rr_new();
    ldns_rr_set_owner(rr, dname(c.name));
    ldns_rr_set_type(rr, static_cast<ldns_rr_type>(c.type));
    ldns_rr_set_class(rr, LDNS_RR_CLASS_ANY);
    ldns_rr_set_ttl(rr, 0);
    return rr;
  }
  std::string text = c.name + ". " + std::to_string(c.ttl) + " IN " +
                     (c.type == rr_type::a ? "A " + c.data : "PTR " + c.data + ".");
  ldns_rr* rr = nullptr;
  if (ldns_rr_new_frm_str(&rr, text.c_str(), 0, nullptr, nullptr) != LDNS_STATUS_OK)
    throw std::invalid_argument("not a record: " + text);
  return rr;
}

pkt_ptr make_packet(const update_msg& m, std::uint16_t id) {
  ldns_rr_list* up = ldns_rr_list_new();
  for (const auto& c : m.changes) {
    try {
      ldns_rr_list_push_rr(up, make_rr(c));
    } catch (...) {
      ldns_rr_list_deep_free(up);
      throw;
    }
  }
  ldns_rdf* zone = nullptr;
  try {
    zone = dname(m.zone);
  } catch (...) {
    ldns_rr_list_deep_free(up);
    throw;
  }
  pkt_ptr p{ldns_update_pkt_new(zone, LDNS_RR_CLASS_IN, nullptr, up, nullptr)};
  ldns_rr_list_deep_free(up); // the packet holds a copy
  if (!p)
    throw std::invalid_argument("ldns could not build the UPDATE for " + m.zone);
  ldns_pkt_set_rd(p.get(), false); // Z bits in an UPDATE header: zero (RFC 2136 2.2)
  ldns_pkt_set_id(p.get(), id);
  return p;
}

std::string algorithm_name(const tsig_key& k) {
  return k.algorithm.ends_with(".") ? k.algorithm : k.algorithm + ".";
}

const char* key_text(const tsig_key& k) {
  return reinterpret_cast<const char*>(k.data.data());
}

std::vector<std::uint8_t> to_wire(const ldns_pkt* p) {
  std::uint8_t* buf = nullptr;
  std::size_t size = 0;
  if (ldns_pkt2wire(&buf, p, &size) != LDNS_STATUS_OK)
    throw std::invalid_argument("ldns could not write the UPDATE");
  std::vector<std::uint8_t> out(buf, buf + size);
  LDNS_FREE(buf);
  return out;
}

/// The TSIG error field (RFC 8945 4.2) of an answer's TSIG record; 0 when none.
std::uint16_t tsig_error(const ldns_pkt* p) {
  const ldns_rr* t = ldns_pkt_tsig(p);
  if (t == nullptr || ldns_rr_rd_count(t) < 6)
    return 0;
  return ldns_rdf2native_int16(ldns_rr_rdf(t, 5));
}

outcome judge(const std::vector<std::uint8_t>& wire, std::uint16_t id, const tsig_key* key,
              const std::vector<std::uint8_t>& mac) {
  ldns_pkt* raw = nullptr;
  if (ldns_wire2pkt(&raw, wire.data(), wire.size()) != LDNS_STATUS_OK)
    return {outcome::kind::other, "malformed answer"};
  pkt_ptr p{raw};
  if (ldns_pkt_id(p.get()) != id || !ldns_pkt_qr(p.get()))
    return {outcome::kind::other, "answer with a different id"};
  auto rcode = ldns_pkt_get_rcode(p.get());
  switch (tsig_error(p.get())) {
  case 16:
    return {outcome::kind::badsig, "TSIG error BADSIG: the server's key differs from ours"};
  case 17:
    return {outcome::kind::badkey, "TSIG error BADKEY: the server does not know key \"" +
                                       (key ? key->name : std::string{}) + "\""};
  case 18:
    return {outcome::kind::badtime, "TSIG error BADTIME: the clocks differ too much"};
  default:
    break;
  }
  switch (rcode) {
  case LDNS_RCODE_NOERROR:
    break;
  case LDNS_RCODE_NOTAUTH:
    return {outcome::kind::notauth, "NOTAUTH: the server does not accept this update (not "
                                    "authoritative for the zone, or the key is not allowed)"};
  case LDNS_RCODE_REFUSED:
    return {outcome::kind::refused, "REFUSED: the server's update policy refuses it"};
  case LDNS_RCODE_SERVFAIL:
    return {outcome::kind::servfail, "SERVFAIL"};
  default: {
    auto* s = ldns_pkt_rcode2str(rcode);
    std::string name = s ? s : "rcode " + std::to_string(rcode);
    LDNS_FREE(s);
    return {outcome::kind::other, name};
  }
  }
  if (key != nullptr && !verify_tsig(wire, *key, mac))
    return {outcome::kind::badsig, "the answer's TSIG signature does not verify"};
  return {outcome::kind::ok, "NOERROR"};
}

} // namespace

std::optional<tsig_key> parse_key(std::string_view text, std::string& why) {
  auto t = conf_tokens(text);
  for (std::size_t i = 0; i + 2 < t.size(); ++i) {
    if (t[i] != "key" || t[i + 2] != "{")
      continue;
    tsig_key k;
    k.name = unquote(t[i + 1]);
    std::string secret;
    for (std::size_t j = i + 3; j + 1 < t.size() && t[j] != "}"; ++j) {
      if (t[j] == "algorithm")
        k.algorithm = unquote(t[j + 1]);
      else if (t[j] == "secret")
        secret = unquote(t[j + 1]);
    }
    // the secret's text goes into wiping memory; `secret` itself is wiped below
    k.data = crypto::secret_bytes::from_string(secret);
    k.data.resize(k.data.size() + 1);
    crypto::detail::wipe(secret.data(), secret.size());
    if (k.name.empty())
      why = "the key has no name";
    else if (k.algorithm.empty())
      why = "key \"" + k.name + "\" has no algorithm";
    else if (!k.algorithm.starts_with("hmac-"))
      why = "key \"" + k.name + "\" has algorithm " + k.algorithm +
            "; expected an HMAC "
            "(hmac-sha256)";
    else if (k.data.size() <= 1)
      why = "key \"" + k.name + "\" has no secret";
    else
      return k;
    return std::nullopt;
  }
  why = "no 'key \"NAME\" { algorithm ...; secret \"...\"; };' statement";
  return std::nullopt;
}

std::optional<tsig_key> load_key(const std::string& path, std::string& why) {
  std::ifstream in(path);
  if (!in) {
    why = "cannot read " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  auto k = parse_key(text, why);
  crypto::detail::wipe(text.data(), text.size());
  if (!k)
    why = path + ": " + why;
  return k;
}

std::vector<std::uint8_t> build_update(const update_msg& m, std::uint16_t id, const tsig_key* key,
                                       std::vector<std::uint8_t>* mac) {
  auto p = make_packet(m, id);
  if (key != nullptr) {
    // ldns decodes the secret into memory of its own for the HMAC and frees it unwiped.
    auto alg = algorithm_name(*key);
    if (ldns_pkt_tsig_sign(p.get(), key->name.c_str(), key_text(*key), 300, alg.c_str(), nullptr) !=
        LDNS_STATUS_OK)
      throw std::invalid_argument("ldns could not sign with key \"" + key->name + "\" (" +
                                  key->algorithm + ")");
    if (mac != nullptr) {
      const ldns_rdf* r = ldns_rr_rdf(ldns_pkt_tsig(p.get()), 3);
      // the MAC rdf is a length-prefixed field (int16 data): skip the 2 length bytes
      const auto* d = ldns_rdf_data(r);
      auto n = ldns_rdf_size(r);
      mac->assign(d + (n >= 2 ? 2 : 0), d + n);
    }
  }
  return to_wire(p.get());
}

bool verify_tsig(const std::vector<std::uint8_t>& wire, const tsig_key& key,
                 const std::vector<std::uint8_t>& request_mac) {
  ldns_pkt* raw = nullptr;
  if (ldns_wire2pkt(&raw, wire.data(), wire.size()) != LDNS_STATUS_OK)
    return false;
  pkt_ptr p{raw};
  ldns_rdf* mac = nullptr;
  if (!request_mac.empty()) {
    std::vector<std::uint8_t> field{static_cast<std::uint8_t>(request_mac.size() >> 8),
                                    static_cast<std::uint8_t>(request_mac.size() & 0xff)};
    field.insert(field.end(), request_mac.begin(), request_mac.end());
    mac = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, field.size(), field.data());
  }
  bool ok =
      ldns_pkt_tsig_verify(p.get(), wire.data(), wire.size(), key.name.c_str(), key_text(key), mac);
  if (mac != nullptr)
    ldns_rdf_deep_free(mac);
  return ok;
}

std::string_view kind_name(outcome::kind k) {
  switch (k) {
  case outcome::kind::ok:
    return "ok";
  case outcome::kind::timeout:
    return "timeout";
  case outcome::kind::network:
    return "network";
  case outcome::kind::badsig:
    return "badsig";
  case outcome::kind::badkey:
    return "badkey";
  case outcome::kind::badtime:
    return "badtime";
  case outcome::kind::notauth:
    return "notauth";
  case outcome::kind::refused:
    return "refused";
  case outcome::kind::servfail:
    return "servfail";
  case outcome::kind::other:
    break;
  }
  return "other";
}

outcome send_update(const update_msg& m, const std::string& server, std::uint16_t port,
                    const tsig_key* key, std::chrono::milliseconds limit) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family = AF_INET;
  if (auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
      ::inet_pton(AF_INET, server.c_str(), &s4->sin_addr) == 1) {
    s4->sin_family = AF_INET;
    s4->sin_port = htons(port);
    len = sizeof *s4;
  } else if (auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
             ::inet_pton(AF_INET6, server.c_str(), &s6->sin6_addr) == 1) {
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
    len = sizeof *s6;
    family = AF_INET6;
  } else {
    return {outcome::kind::network, "bad server address " + server};
  }
  auto id = static_cast<std::uint16_t>(crypto::random_u32());
  std::vector<std::uint8_t> mac;
  std::vector<std::uint8_t> wire;
  try {
    wire = build_update(m, id, key, &mac);
  } catch (const std::exception& e) {
    return {outcome::kind::other, e.what()};
  }
  int fd = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return {outcome::kind::network, std::string{"socket: "} + std::strerror(errno)};
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } guard{fd};
  if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 ||
      ::send(fd, wire.data(), wire.size(), 0) < 0)
    return {outcome::kind::network, std::string{"send: "} + std::strerror(errno)};
  auto deadline = std::chrono::steady_clock::now() + limit;
  std::vector<std::uint8_t> buf(65535);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return {outcome::kind::timeout, "no answer within " + std::to_string(limit.count()) + " ms"};
    pollfd pfd{fd, POLLIN, 0};
    int r = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR)
      continue;
    if (r == 0)
      continue;
    auto n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return {outcome::kind::network, std::string{"receive: "} + std::strerror(errno)};
    }
    std::vector<std::uint8_t> answer(buf.begin(), buf.begin() + n);
    auto o = judge(answer, id, key, mac);
    if (o.what == outcome::kind::other && o.text == "answer with a different id")
      continue; // a stray datagram: keep waiting
    return o;
  }
}

std::string forward_name(std::string_view pattern, std::string_view user, std::string_view zone) {
  std::string u;
  for (char c : user) {
    auto l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    u += (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '-' ? l : '-';
  }
  if (u.empty())
    return {};
  std::string host;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '%' && i + 1 < pattern.size() && pattern[i + 1] == 'u') {
      host += u;
      ++i;
    } else {
      host += pattern[i];
    }
  }
  std::string name = host + "." + std::string(zone);
  std::size_t label = 0;
  for (char c : name) {
    label = c == '.' ? 0 : label + 1;
    if (label > 63)
      return {};
  }
  return name.size() > 253 ? std::string{} : name;
}

std::string reverse_name(std::string_view ipv4) {
  in_addr a{};
  std::string text(ipv4);
  if (::inet_pton(AF_INET, text.c_str(), &a) != 1)
    return {};
  const auto* b = reinterpret_cast<const std::uint8_t*>(&a.s_addr);
  return std::to_string(b[3]) + "." + std::to_string(b[2]) + "." + std::to_string(b[1]) + "." +
         std::to_string(b[0]) + ".in-addr.arpa";
}

bool in_zone(std::string_view name, std::string_view zone) {
  auto lower = [](std::string_view s) {
    std::string o(s);
    for (auto& c : o)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return o;
  };
  auto n = lower(name);
  auto z = lower(zone);
  return n == z || (n.size() > z.size() && n.ends_with(z) && n[n.size() - z.size() - 1] == '.');
}

} // namespace coati::ddns
