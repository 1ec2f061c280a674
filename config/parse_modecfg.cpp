// `mode_cfg`, `ldapcfg` and `radiuscfg` blocks.

#include "config/parser.hpp"

namespace coati::config::detail {

ip_address parser::ipv4(std::string_view what) {
  auto t = peek();
  auto a = address(what);
  if (a.fam != ip_address::family::v4)
    fail(t, "bad address '" + t.text + "' for " + std::string(what) + "; expected an IPv4 address");
  return a;
}

/// `dns4 A[, B...]` / `wins4` / `nbns4` (appended to `list`: racoon allows several lines).
void parser::server_list(const token& kw, std::vector<ip_address>& list) {
  bool dns = kw.text == "dns4";
  std::size_t max = dns ? 3 : 4;
  do {
    auto at = peek();
    list.push_back(ipv4(kw.text));
    if (list.size() > max)
      fail(at, "too many " + std::string(dns ? "dns4" : "wins4") + " servers; expected at most " +
                   std::to_string(max));
  } while (accept(tok::comma));
}

/// `split_network include|local_lan NET/LEN[, ...]` (one type per block).
void parser::split_networks(std::optional<split_type>& type, std::vector<prefix>& nets) {
  auto ty = expect_word("include or local_lan");
  split_type s;
  if (ty.text == "include")
    s = split_type::include;
  else if (ty.text == "local_lan")
    s = split_type::local_lan;
  else
    fail(ty, "bad split_network type '" + ty.text + "'; expected include or local_lan");
  if (type && *type != s)
    fail(ty, "split_network " + ty.text +
                 " conflicts with the earlier split_network type; expected one type only");
  type = s;
  do {
    prefix p;
    p.addr = ipv4("split_network");
    expect(tok::slash, "'/' and a prefix length after the network address");
    p.length = number("prefix length", 0, 32);
    nets.push_back(p);
  } while (accept(tok::comma));
}

/// `group "NAME" { dns4; wins4; split_network; split_dns; default_domain; }` (coati's
/// per-group Mode Config values).
void parser::parse_mode_cfg_group(mode_cfg_block& m) {
  auto at = peek();
  mode_cfg_group g;
  g.name = expect_string("the group name");
  if (g.name.empty())
    fail(at, "empty group name; expected the name of a group");
  for (const auto& o : m.group_values)
    if (o.name == g.name)
      fail(at, "a second mode_cfg group block for \"" + g.name + "\"; expected one per group");
  auto open = expect(tok::lbrace, "'{' to open the group block");
  while (!accept(tok::rbrace)) {
    if (peek().kind == tok::end)
      fail(open, "unterminated group block; expected '}' to close this '{'");
    auto t = expect_word("a group directive");
    const std::string& w = t.text;
    if (w == "dns4" || w == "wins4" || w == "nbns4") {
      auto& list = w == "dns4" ? g.dns4 : g.wins4;
      if (!list)
        list.emplace();
      server_list(t, *list);
    } else if (w == "split_network") {
      split_networks(g.split_network_type, g.split_network);
    } else if (w == "split_dns") {
      if (!g.split_dns)
        g.split_dns.emplace();
      do
        g.split_dns->push_back(expect_string("a split DNS domain"));
      while (accept(tok::comma));
    } else if (w == "default_domain") {
      g.default_domain = expect_string("the default domain");
    } else {
      unknown(t, "a mode_cfg group block",
              "dns4, wins4, nbns4, split_network, split_dns or default_domain");
    }
    expect_semi(t);
  }
  m.group_values.push_back(std::move(g));
}

void parser::parse_mode_cfg() {
  auto open = expect(tok::lbrace, "'{' to open the mode_cfg block");
  mode_cfg_block m = st.cfg.mode_cfg.value_or(mode_cfg_block{});
  while (!accept(tok::rbrace)) {
    if (peek().kind == tok::end)
      fail(open, "unterminated mode_cfg block; expected '}' to close this '{'");
    auto t = expect_word("a mode_cfg directive");
    const std::string& w = t.text;
    if (w == "network4") {
      m.network4 = ipv4(w);
    } else if (w == "netmask4") {
      m.netmask4 = ipv4(w);
    } else if (w == "pool_size") {
      m.pool_size = number(w, 1, 65535);
    } else if (w == "dns4" || w == "wins4" || w == "nbns4") {
      server_list(t, w == "dns4" ? m.dns4 : m.wins4);
    } else if (w == "split_network") {
      split_networks(m.split_network_type, m.split_network);
    } else if (w == "group") {
      parse_mode_cfg_group(m);
      continue; // a block: no ';'
    } else if (w == "split_dns") {
      do
        m.split_dns.push_back(expect_string("a split DNS domain"));
      while (accept(tok::comma));
    } else if (w == "default_domain") {
      m.default_domain = expect_string("the default domain");
    } else if (w == "auth_source") {
      auto v = expect_word("an auth_source");
      auto e = enum_from<auth_source>(v.text, 4);
      if (!e)
        fail(v, "bad auth_source '" + v.text + "'; expected system, radius, pam or ldap");
      if (*e == auth_source::radius)
        warn_unimplemented(v, "auth_source radius");
      if (*e == auth_source::ldap && !st.ldap_use.src)
        st.ldap_use = loc(v);
      m.auth = *e;
    } else if (w == "auth_groups") {
      m.auth_groups.clear();
      do
        m.auth_groups.push_back(expect_string("a group name"));
      while (accept(tok::comma));
    } else if (w == "group_source") {
      auto v = expect_word("a group_source");
      auto e = enum_from<group_source>(v.text, 2);
      if (!e)
        fail(v, "bad group_source '" + v.text + "'; expected system or ldap");
      if (*e == group_source::ldap && !st.ldap_use.src)
        st.ldap_use = loc(v);
      m.groups = *e;
    } else if (w == "conf_source") {
      auto v = expect_word("a conf_source");
      auto e = enum_from<conf_source>(v.text, 3);
      if (!e)
        fail(v, "bad conf_source '" + v.text + "'; expected local, radius or ldap");
      if (*e == conf_source::radius)
        warn_unimplemented(v, "conf_source radius");
      if (*e == conf_source::ldap && !st.ldap_use.src)
        st.ldap_use = loc(v);
      m.conf = *e;
    } else if (w == "accounting") {
      auto v = expect_word("an accounting source");
      auto e = enum_from<accounting>(v.text, 4);
      if (!e)
        fail(v, "bad accounting '" + v.text + "'; expected none, system, radius or pam");
      if (*e == accounting::radius)
        warn_unimplemented(v, "accounting radius");
      if (*e == accounting::pam)
        warn_unimplemented(v, "accounting pam");
      m.acct = *e;
    } else if (w == "auth_throttle") {
      m.auth_throttle = number(w, 0, 3600);
    } else if (w == "pfs_group") {
      m.pfs_group = number(w, 0, 18);
    } else if (w == "save_passwd") {
      m.save_passwd = on_off(w);
    } else if (w == "banner") {
      st.banner = loc(peek());
      m.banner = path_arg("banner file");
    } else {
      unknown(t, "the mode_cfg block",
              "network4, netmask4, pool_size, dns4, wins4, nbns4, split_network, split_dns, "
              "default_domain, auth_source, auth_groups, group_source, conf_source, accounting, "
              "auth_throttle, pfs_group, save_passwd, banner or group");
    }
    expect_semi(t);
  }
  st.cfg.mode_cfg = m;
}

void parser::parse_ldapcfg() {
  auto open = expect(tok::lbrace, "'{' to open the ldapcfg block");
  ldapcfg_block l = st.cfg.ldapcfg.value_or(ldapcfg_block{});
  while (!accept(tok::rbrace)) {
    if (peek().kind == tok::end)
      fail(open, "unterminated ldapcfg block; expected '}' to close this '{'");
    auto t = expect_word("an ldapcfg directive");
    const std::string& w = t.text;
    if (w == "version")
      l.version = number(w, 2, 3);
    else if (w == "host")
      l.host = expect_string("the LDAP host");
    else if (w == "port")
      l.port = number(w, 1, 65535);
    else if (w == "base")
      l.base = expect_string("the search base DN");
    else if (w == "subtree")
      l.subtree = on_off(w);
    else if (w == "bind_dn")
      l.bind_dn = expect_string("the bind DN");
    else if (w == "bind_pw")
      l.bind_pw = expect_string("the bind password");
    else if (w == "attr_user")
      l.attr_user = expect_string("an attribute name");
    else if (w == "attr_addr")
      l.attr_addr = expect_string("an attribute name");
    else if (w == "attr_mask")
      l.attr_mask = expect_string("an attribute name");
    else if (w == "attr_group")
      l.attr_group = expect_string("an attribute name");
    else if (w == "attr_member")
      l.attr_member = expect_string("an attribute name");
    else if (w == "starttls")
      l.starttls = on_off(w);
    else if (w == "tls_cacert") {
      st.ldap_cacert = loc(t);
      l.tls_cacert = path_arg("the CA file of the LDAP server");
    } else
      unknown(t, "the ldapcfg block",
              "version, host, port, base, subtree, bind_dn, bind_pw, attr_user, attr_addr, "
              "attr_mask, attr_group, attr_member, starttls or tls_cacert");
    expect_semi(t);
  }
  st.cfg.ldapcfg = l;
}

void parser::parse_radiuscfg() {
  auto open = expect(tok::lbrace, "'{' to open the radiuscfg block");
  radiuscfg_block r = st.cfg.radiuscfg.value_or(radiuscfg_block{});
  while (!accept(tok::rbrace)) {
    if (peek().kind == tok::end)
      fail(open, "unterminated radiuscfg block; expected '}' to close this '{'");
    auto t = expect_word("a radiuscfg directive");
    const std::string& w = t.text;
    if (w == "auth" || w == "acct") {
      radiuscfg_block::server s;
      s.host = expect_string("the RADIUS server host");
      if (peek().kind == tok::word)
        s.port = static_cast<std::uint16_t>(number("port", 1, 65535));
      s.secret = expect_string("the RADIUS shared secret");
      auto& list = w == "auth" ? r.auth : r.acct;
      if (list.size() >= 5)
        fail(t, "too many RADIUS " + w + " servers; expected at most 5");
      list.push_back(s);
    } else if (w == "timeout") {
      r.timeout = number(w, 1, 3600);
    } else if (w == "retries") {
      r.retries = number(w, 0, 100);
    } else {
      unknown(t, "the radiuscfg block", "auth, acct, timeout or retries");
    }
    expect_semi(t);
  }
  st.cfg.radiuscfg = r;
}

} // namespace coati::config::detail
