// Both seed sites (rhum, the hub; armagnac, a satellite) load unchanged under a
// --config-root with their files checked, and give the model field by field.
#define BOOST_TEST_MODULE config_seed
#include <boost/test/unit_test.hpp>

#include "config/config.hpp"
#include "seed_root.hpp"

using namespace coati::config;
using namespace std::chrono_literals;
using test::seed_root;

namespace {

ip_address ip(const char* s) {
  return *ip_address::parse(s);
}

std::shared_ptr<const configuration> load_seed(const seed_root& s) {
  load_options o;
  o.config_root = s.root.string();
  o.check_files = true;
  auto r = load_file(s.conf(), o);
  BOOST_TEST_INFO(r.render());
  BOOST_REQUIRE(r.ok());
  for (const auto& d : r.diagnostics)
    BOOST_TEST((d.sev != diagnostic::severity::error));
  BOOST_TEST(r.diagnostics.empty(), "no warnings expected:\n" << r.render());
  return r.config;
}

void check_common(const configuration& c, const seed_root& s) {
  BOOST_TEST(c.paths.include == s.path("etc/racoon"));
  BOOST_TEST(c.paths.pre_shared_key == s.path("etc/racoon/psk.txt"));
  BOOST_TEST(c.paths.certificate == s.path("etc/racoon/cert"));
  BOOST_TEST(c.paths.script == s.path("etc/racoon"));
  BOOST_TEST(c.paths.backupsa.empty());
  BOOST_REQUIRE(c.log.has_value());
  BOOST_TEST((*c.log == log_level::notify));
  BOOST_TEST(c.padding.maximum_length == 20u);
  BOOST_TEST(!c.padding.randomize);
  BOOST_TEST(!c.padding.strict_check);
  BOOST_TEST(!c.padding.exclusive_tail);
  BOOST_TEST(!c.padding.randomize_length);
  BOOST_REQUIRE(c.listen.adminsock.has_value());
  BOOST_TEST(c.listen.adminsock->path == s.path("var/racoon/racoon.sock"));
  BOOST_TEST(c.listen.adminsock->mode == 0600u);
  BOOST_TEST(c.listen.isakmp.empty());
  BOOST_TEST(c.listen.isakmp_natt.empty());
  BOOST_TEST(!c.listen.strict_address);
  BOOST_TEST(c.timer.counter == 5u);
  BOOST_TEST(c.timer.interval.count() == 20);
  BOOST_TEST(c.timer.persend == 1u);
  BOOST_TEST(c.timer.phase1.count() == 30);
  BOOST_TEST(c.timer.phase2.count() == 15);
  BOOST_TEST(c.timer.natt_keepalive.count() == 20);
  BOOST_TEST(!c.privsep.has_value());
  BOOST_TEST(!c.ldapcfg.has_value());
  BOOST_TEST(!c.radiuscfg.has_value());
}

/// The flags both seeds' remotes share.
void check_remote_flags(const remote_block& r) {
  BOOST_TEST(r.nonce_size == 16u);
  BOOST_TEST(r.lifetime == 86400s);
  BOOST_TEST(r.initial_contact);
  BOOST_TEST((r.proposal_check == proposal_check_mode::obey));
  BOOST_REQUIRE(r.my_identifier.has_value());
  BOOST_TEST((r.my_identifier->type == identifier::kind::asn1dn));
  BOOST_TEST(r.my_identifier->value.empty());
  BOOST_TEST(r.verify_identifier);
  BOOST_TEST(r.support_proxy);
  BOOST_TEST((r.ike_frag == tristate::on));
  BOOST_TEST(r.weak_phase1_check);
  BOOST_TEST((r.nat_traversal == tristate::off));
  BOOST_TEST(r.send_cert);
  BOOST_TEST(r.send_cr);
  BOOST_TEST(r.verify_cert);
  BOOST_TEST(!r.mode_cfg);
  BOOST_TEST(r.script_phase1_dead.empty());
}

void check_proposal(const proposal& p, ike_hash h, auth_method a) {
  BOOST_TEST((p.encryption == ike_cipher::des3));
  BOOST_TEST(p.key_bits == 0u);
  BOOST_TEST((p.hash == h));
  BOOST_TEST((p.auth == a));
  BOOST_TEST((p.dh == dh_group::modp1024));
  BOOST_TEST(!p.lifetime.has_value());
}

void check_lan_sainfo(const sainfo_block& s, const char* local, unsigned lp, const char* remote,
                      unsigned rp) {
  BOOST_REQUIRE(s.local.has_value());
  BOOST_REQUIRE(s.remote.has_value());
  BOOST_TEST((s.local->type == sainfo_id::kind::address));
  BOOST_TEST(s.local->addr.to_string() == local);
  BOOST_TEST(s.local->prefix == lp);
  BOOST_TEST(s.local->port == 0u);
  BOOST_TEST(s.local->ulproto == 255u);
  BOOST_TEST(s.remote->addr.to_string() == remote);
  BOOST_TEST(s.remote->prefix == rp);
  BOOST_TEST(s.remote->ulproto == 255u);
  BOOST_TEST(!s.from.has_value());
  BOOST_TEST(s.group.empty());
  BOOST_REQUIRE(s.pfs_group.has_value());
  BOOST_TEST((*s.pfs_group == dh_group::modp1024));
  BOOST_TEST(s.lifetime == 180s);
  BOOST_REQUIRE(s.encryption.size() == 1u);
  BOOST_TEST((s.encryption[0].alg == esp_cipher::des3));
  BOOST_TEST((s.authentication == std::vector<esp_auth>{esp_auth::hmac_md5}));
  BOOST_TEST((s.compression == std::vector<ipcomp_alg>{ipcomp_alg::deflate}));
}

void check_round_trip(const configuration& c) {
  auto text = print(c);
  auto again = load_string(text, "printed.conf", load_options{});
  BOOST_TEST_INFO(again.render() << text);
  BOOST_REQUIRE(again.ok());
  BOOST_TEST((*again.config == c), "printed model differs:\n" << text);
  BOOST_TEST(print(*again.config) == text);
}

} // namespace

BOOST_AUTO_TEST_CASE(rhum_hub) {
  seed_root s("rhum");
  auto c = load_seed(s);
  check_common(*c, s);
  BOOST_REQUIRE(c->remotes.size() == 1u);
  const auto& r = c->remotes[0];
  BOOST_TEST(r.name == "anonymous");
  BOOST_TEST(!r.address.has_value());
  BOOST_TEST(r.inherits.empty());
  BOOST_TEST((r.exchange_modes ==
              std::vector<exchange_mode>{exchange_mode::main, exchange_mode::aggressive}));
  check_remote_flags(r);
  BOOST_TEST(r.passive);
  BOOST_TEST((r.generate_policy == generate_policy_mode::on));
  BOOST_TEST(r.peers_identifiers.empty());
  BOOST_REQUIRE(r.certificate_type.has_value());
  BOOST_TEST((r.certificate_type->type == cert_type::x509));
  BOOST_TEST(r.certificate_type->cert == s.path("etc/racoon/cert/rhum.crt"));
  BOOST_TEST(r.certificate_type->key == s.path("etc/racoon/cert/rhum.pem"));
  BOOST_TEST(r.script_phase1_up == s.path("etc/racoon/phase1_up.sh"));
  BOOST_TEST(r.script_phase1_down == s.path("etc/racoon/phase1_down.sh"));
  BOOST_REQUIRE(r.proposals.size() == 2u);
  check_proposal(r.proposals[0], ike_hash::md5, auth_method::rsasig);
  check_proposal(r.proposals[1], ike_hash::sha1, auth_method::hybrid_rsa_server);

  BOOST_REQUIRE(c->sainfos.size() == 3u);
  check_lan_sainfo(c->sainfos[0], "192.168.0.0", 16, "192.168.2.0", 24);
  check_lan_sainfo(c->sainfos[1], "192.168.0.0", 16, "192.168.3.0", 24);
  const auto& rw = c->sainfos[2];
  BOOST_TEST(!rw.local.has_value());
  BOOST_TEST(!rw.remote.has_value());
  BOOST_TEST(!rw.remote_clientaddr);
  BOOST_TEST(!rw.pfs_group.has_value());
  BOOST_TEST(rw.lifetime == 8h);
  BOOST_TEST((rw.encryption == std::vector<sainfo_block::cipher>{{esp_cipher::des3, 0}}));
  BOOST_TEST((rw.authentication == std::vector<esp_auth>{esp_auth::hmac_md5}));
  BOOST_TEST((rw.compression == std::vector<ipcomp_alg>{ipcomp_alg::deflate}));

  BOOST_REQUIRE(c->mode_cfg.has_value());
  const auto& m = *c->mode_cfg;
  BOOST_TEST((m.auth == auth_source::pam));
  BOOST_TEST((m.conf == conf_source::local));
  BOOST_TEST((m.acct == accounting::none));
  BOOST_TEST(m.pool_size == 180u);
  BOOST_TEST((m.network4 == ip("192.168.201.20")));
  BOOST_TEST((m.netmask4 == ip("255.255.255.255")));
  BOOST_TEST((m.dns4 == std::vector<ip_address>{ip("192.168.1.1"), ip("192.168.1.2")}));
  BOOST_TEST((m.wins4 == std::vector<ip_address>{ip("192.168.1.1")}));
  BOOST_REQUIRE(m.split_network_type.has_value());
  BOOST_TEST((*m.split_network_type == split_type::include));
  BOOST_TEST((m.split_network == std::vector<prefix>{{ip("192.168.1.0"), 24},
                                                     {ip("192.168.2.0"), 24},
                                                     {ip("192.168.3.0"), 24}}));
  BOOST_TEST(m.default_domain == "local");
  BOOST_TEST(m.banner.empty());
  check_round_trip(*c);
}

BOOST_AUTO_TEST_CASE(armagnac_satellite) {
  seed_root s("armagnac");
  auto c = load_seed(s);
  check_common(*c, s);
  BOOST_REQUIRE(c->remotes.size() == 1u);
  const auto& r = c->remotes[0];
  BOOST_TEST(r.name == "10.1.2.3");
  BOOST_REQUIRE(r.address.has_value());
  BOOST_TEST((*r.address == ip("10.1.2.3")));
  BOOST_TEST(r.port == 0u);
  BOOST_TEST((r.exchange_modes == std::vector<exchange_mode>{exchange_mode::main}));
  check_remote_flags(r);
  BOOST_TEST(!r.passive);
  BOOST_TEST((r.generate_policy == generate_policy_mode::off));
  BOOST_REQUIRE(r.peers_identifiers.size() == 1u);
  BOOST_TEST((r.peers_identifiers[0].type == identifier::kind::asn1dn));
  BOOST_TEST(r.peers_identifiers[0].value.empty());
  BOOST_REQUIRE(r.certificate_type.has_value());
  BOOST_TEST(r.certificate_type->cert == s.path("etc/racoon/cert/armagnac.crt"));
  BOOST_TEST(r.certificate_type->key == s.path("etc/racoon/cert/armagnac.pem"));
  BOOST_TEST(r.script_phase1_up == s.path("etc/racoon/phase1_up_cli.sh"));
  BOOST_TEST(r.script_phase1_down == s.path("etc/racoon/phase1_down_cli.sh"));
  BOOST_REQUIRE(r.proposals.size() == 1u);
  check_proposal(r.proposals[0], ike_hash::md5, auth_method::rsasig);
  BOOST_REQUIRE(c->sainfos.size() == 1u);
  check_lan_sainfo(c->sainfos[0], "192.168.3.0", 24, "192.168.0.0", 16);
  BOOST_TEST(!c->mode_cfg.has_value());
  check_round_trip(*c);
}

BOOST_AUTO_TEST_CASE(seed_without_root_misses_files) {
  // Without --config-root the seed points at /etc/racoon: files are checked and missing
  // (unless this machine really is rhum), and the error names the include line.
  seed_root s("rhum");
  load_options o;
  o.config_root = s.path("nowhere");
  auto r = load_file(s.conf(), o);
  BOOST_TEST(!r.ok());
  BOOST_REQUIRE(!r.diagnostics.empty());
  BOOST_TEST(r.diagnostics[0].line == 7u);
  BOOST_TEST(r.diagnostics[0].column == 9u);
}
