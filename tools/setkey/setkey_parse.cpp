#include "tools/setkey/setkey_parse.hpp"

#include <cctype>
#include <charconv>
#include <netdb.h>

namespace coati::setkey {
namespace {

using kernel::direction;
using kernel::ip_address;
using kernel::selector;
using kernel::xfrm_mode;
using kernel::xfrm_proto;

struct bad {
  std::string message;
};

std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
      ++i;
    std::size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j])))
      ++j;
    if (j > i)
      out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

template <class T>
std::optional<T> number(std::string_view s) {
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size())
    return std::nullopt;
  return v;
}

ip_address address(std::string_view s) {
  auto a = ip_address::parse(s);
  if (!a)
    throw bad{"'" + std::string{s} + "' is not an IPv4 or IPv6 address"};
  return *a;
}

/// ADDR[/PREFIX][[PORT|any]]
void range(std::string_view s, ip_address& addr, std::uint8_t& prefix, std::uint16_t& port) {
  port = 0;
  if (auto lb = s.find('['); lb != std::string_view::npos) {
    if (s.back() != ']')
      throw bad{"'" + std::string{s} + "': a port is written [PORT] or [any]"};
    auto p = s.substr(lb + 1, s.size() - lb - 2);
    if (p != "any") {
      auto n = number<std::uint16_t>(p);
      if (!n)
        throw bad{"'" + std::string{p} + "' is not a port number (0-65535) or 'any'"};
      port = *n;
    }
    s = s.substr(0, lb);
  }
  std::optional<unsigned> pfx;
  if (auto sl = s.find('/'); sl != std::string_view::npos) {
    pfx = number<unsigned>(s.substr(sl + 1));
    if (!pfx)
      throw bad{"'" + std::string{s.substr(sl + 1)} + "' is not a prefix length"};
    s = s.substr(0, sl);
  }
  addr = address(s);
  unsigned max = addr.fam == ip_address::family::v4 ? 32 : 128;
  if (pfx && *pfx > max)
    throw bad{"prefix /" + std::to_string(*pfx) + " is longer than the address"};
  prefix = static_cast<std::uint8_t>(pfx.value_or(max));
}

std::uint8_t upper_layer(std::string_view s) {
  if (s == "any")
    return 0;
  if (auto n = number<unsigned>(s); n && *n <= 255)
    return static_cast<std::uint8_t>(*n);
  if (s == "icmp6")
    return 58;
  if (const protoent* pe = getprotobyname(std::string{s}.c_str()); pe != nullptr)
    return static_cast<std::uint8_t>(pe->p_proto);
  // Without /etc/protocols the common ones still work.
  if (s == "icmp")
    return 1;
  if (s == "tcp")
    return 6;
  if (s == "udp")
    return 17;
  if (s == "gre")
    return 47;
  throw bad{"'" + std::string{s} +
            "' is not an upper-layer protocol (any, icmp, tcp, udp, "
            "icmp6, gre or a number)"};
}

xfrm_proto ipsec_proto(std::string_view s) {
  if (s == "esp")
    return xfrm_proto::esp;
  if (s == "ah")
    return xfrm_proto::ah;
  if (s == "ipcomp")
    return xfrm_proto::comp;
  throw bad{"'" + std::string{s} + "' is not an IPsec protocol (esp, ah, ipcomp)"};
}

direction dir_word(std::string_view s) {
  if (s == "in")
    return direction::in;
  if (s == "out")
    return direction::out;
  if (s == "fwd")
    return direction::fwd;
  throw bad{"'" + std::string{s} + "' is not a direction (in, out, fwd)"};
}

/// proto/mode/src-dst/level
kernel::template_spec rule(std::string_view s) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == '/') {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  if (parts.size() < 2 || parts.size() > 4)
    throw bad{"'" + std::string{s} + "': a rule is protocol/mode/src-dst/level"};
  kernel::template_spec t;
  t.proto = ipsec_proto(parts[0]);
  if (parts[1] == "tunnel")
    t.mode = xfrm_mode::tunnel;
  else if (parts[1] == "transport")
    t.mode = xfrm_mode::transport;
  else
    throw bad{"'" + std::string{parts[1]} + "' is not a mode (tunnel, transport)"};
  if (parts.size() > 2 && !parts[2].empty()) {
    auto dash = parts[2].find('-');
    // IPv6 addresses have no '-', so the first one splits the pair.
    if (dash == std::string_view::npos)
      throw bad{"'" + std::string{parts[2]} + "': tunnel end points are written SRC-DST"};
    t.src = address(parts[2].substr(0, dash));
    t.dst = address(parts[2].substr(dash + 1));
  } else if (t.mode == xfrm_mode::tunnel) {
    throw bad{"a tunnel rule needs its end points: " + std::string{parts[0]} + "/tunnel/SRC-DST"};
  }
  std::string_view level = parts.size() > 3 ? parts[3] : "default";
  if (auto colon = level.find(':'); colon != std::string_view::npos) {
    auto id = number<std::uint32_t>(level.substr(colon + 1));
    if (!id)
      throw bad{"'" + std::string{level} + "': unique:ID needs a number"};
    t.reqid = *id;
    level = level.substr(0, colon);
  }
  if (level == "use")
    t.optional = true;
  else if (level != "require" && level != "default" && level != "unique")
    throw bad{"'" + std::string{level} + "' is not a level (default, use, require, unique)"};
  return t;
}

std::vector<operation> spd(const std::vector<std::string>& w, bool add) {
  // spdadd SRC DST UPPER -P DIR POLICY [RULE...]
  if (w.size() < 6 || w[4] != "-P")
    throw bad{w[0] + ": expected SRC DST UPPERSPEC -P DIRECTION POLICY"};
  selector sel;
  range(w[1], sel.src, sel.src_prefix, sel.sport);
  range(w[2], sel.dst, sel.dst_prefix, sel.dport);
  if (sel.src.fam != sel.dst.fam)
    throw bad{w[0] + ": source and destination are of different address families"};
  sel.proto = upper_layer(w[3]);
  kernel::policy_spec p;
  p.sel = sel;
  p.dir = dir_word(w[5]);
  p.priority = priority_for(sel);
  if (add || w.size() > 6) {
    if (w.size() < 7)
      throw bad{"spdadd: expected a policy after the direction (none, discard, ipsec RULE...)"};
    if (w[6] == "discard") {
      p.block = true;
    } else if (w[6] == "ipsec") {
      if (w.size() < 8)
        throw bad{w[0] + ": 'ipsec' needs at least one rule protocol/mode/src-dst/level"};
      for (std::size_t i = 7; i < w.size(); ++i)
        p.templates.push_back(rule(w[i]));
    } else if (w[6] != "none") {
      throw bad{"'" + w[6] + "' is not a policy (none, discard, ipsec)"};
    }
  }
  std::vector<operation> ops{spd_op{add, p}};
  if (p.dir == direction::in) {
    // Linux checks forwarded traffic against fwd policies: a gateway needs the twin.
    p.dir = direction::fwd;
    ops.emplace_back(spd_op{add, p});
  }
  return ops;
}

std::vector<operation> statement_ops(const std::vector<std::string>& w) {
  const std::string& cmd = w[0];
  if (cmd == "spdadd")
    return spd(w, true);
  if (cmd == "spddelete")
    return spd(w, false);
  if (cmd == "deleteall" || cmd == "delete") {
    std::size_t need = cmd == "delete" ? 5 : 4;
    if (w.size() != need)
      throw bad{cmd + ": expected SRC DST PROTOCOL" + (cmd == "delete" ? " SPI" : "")};
    sa_delete_op op;
    op.src = address(w[1]);
    op.dst = address(w[2]);
    op.proto = ipsec_proto(w[3]);
    if (cmd == "delete") {
      std::string_view s = w[4];
      int base = 10;
      if (s.starts_with("0x")) {
        s.remove_prefix(2);
        base = 16;
      }
      std::uint32_t v = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
      if (ec != std::errc{} || p != s.data() + s.size())
        throw bad{"'" + w[4] + "' is not an SPI"};
      op.spi = v;
    }
    return {op};
  }
  if (cmd == "flush") {
    if (w.size() > 2)
      throw bad{"flush: expected at most one protocol"};
    flush_op op;
    if (w.size() == 2)
      op.proto = ipsec_proto(w[1]);
    return {op};
  }
  if (cmd == "spdflush") {
    if (w.size() != 1)
      throw bad{"spdflush takes no arguments"};
    return {flush_op{true, std::nullopt}};
  }
  throw bad{"unknown command '" + cmd +
            "' (this setkey knows spdadd, spddelete, deleteall, delete, flush, spdflush)"};
}

} // namespace

std::uint32_t priority_for(const kernel::selector& sel) {
  return 1000 - static_cast<std::uint32_t>(sel.src_prefix) -
         static_cast<std::uint32_t>(sel.dst_prefix) - (sel.proto != 0 ? 1 : 0);
}

parse_result parse(std::string_view text) {
  parse_result out;
  std::string current;
  unsigned line = 1, start_line = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '#') {
      while (i + 1 < text.size() && text[i + 1] != '\n')
        ++i;
      continue;
    }
    if (c == ';') {
      auto words = split_words(current);
      if (!words.empty()) {
        try {
          out.statements.push_back({start_line, statement_ops(words)});
        } catch (const bad& b) {
          out.errors.push_back({start_line, b.message});
        }
      }
      current.clear();
      start_line = 0;
      continue;
    }
    if (c == '\n')
      ++line;
    if (start_line == 0 && !std::isspace(static_cast<unsigned char>(c)))
      start_line = line;
    current += c;
  }
  if (!split_words(current).empty())
    out.errors.push_back({start_line, "statement not terminated by ';'"});
  return out;
}

} // namespace coati::setkey
