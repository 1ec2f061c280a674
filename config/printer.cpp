// Prints a model as normalized racoon.conf text: includes expanded, inherit kept with
// every value written out, paths as resolved. Parsing the text again gives an equal model.

#include <sstream>

#include "config/parser.hpp"

namespace coati::config {

namespace {

using namespace detail;

std::string q(const std::string& s) {
  return "\"" + s + "\"";
}
const char* onoff(bool b) {
  return b ? "on" : "off";
}
std::string secs(std::chrono::seconds s) {
  return std::to_string(s.count()) + " sec";
}
std::string port(std::uint16_t p) {
  return p ? " [" + std::to_string(p) + "]" : std::string();
}

std::string ident(const identifier& id) {
  switch (id.type) {
  case identifier::kind::address:
    return id.addr ? "address " + q(id.addr->to_string()) : std::string("address");
  case identifier::kind::fqdn:
    return "fqdn " + q(id.value);
  case identifier::kind::user_fqdn:
    return "user_fqdn " + q(id.value);
  case identifier::kind::keyid_file:
    return "keyid file " + q(id.value);
  case identifier::kind::keyid_tag:
    return "keyid tag " + q(id.value);
  case identifier::kind::asn1dn:
    return id.value.empty() ? std::string("asn1dn") : "asn1dn " + q(id.value);
  }
  return {};
}

std::string sa_id(const std::optional<sainfo_id>& id, bool clientaddr) {
  if (!id)
    return clientaddr ? "clientaddr" : "anonymous";
  std::string out(name_of(id->type));
  if (id->type == sainfo_id::kind::fqdn || id->type == sainfo_id::kind::user_fqdn ||
      id->type == sainfo_id::kind::keyid)
    return out + " " + q(id->value);
  out += " " + id->addr.to_string();
  if (id->range_end)
    out += "-" + id->range_end->to_string();
  out += "/" + std::to_string(id->prefix);
  out += id->port ? " [" + std::to_string(id->port) + "]" : std::string(" [any]");
  auto n = proto_to_name(id->ulproto);
  out += " " + (n.empty() ? std::to_string(id->ulproto) : std::string(n));
  return out;
}

template <typename T, typename F>
std::string join(const std::vector<T>& v, F f) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i)
    out += (i ? ", " : "") + f(v[i]);
  return out;
}

void print_remote(std::ostringstream& o, const remote_block& r) {
  if (r.name == "anonymous" && !r.address)
    o << "remote anonymous" << port(r.port);
  else
    o << "remote " << q(r.name);
  if (!r.inherits.empty())
    o << " inherit " << q(r.inherits);
  o << "\n{\n";
  if (r.address)
    o << "\tremote_address " << r.address->to_string() << port(r.port) << ";\n";
  o << "\texchange_mode "
    << join(r.exchange_modes, [](exchange_mode m) { return std::string(name_of(m)); }) << ";\n";
  o << "\tsituation " << name_of(r.sit) << ";\n";
  if (r.my_identifier)
    o << "\tmy_identifier " << ident(*r.my_identifier) << ";\n";
  for (const auto& p : r.peers_identifiers)
    o << "\tpeers_identifier " << ident(p) << ";\n";
  o << "\tverify_identifier " << onoff(r.verify_identifier) << ";\n";
  if (!r.xauth_login.empty())
    o << "\txauth_login " << q(r.xauth_login) << ";\n";
  if (r.certificate_type) {
    if (r.certificate_type->type == cert_type::x509)
      o << "\tcertificate_type x509 " << q(r.certificate_type->cert) << " "
        << q(r.certificate_type->key) << ";\n";
    else
      o << "\tcertificate_type plain_rsa " << q(r.certificate_type->key) << ";\n";
  }
  if (!r.ca_file.empty())
    o << "\tca_type x509 " << q(r.ca_file) << ";\n";
  if (r.peers_certfile) {
    using k = remote_block::peers_cert::kind;
    if (r.peers_certfile->type == k::dnssec)
      o << "\tpeers_certfile dnssec;\n";
    else
      o << "\tpeers_certfile " << (r.peers_certfile->type == k::x509 ? "x509 " : "plain_rsa ")
        << q(r.peers_certfile->file) << ";\n";
  }
  o << "\tsend_cert " << onoff(r.send_cert) << ";\n\tsend_cr " << onoff(r.send_cr)
    << ";\n\tverify_cert " << onoff(r.verify_cert) << ";\n\tmatch_empty_cr "
    << onoff(r.match_empty_cr) << ";\n";
  o << "\tlifetime time " << secs(r.lifetime) << ";\n";
  o << "\tinitial_contact " << onoff(r.initial_contact) << ";\n\tpassive " << onoff(r.passive)
    << ";\n\tsupport_proxy " << onoff(r.support_proxy) << ";\n";
  o << "\tnonce_size " << r.nonce_size << ";\n\tproposal_check " << name_of(r.proposal_check)
    << ";\n\tgenerate_policy " << name_of(r.generate_policy) << ";\n\tnat_traversal "
    << name_of(r.nat_traversal) << ";\n\tike_frag " << name_of(r.ike_frag) << ";\n";
  if (r.esp_frag)
    o << "\tesp_frag " << *r.esp_frag << ";\n";
  o << "\tdpd " << onoff(r.dpd) << ";\n\tdpd_delay " << r.dpd_delay << ";\n\tdpd_retry "
    << r.dpd_retry << ";\n\tdpd_maxfail " << r.dpd_maxfail << ";\n\trekey " << name_of(r.rekey)
    << ";\n";
  if (!r.script_phase1_up.empty())
    o << "\tscript " << q(r.script_phase1_up) << " phase1_up;\n";
  if (!r.script_phase1_down.empty())
    o << "\tscript " << q(r.script_phase1_down) << " phase1_down;\n";
  if (!r.script_phase1_dead.empty())
    o << "\tscript " << q(r.script_phase1_dead) << " phase1_dead;\n";
  o << "\tmode_cfg " << onoff(r.mode_cfg) << ";\n\tweak_phase1_check " << onoff(r.weak_phase1_check)
    << ";\n\tph1id " << r.ph1id << ";\n";
  for (const auto& p : r.proposals) {
    o << "\tproposal {\n\t\tencryption_algorithm " << name_of(p.encryption);
    if (p.key_bits)
      o << " " << p.key_bits;
    o << ";\n\t\thash_algorithm " << name_of(p.hash) << ";\n\t\tauthentication_method "
      << name_of(p.auth) << ";\n\t\tdh_group " << name_of(p.dh) << ";\n";
    if (p.lifetime)
      o << "\t\tlifetime time " << secs(*p.lifetime) << ";\n";
    if (!p.gss_id.empty())
      o << "\t\tgss_id " << q(p.gss_id) << ";\n";
    o << "\t}\n";
  }
  o << "}\n\n";
}

void print_sainfo(std::ostringstream& o, const sainfo_block& s) {
  o << "sainfo ";
  if (!s.local && !s.remote && !s.remote_clientaddr)
    o << "anonymous";
  else
    o << sa_id(s.local, false) << " " << sa_id(s.remote, s.remote_clientaddr);
  if (s.from)
    o << " from " << ident(*s.from);
  if (!s.group.empty())
    o << " group " << q(s.group);
  o << "\n{\n";
  if (s.pfs_group)
    o << "\tpfs_group " << name_of(*s.pfs_group) << ";\n";
  o << "\tlifetime time " << secs(s.lifetime) << ";\n";
  if (s.remoteid)
    o << "\tremoteid " << *s.remoteid << ";\n";
  o << "\tencryption_algorithm " << join(s.encryption, [](const sainfo_block::cipher& c) {
    return std::string(name_of(c.alg)) + (c.key_bits ? " " + std::to_string(c.key_bits) : "");
  }) << ";\n";
  o << "\tauthentication_algorithm "
    << join(s.authentication, [](esp_auth a) { return std::string(name_of(a)); }) << ";\n";
  o << "\tcompression_algorithm "
    << join(s.compression, [](ipcomp_alg a) { return std::string(name_of(a)); }) << ";\n}\n\n";
}

std::string addr(const ip_address& a) {
  return a.to_string();
}

void print_split(std::ostringstream& o, const char* indent, split_type t,
                 const std::vector<prefix>& nets) {
  o << indent << "split_network " << (t == split_type::include ? "include " : "local_lan ")
    << join(nets,
            [](const prefix& p) { return p.addr.to_string() + "/" + std::to_string(p.length); })
    << ";\n";
}

void print_mode_cfg_group(std::ostringstream& o, const mode_cfg_group& g) {
  o << "\tgroup " << q(g.name) << "\n\t{\n";
  if (g.dns4)
    o << "\t\tdns4 " << join(*g.dns4, addr) << ";\n";
  if (g.wins4)
    o << "\t\twins4 " << join(*g.wins4, addr) << ";\n";
  if (g.split_network_type)
    print_split(o, "\t\t", *g.split_network_type, g.split_network);
  if (g.split_dns)
    o << "\t\tsplit_dns " << join(*g.split_dns, q) << ";\n";
  if (g.default_domain)
    o << "\t\tdefault_domain " << q(*g.default_domain) << ";\n";
  o << "\t}\n";
}

void print_mode_cfg(std::ostringstream& o, const mode_cfg_block& m) {
  o << "mode_cfg\n{\n\tnetwork4 " << m.network4.to_string() << ";\n\tnetmask4 "
    << m.netmask4.to_string() << ";\n\tpool_size " << m.pool_size << ";\n";
  if (!m.dns4.empty())
    o << "\tdns4 " << join(m.dns4, addr) << ";\n";
  if (!m.wins4.empty())
    o << "\twins4 " << join(m.wins4, addr) << ";\n";
  if (m.split_network_type)
    print_split(o, "\t", *m.split_network_type, m.split_network);
  if (!m.split_dns.empty())
    o << "\tsplit_dns " << join(m.split_dns, q) << ";\n";
  if (!m.default_domain.empty())
    o << "\tdefault_domain " << q(m.default_domain) << ";\n";
  o << "\tauth_source " << name_of(m.auth) << ";\n";
  if (!m.auth_groups.empty())
    o << "\tauth_groups " << join(m.auth_groups, q) << ";\n";
  o << "\tgroup_source " << name_of(m.groups) << ";\n\tconf_source " << name_of(m.conf)
    << ";\n\taccounting " << name_of(m.acct) << ";\n\tauth_throttle " << m.auth_throttle
    << ";\n\tpfs_group " << m.pfs_group << ";\n\tsave_passwd " << onoff(m.save_passwd) << ";\n";
  if (!m.banner.empty())
    o << "\tbanner " << q(m.banner) << ";\n";
  for (const auto& g : m.group_values)
    print_mode_cfg_group(o, g);
  o << "}\n\n";
}

} // namespace

std::string print(const configuration& cfg) {
  std::ostringstream o;
  const auto& p = cfg.paths;
  const std::pair<const char*, const std::string*> paths[] = {
      {"include", &p.include},         {"pre_shared_key", &p.pre_shared_key},
      {"certificate", &p.certificate}, {"script", &p.script},
      {"backupsa", &p.backupsa},       {"pidfile", &p.pidfile}};
  for (const auto& [name, value] : paths)
    if (!value->empty())
      o << "path " << name << " " << q(*value) << ";\n";
  if (cfg.log)
    o << "log " << name_of(*cfg.log) << ";\n";
  if (cfg.gss_id_enc != gss_id_encoding::utf16le)
    o << "gss_id_enc latin1;\n";
  if (cfg.pfkey_buffer)
    o << "pfkey_buffer " << cfg.pfkey_buffer << ";\n";
  if (!cfg.complex_bundle)
    o << "complex_bundle off;\n";
  const auto& pd = cfg.padding;
  o << "\npadding\n{\n\trandomize " << onoff(pd.randomize) << ";\n\trandomize_length "
    << onoff(pd.randomize_length) << ";\n\tmaximum_length " << pd.maximum_length
    << ";\n\texclusive_tail " << onoff(pd.exclusive_tail) << ";\n\tstrict_check "
    << onoff(pd.strict_check) << ";\n}\n\nlisten\n{\n";
  const auto& l = cfg.listen;
  for (const auto& e : l.isakmp)
    o << "\tisakmp " << e.addr.to_string() << port(e.port) << ";\n";
  for (const auto& e : l.isakmp_natt)
    o << "\tisakmp_natt " << e.addr.to_string() << port(e.port) << ";\n";
  if (l.adminsock) {
    o << "\tadminsock " << q(l.adminsock->path);
    if (!l.adminsock->owner.empty() || !l.adminsock->group.empty() || l.adminsock->mode != 0600) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "0%o", l.adminsock->mode & 0777);
      o << " " << q(l.adminsock->owner) << " " << q(l.adminsock->group) << " " << mode;
    }
    o << ";\n";
  } else if (l.adminsock_disabled) {
    o << "\tadminsock disabled;\n";
  }
  if (l.strict_address)
    o << "\tstrict_address;\n";
  const auto& t = cfg.timer;
  o << "}\n\ntimer\n{\n\tcounter " << t.counter << ";\n\tinterval " << secs(t.interval)
    << ";\n\tpersend " << t.persend << ";\n\tphase1 " << secs(t.phase1) << ";\n\tphase2 "
    << secs(t.phase2) << ";\n\tnatt_keepalive " << secs(t.natt_keepalive) << ";\n}\n\n";
  if (const auto& a = cfg.admission; a != admission_block{})
    o << "admission\n{\n\thalf_open " << a.half_open << ";\n\thalf_open_per_source "
      << a.half_open_per_source << ";\n\trate " << a.rate << ";\n\tburst " << a.burst << ";\n}\n\n";
  if (const auto& ps = cfg.privsep) {
    o << "privsep\n{\n";
    if (!ps->user.empty())
      o << "\tuser " << q(ps->user) << ";\n";
    if (!ps->group.empty())
      o << "\tgroup " << q(ps->group) << ";\n";
    if (!ps->chroot.empty())
      o << "\tchroot " << q(ps->chroot) << ";\n";
    o << "}\n\n";
  }
  for (const auto& r : cfg.remotes)
    print_remote(o, r);
  for (const auto& s : cfg.sainfos)
    print_sainfo(o, s);
  if (cfg.mode_cfg)
    print_mode_cfg(o, *cfg.mode_cfg);
  if (const auto& ld = cfg.ldapcfg) {
    o << "ldapcfg\n{\n\tversion " << ld->version << ";\n\thost " << q(ld->host) << ";\n\tport "
      << ld->port << ";\n\tbase " << q(ld->base) << ";\n\tsubtree " << onoff(ld->subtree)
      << ";\n\tbind_dn " << q(ld->bind_dn) << ";\n\tbind_pw " << q(ld->bind_pw) << ";\n\tattr_user "
      << q(ld->attr_user) << ";\n\tattr_addr " << q(ld->attr_addr) << ";\n\tattr_mask "
      << q(ld->attr_mask) << ";\n\tattr_group " << q(ld->attr_group) << ";\n\tattr_member "
      << q(ld->attr_member) << ";\n\tstarttls " << onoff(ld->starttls) << ";\n";
    if (!ld->tls_cacert.empty())
      o << "\ttls_cacert " << q(ld->tls_cacert) << ";\n";
    o << "}\n\n";
  }
  if (const auto& rc = cfg.radiuscfg) {
    o << "radiuscfg\n{\n";
    for (const auto& s : rc->auth)
      o << "\tauth " << q(s.host) << (s.port ? " " + std::to_string(s.port) : "") << " "
        << q(s.secret) << ";\n";
    for (const auto& s : rc->acct)
      o << "\tacct " << q(s.host) << (s.port ? " " + std::to_string(s.port) : "") << " "
        << q(s.secret) << ";\n";
    o << "\ttimeout " << rc->timeout << ";\n\tretries " << rc->retries << ";\n}\n";
  }
  if (const auto& d = cfg.ddns) {
    o << "\nddns\n{\n\tserver " << d->server.to_string() << " port " << d->port << ";\n\tzone "
      << q(d->zone) << ";\n";
    if (!d->reverse_zone.empty())
      o << "\treverse_zone " << q(d->reverse_zone) << ";\n";
    o << "\tname " << q(d->name) << ";\n\tttl " << d->ttl << ";\n";
    if (!d->key.empty())
      o << "\tkey " << q(d->key) << ";\n";
    o << "\ttimeout " << d->timeout << ";\n\tretry " << d->retry << ";\n}\n";
  }
  if (const auto& pl = cfg.plugins) {
    o << "\nplugins\n{\n";
    if (!pl->path.empty())
      o << "\tpath " << q(pl->path) << ";\n";
    o << "\trestarts " << pl->restarts << ";\n";
    for (const auto& ld : pl->loads) {
      o << "\tload " << q(ld.name) << (ld.required ? " required" : "") << " {";
      for (const auto& [k, v] : ld.options)
        o << " " << k << " " << q(v) << ";";
      o << " }\n";
    }
    o << "}\n";
  }
  return o.str();
}

} // namespace coati::config
