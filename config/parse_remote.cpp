// `remote` blocks (all three header forms, inherit) and their `proposal` sub-blocks.

#include "config/parser.hpp"

namespace coati::config::detail {

namespace {

constexpr std::string_view remote_words =
    "remote_address, exchange_mode, doi, situation, my_identifier, peers_identifier, "
    "verify_identifier, xauth_login, certificate_type, ca_type, peers_certfile, send_cert, "
    "send_cr, verify_cert, match_empty_cr, lifetime, initial_contact, passive, support_proxy, "
    "nonce_size, proposal_check, generate_policy, nat_traversal, ike_frag, esp_frag, dpd, "
    "dpd_delay, dpd_retry, dpd_maxfail, rekey, script, mode_cfg, weak_phase1_check, ph1id or "
    "proposal";

std::string where(const location& l) {
  return l.src ? l.src->name + ":" + std::to_string(l.line) + ":" + std::to_string(l.column)
               : std::string("?");
}

} // namespace

void parser::parse_remote(const token& kw) {
  remote_block r;
  auto head = peek();
  std::uint16_t port = 0;
  std::optional<ip_address> addr;
  if (head.kind == tok::string) {
    next();
    r.name = head.text;
    if (r.name.empty())
      fail(head, "empty remote name; expected a name, an address or anonymous");
  } else if (head.kind == tok::word && head.text == "anonymous") {
    next();
    r.name = "anonymous";
    port = optional_port();
  } else if (head.kind == tok::word && ip_address::parse(head.text)) {
    addr = address("remote");
    r.name = addr->to_string();
    port = optional_port();
  } else {
    fail(head, "expected a remote name (quoted), an IP address or anonymous after 'remote', "
               "found " +
                   (head.kind == tok::end ? std::string("end of file") : "'" + head.text + "'"));
  }
  for (std::size_t i = 0; i < st.cfg.remotes.size(); ++i)
    if (st.cfg.remotes[i].name == r.name)
      fail(head, "duplicate remote \"" + r.name + "\" (first defined at " +
                     where(st.remote_locs[i].header) + "); expected each remote name once");
  remote_places places;
  if (at_word("inherit")) {
    next();
    auto pt = peek();
    std::string parent;
    if (pt.kind == tok::string) {
      parent = next().text;
    } else if (pt.kind == tok::word && pt.text == "anonymous") {
      parent = next().text;
    } else if (pt.kind == tok::word && ip_address::parse(pt.text)) {
      parent = address("inherit").to_string();
    } else {
      fail(pt, "expected the name of a remote to inherit from, found " +
                   (pt.kind == tok::end ? std::string("end of file") : "'" + pt.text + "'"));
    }
    bool found = false;
    for (std::size_t i = 0; i < st.cfg.remotes.size(); ++i) {
      if (st.cfg.remotes[i].name == parent) {
        r = st.cfg.remotes[i];
        places = st.remote_locs[i];
        found = true;
      }
    }
    if (!found)
      fail(pt, "inherit: no remote \"" + parent +
                   "\" is defined before this one; expected the name of an earlier remote");
    r.inherits = parent;
    r.name = head.kind == tok::string ? head.text : addr ? addr->to_string() : "anonymous";
  }
  if (addr) {
    r.address = addr;
    r.port = port;
  } else if (head.kind != tok::string) {
    r.address.reset();
    r.port = port;
  }
  places.header = loc(head);
  if (auto semi = peek(); accept(tok::semi)) {
    if (r.inherits.empty())
      fail(semi, "a remote without a body must inherit; expected '{'");
  } else {
    remote_body(r, places);
  }
  if (r.exchange_modes.empty())
    fail(head,
         "remote \"" + r.name + "\" has no exchange_mode; expected e.g. 'exchange_mode main;'");
  if (r.proposals.empty())
    fail(head, "remote \"" + r.name +
                   "\" has no proposal; expected at least one 'proposal { ... }' block");
  (void)kw;
  st.cfg.remotes.push_back(std::move(r));
  st.remote_locs.push_back(std::move(places));
}

void parser::remote_body(remote_block& r, remote_places& pl) {
  auto open = expect(tok::lbrace, "'{' to open the remote block");
  bool own_proposals = false, own_peers = false;
  while (!accept(tok::rbrace)) {
    if (peek().kind == tok::end)
      fail(open, "unterminated remote block; expected '}' to close this '{'");
    auto t = expect_word("a remote directive");
    const std::string& w = t.text;
    auto pick_tristate = [&](std::string_view what) {
      auto v = expect_word(std::string(what) + " value");
      auto e = enum_from<tristate>(v.text, 3);
      if (!e)
        fail(v, "bad " + std::string(what) + " value '" + v.text + "'; expected on, off or force");
      return *e;
    };
    if (w == "proposal") {
      if (!own_proposals) {
        r.proposals.clear();
        pl.proposal.clear();
        pl.proposal_dh.clear();
        pl.proposal_auth.clear();
        own_proposals = true;
      }
      pl.proposal.push_back(loc(t));
      r.proposals.push_back(parse_proposal(pl));
      continue;
    }
    if (w == "remote_address") {
      r.address = address("remote_address");
      r.port = optional_port();
    } else if (w == "exchange_mode") {
      pl.exchange_mode = loc(t);
      r.exchange_modes.clear();
      do {
        auto m = expect_word("an exchange mode");
        auto e = enum_from<exchange_mode>(m.text, 3);
        if (!e)
          fail(m, "bad exchange mode '" + m.text + "'; expected main, aggressive or base");
        for (auto x : r.exchange_modes)
          if (x == *e)
            fail(m, "exchange mode '" + m.text + "' is listed twice; expected each mode once");
        r.exchange_modes.push_back(*e);
      } while (accept(tok::comma));
    } else if (w == "doi") {
      auto v = expect_word("ipsec_doi");
      if (v.text != "ipsec_doi")
        fail(v, "bad doi '" + v.text + "'; expected ipsec_doi");
    } else if (w == "situation") {
      auto v = expect_word("a situation");
      auto e = enum_from<situation>(v.text, 3);
      if (!e)
        fail(v, "bad situation '" + v.text + "'; expected identity_only, secrecy or integrity");
      r.sit = *e;
    } else if (w == "my_identifier") {
      pl.my_identifier = loc(t);
      r.my_identifier = parse_identifier(t, false);
      if (r.my_identifier->type == identifier::kind::keyid_file)
        pl.keyid = pl.my_identifier;
    } else if (w == "peers_identifier") {
      if (!own_peers)
        r.peers_identifiers.clear();
      own_peers = true;
      r.peers_identifiers.push_back(parse_identifier(t, true));
    } else if (w == "verify_identifier") {
      r.verify_identifier = on_off(w);
    } else if (w == "xauth_login") {
      r.xauth_login = expect_string("the xauth login name");
    } else if (w == "certificate_type") {
      auto ty = expect_word("x509 or plain_rsa");
      remote_block::certificate c;
      if (ty.text == "x509") {
        pl.cert = loc(peek());
        c.cert = path_arg("certificate file");
        pl.key = loc(peek());
        c.key = path_arg("private key file");
      } else if (ty.text == "plain_rsa") {
        warn_unimplemented(ty, "plain_rsa");
        c.type = cert_type::plain_rsa;
        pl.key = loc(peek());
        c.key = path_arg("private key file");
        r.send_cert = r.send_cr = r.verify_cert = false;
      } else {
        fail(ty, "bad certificate_type '" + ty.text + "'; expected x509 or plain_rsa");
      }
      r.certificate_type = c;
    } else if (w == "ca_type") {
      auto ty = expect_word("x509");
      if (ty.text != "x509")
        fail(ty, "bad ca_type '" + ty.text + "'; expected x509");
      pl.ca = loc(peek());
      r.ca_file = path_arg("CA certificate file");
    } else if (w == "peers_certfile") {
      remote_block::peers_cert pc;
      auto ty = peek();
      if (ty.kind == tok::string) {
        pl.peers_cert = loc(ty);
        pc.file = path_arg("peer certificate file");
      } else {
        ty = expect_word("x509, plain_rsa or dnssec");
        if (ty.text == "dnssec") {
          warn_unimplemented(ty, "peers_certfile dnssec");
          pc.type = remote_block::peers_cert::kind::dnssec;
        } else if (ty.text == "x509" || ty.text == "plain_rsa") {
          if (ty.text == "plain_rsa") {
            warn_unimplemented(ty, "plain_rsa");
            pc.type = remote_block::peers_cert::kind::plain_rsa;
          }
          pl.peers_cert = loc(peek());
          pc.file = path_arg("peer certificate file");
        } else {
          fail(ty, "bad peers_certfile type '" + ty.text + "'; expected x509, plain_rsa or dnssec");
        }
      }
      r.peers_certfile = pc;
    } else if (w == "send_cert") {
      r.send_cert = on_off(w);
    } else if (w == "send_cr") {
      r.send_cr = on_off(w);
    } else if (w == "verify_cert") {
      r.verify_cert = on_off(w);
    } else if (w == "match_empty_cr") {
      r.match_empty_cr = on_off(w);
    } else if (w == "lifetime") {
      r.lifetime = lifetime("lifetime");
    } else if (w == "initial_contact") {
      r.initial_contact = on_off(w);
    } else if (w == "passive") {
      r.passive = on_off(w);
    } else if (w == "support_proxy") {
      r.support_proxy = on_off(w);
    } else if (w == "nonce_size") {
      r.nonce_size = number("nonce_size", 8, 256);
    } else if (w == "proposal_check") {
      auto v = expect_word("a proposal_check mode");
      auto e = enum_from<proposal_check_mode>(v.text, 4);
      if (!e)
        fail(v, "bad proposal_check '" + v.text + "'; expected obey, strict, claim or exact");
      r.proposal_check = *e;
    } else if (w == "generate_policy") {
      auto v = expect_word("generate_policy value");
      auto e = enum_from<generate_policy_mode>(v.text, 4);
      if (!e)
        fail(v, "bad generate_policy value '" + v.text + "'; expected on, off, require or unique");
      r.generate_policy = *e;
    } else if (w == "nat_traversal") {
      r.nat_traversal = pick_tristate(w);
    } else if (w == "ike_frag") {
      r.ike_frag = pick_tristate(w);
    } else if (w == "esp_frag") {
      warn_unimplemented(t, "esp_frag");
      r.esp_frag = number("esp_frag", 552, 65535);
    } else if (w == "dpd") {
      r.dpd = on_off(w);
    } else if (w == "dpd_delay") {
      r.dpd_delay = number(w, 0, 86400);
    } else if (w == "dpd_retry") {
      r.dpd_retry = number(w, 1, 86400);
    } else if (w == "dpd_maxfail") {
      r.dpd_maxfail = number(w, 1, 1000);
    } else if (w == "rekey") {
      r.rekey = pick_tristate(w);
    } else if (w == "script") {
      auto at = loc(peek());
      auto file = path_arg("script file");
      auto ev = expect_word("phase1_up, phase1_down or phase1_dead");
      int i = ev.text == "phase1_up"     ? 0
              : ev.text == "phase1_down" ? 1
              : ev.text == "phase1_dead" ? 2
                                         : -1;
      if (i < 0)
        fail(ev,
             "bad script event '" + ev.text + "'; expected phase1_up, phase1_down or phase1_dead");
      pl.scripts[i] = at;
      (i == 0 ? r.script_phase1_up : i == 1 ? r.script_phase1_down : r.script_phase1_dead) = file;
    } else if (w == "mode_cfg") {
      r.mode_cfg = on_off(w);
    } else if (w == "weak_phase1_check") {
      r.weak_phase1_check = on_off(w);
    } else if (w == "ph1id") {
      r.ph1id = number(w, 0, 0x7fffffff);
    } else if (w == "dh_group" || w == "encryption_algorithm" || w == "hash_algorithm" ||
               w == "authentication_method") {
      fail(t, "'" + w + "' belongs in a proposal block; expected it inside 'proposal { ... }'");
    } else {
      unknown(t, "a remote block", remote_words);
    }
    expect_semi(t);
  }
}

identifier parser::parse_identifier(const token& kw, bool peers) {
  identifier id;
  auto ty = expect_word("an identifier type");
  const std::string& k = ty.text;
  if (k == "address") {
    id.type = identifier::kind::address;
    auto v = peek();
    if (v.kind == tok::string || (v.kind == tok::word && v.kind != tok::semi)) {
      auto a = ip_address::parse(v.text);
      if (!a)
        fail(v, "bad IP address '" + v.text + "' for " + kw.text +
                    "; expected an IPv4 or IPv6 address");
      id.addr = a;
      next();
    } else if (peers) {
      fail(v, "expected an address for " + kw.text + " address, found " +
                  (v.kind == tok::end ? std::string("end of file") : "'" + v.text + "'"));
    }
  } else if (k == "fqdn" || k == "user_fqdn") {
    id.type = k == "fqdn" ? identifier::kind::fqdn : identifier::kind::user_fqdn;
    id.value = expect_string(kw.text + " " + k + " value");
  } else if (k == "keyid") {
    id.type = identifier::kind::keyid_file;
    if (at_word("tag")) {
      next();
      id.type = identifier::kind::keyid_tag;
      id.value = expect_string("the keyid tag");
    } else {
      if (at_word("file"))
        next();
      id.value = path_arg("keyid file");
    }
  } else if (k == "asn1dn") {
    id.type = identifier::kind::asn1dn;
    if (peek().kind == tok::string)
      id.value = next().text;
  } else {
    fail(ty, "bad identifier type '" + k + "'; expected address, fqdn, user_fqdn, keyid or asn1dn");
  }
  return id;
}

} // namespace coati::config::detail
