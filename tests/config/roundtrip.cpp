// print() then parse again gives an equal model, for a configuration that uses every
// directive and block (tests/config/data/everything.conf and its globbed includes).
#define BOOST_TEST_MODULE config_roundtrip
#include <boost/test/unit_test.hpp>

#include "config/config.hpp"

using namespace coati::config;
using namespace std::chrono_literals;

namespace {

const std::string data = COATI_SOURCE_DIR "/tests/config/data";

std::shared_ptr<const configuration> load_everything() {
  load_options o;
  o.config_root = data;
  o.check_files = false;
  auto r = load_file(data + "/everything.conf", o);
  BOOST_TEST_INFO(r.render());
  BOOST_REQUIRE(r.ok());
  return r.config;
}

const remote_block& remote(const configuration& c, const std::string& name) {
  for (const auto& r : c.remotes)
    if (r.name == name)
      return r;
  throw std::runtime_error("no remote " + name);
}

} // namespace

BOOST_AUTO_TEST_CASE(everything_parses_as_written) {
  auto c = load_everything();
  BOOST_TEST(c->paths.include == data + "/incl");
  BOOST_TEST(c->paths.pidfile == data + "/var/run/racoon.pid");
  BOOST_TEST((*c->log == log_level::debug2));
  BOOST_TEST((c->gss_id_enc == gss_id_encoding::latin1));
  BOOST_TEST(c->pfkey_buffer == 128u);
  BOOST_TEST(!c->complex_bundle);
  BOOST_REQUIRE(c->privsep.has_value());
  BOOST_TEST(c->privsep->group == "65534");
  BOOST_TEST(c->privsep->chroot == data + "/var/empty");
  BOOST_TEST(c->padding.maximum_length == 64u);
  BOOST_TEST(c->listen.isakmp.size() == 2u);
  BOOST_TEST(c->listen.isakmp[0].port == 500u);
  BOOST_TEST(c->listen.isakmp[1].port == 0u);
  BOOST_TEST((c->listen.isakmp[1].addr.fam == ip_address::family::v6));
  BOOST_TEST(c->listen.isakmp_natt[0].port == 4500u);
  BOOST_TEST(c->listen.adminsock->mode == 0660u);
  BOOST_TEST(c->listen.adminsock->group == "operator");
  BOOST_TEST(c->listen.strict_address);
  BOOST_TEST(c->timer.interval == 3s);
  BOOST_TEST(c->timer.phase1 == 120s);
  BOOST_TEST(c->timer.natt_keepalive == 15s);

  BOOST_REQUIRE(c->remotes.size() == 5u);
  const auto& base = remote(*c, "base");
  BOOST_TEST(base.address->to_string() == "198.51.100.7");
  BOOST_TEST(base.lifetime == 7200s);
  BOOST_TEST(base.certificate_type->cert == data + "/etc/racoon/cert/hub.crt");
  BOOST_TEST(base.certificate_type->key == data + "/keys/hub.pem");
  BOOST_TEST(base.ca_file == data + "/etc/racoon/cert/ca.crt");
  BOOST_TEST(base.script_phase1_up == data + "/etc/racoon/scripts/up.sh");
  BOOST_TEST(base.script_phase1_dead == data + "/usr/local/dead.sh");
  BOOST_TEST(base.peers_identifiers.size() == 2u);
  BOOST_TEST(base.peers_identifiers[1].value == "C=FR, O=coati, CN=*");
  BOOST_TEST((base.proposals[0].key_bits == 256u && base.proposals[1].key_bits == 448u));
  BOOST_TEST((*base.proposals[0].lifetime == 600s));
  BOOST_TEST((base.proposals[1].dh == dh_group::modp4096));
  BOOST_TEST(*base.esp_frag == 1400u);
  // `inherit` copies the parent and keeps its own name.
  auto child = remote(*c, "child");
  BOOST_TEST(child.inherits == "base");
  child.name = base.name;
  child.inherits = base.inherits;
  BOOST_TEST((child == base));
  // Overrides replace proposals and peers_identifier lists; the rest is inherited.
  const auto& over = remote(*c, "203.0.113.9");
  BOOST_TEST(over.address->to_string() == "203.0.113.9");
  BOOST_TEST(over.port == 4500u);
  BOOST_TEST(over.proposals.size() == 2u);
  BOOST_TEST(over.peers_identifiers.size() == 1u);
  BOOST_TEST(over.xauth_login == "alice");
  BOOST_TEST(!over.send_cert);
  BOOST_TEST((over.rekey == tristate::off));
  BOOST_TEST((over.certificate_type->type == cert_type::plain_rsa));
  const auto& anon = remote(*c, "anonymous");
  BOOST_TEST(!anon.address.has_value());
  BOOST_TEST(anon.port == 500u);
  BOOST_TEST(anon.proposals.size() == 4u);
  BOOST_TEST(!anon.my_identifier->addr.has_value());

  BOOST_REQUIRE(c->sainfos.size() == 7u);
  const auto& s0 = c->sainfos[0];
  BOOST_TEST((s0.local->type == sainfo_id::kind::subnet));
  BOOST_TEST(s0.local->prefix == 8u);
  BOOST_TEST(s0.local->ulproto == 6u);
  BOOST_TEST(s0.remote->port == 22u);
  BOOST_TEST(s0.remote->prefix == 32u);
  BOOST_TEST((s0.from->type == identifier::kind::asn1dn));
  BOOST_TEST(s0.group == "staff");
  BOOST_TEST(s0.encryption.size() == 16u);
  BOOST_TEST((s0.encryption[1].alg == esp_cipher::aes && s0.encryption[1].key_bits == 256u));
  BOOST_TEST((s0.encryption[13].alg == esp_cipher::null_enc));
  BOOST_TEST(s0.authentication.size() == 6u);
  BOOST_TEST(s0.compression.size() == 3u);
  BOOST_TEST(*s0.remoteid == 3u);
  BOOST_TEST(c->sainfos[1].local->range_end->to_string() == "192.168.1.20");
  BOOST_TEST(c->sainfos[1].remote_clientaddr);
  BOOST_TEST(!c->sainfos[2].local.has_value());
  BOOST_TEST(c->sainfos[2].remote->prefix == 48u);
  BOOST_TEST(c->sainfos[2].remote->ulproto == 132u);
  BOOST_TEST(c->sainfos[5].remote->ulproto == 58u);

  BOOST_REQUIRE(c->mode_cfg.has_value());
  BOOST_TEST(c->mode_cfg->dns4.size() == 3u);
  BOOST_TEST(c->mode_cfg->wins4.size() == 2u);
  BOOST_TEST((*c->mode_cfg->split_network_type == split_type::local_lan));
  BOOST_TEST(c->mode_cfg->split_network[1].length == 12u);
  BOOST_TEST((c->mode_cfg->auth == auth_source::ldap));
  BOOST_TEST(c->mode_cfg->banner == data + "/etc/racoon/motd");
  BOOST_REQUIRE(c->mode_cfg->group_values.size() == 2u);
  const auto& staff = c->mode_cfg->group_values[0];
  BOOST_TEST(staff.name == "staff");
  BOOST_TEST((*staff.split_network_type == split_type::include));
  BOOST_TEST(staff.split_network.size() == 2u);
  BOOST_TEST(staff.dns4->size() == 1u);
  BOOST_TEST(!staff.wins4.has_value());
  BOOST_TEST(*staff.default_domain == "staff.example.net");
  const auto& contractors = c->mode_cfg->group_values[1];
  BOOST_TEST(contractors.wins4->size() == 2u);
  BOOST_TEST(!contractors.dns4.has_value());
  BOOST_TEST(!contractors.default_domain.has_value());
  BOOST_TEST((*contractors.split_network_type == split_type::local_lan));
  BOOST_TEST(contractors.split_network[1].addr.to_string() == "10.3.0.0");
  BOOST_TEST(contractors.split_dns->at(0) == "contractors.example.net");
  BOOST_TEST(c->ldapcfg->port == 636u);
  BOOST_TEST(c->ldapcfg->attr_member == "uniqueMember");
  BOOST_TEST(c->ldapcfg->starttls);
  BOOST_TEST(c->ldapcfg->tls_cacert == data + "/etc/racoon/cert/ldap-ca.pem");
  BOOST_TEST(c->radiuscfg->auth.size() == 2u);
  BOOST_TEST(c->radiuscfg->auth[1].port == 0u);
  BOOST_TEST(c->radiuscfg->acct[0].port == 1813u);
  BOOST_TEST(c->admission.half_open == 500u);
  BOOST_TEST(c->admission.half_open_per_source == 4u);
  BOOST_TEST(c->admission.rate == 100u);
  BOOST_TEST(c->admission.burst == 200u);
  BOOST_REQUIRE(c->ddns.has_value());
  BOOST_TEST(c->ddns->server.to_string() == "192.0.2.53");
  BOOST_TEST(c->ddns->port == 5353u);
  BOOST_TEST(c->ddns->reverse_zone == "201.168.192.in-addr.arpa");
  BOOST_TEST(c->ddns->name == "%u-vpn.office");
  BOOST_TEST(c->ddns->ttl == 3600u);
  BOOST_TEST(c->ddns->key == data + "/etc/coati/ddns.key");
  BOOST_TEST(c->ddns->retry == 10u);
  BOOST_REQUIRE(c->plugins.has_value());
  BOOST_TEST(c->plugins->path == data + "/usr/lib/coati/plugins");
  BOOST_TEST(c->plugins->restarts == 2u);
  BOOST_REQUIRE(c->plugins->loads.size() == 2u);
  BOOST_TEST(c->plugins->loads[0].name == "jsonlog");
  BOOST_TEST(!c->plugins->loads[0].required);
  BOOST_TEST(c->plugins->loads[0].options.at(0).second == "/var/log/coati/events.jsonl");
  BOOST_TEST(c->plugins->loads[1].required);
  BOOST_TEST(c->plugins->loads[1].options.at(0).second == "/usr/local/sbin/on-event --tag vpn");
  BOOST_TEST(c->plugins->loads[1].options.at(1).first == "max_running");
  BOOST_TEST(c->plugins->loads[1].options.at(1).second == "4");
}

BOOST_AUTO_TEST_CASE(everything_round_trips) {
  auto c = load_everything();
  auto text = print(*c);
  auto again = load_string(text, "printed.conf", load_options{{}, false});
  BOOST_TEST_INFO(again.render() << "\n" << text);
  BOOST_REQUIRE(again.ok());
  BOOST_TEST((*again.config == *c), "printed model differs:\n" << text);
  BOOST_TEST(print(*again.config) == text);
}

BOOST_AUTO_TEST_CASE(a_changed_field_is_seen) {
  // operator== really compares: a one-field change in a deep place breaks equality.
  auto c = load_everything();
  auto copy = *c;
  copy.sainfos[0].compression.pop_back();
  BOOST_TEST(!(copy == *c));
  auto copy2 = *c;
  copy2.remotes[2].proposals[1].dh = dh_group::modp1024;
  BOOST_TEST(!(copy2 == *c));
}

BOOST_AUTO_TEST_CASE(path_values_apply_at_the_end_like_racoon) {
  // A remote names its certificate before `path certificate` is set; racoon resolves at use.
  auto r = load_string("remote anonymous { exchange_mode main; certificate_type x509 \"c\" \"k\";\n"
                       " proposal { encryption_algorithm aes; hash_algorithm sha1;\n"
                       " authentication_method rsasig; dh_group 2; } }\n"
                       "path certificate \"/pki\";\n",
                       "late.conf", load_options{"/root-x", false});
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r.config->remotes[0].certificate_type->cert == "/root-x/pki/c");
}

BOOST_AUTO_TEST_CASE(relative_root_gives_absolute_paths) {
  auto r = load_string("path script \"/s\";\nlisten { adminsock \"/a.sock\"; }\n", "rel.conf",
                       load_options{"some/dir/", false});
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r.config->paths.script.front() == '/');
  BOOST_TEST(r.config->paths.script.ends_with("/some/dir/s"));
  BOOST_TEST(r.config->listen.adminsock->path.ends_with("/some/dir/a.sock"));
}
