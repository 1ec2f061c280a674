// From the seed's racoon.conf to exchange parameters (actors/setup): remote selection,
// phase-1 offers and identity, psk.txt, and the sainfo choice including the seed's
// asymmetric star (192.168.0.0/16 on the hub against a satellite's /24) and
// `sainfo anonymous`.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sys/stat.h>

#include "../config/seed_root.hpp"
#include "actors/setup.hpp"
#include "config/config.hpp"
#include "ike/constants.hpp"

using namespace coati;
using coati::config::ip_address;

namespace {

ike::id_payload subnet(std::array<std::uint8_t, 4> a, std::array<std::uint8_t, 4> m) {
  return ike::id_payload::ipv4_subnet(a, m);
}

std::shared_ptr<const config::configuration> load(const config::test::seed_root& r) {
  config::load_options o;
  o.config_root = r.root.string();
  auto res = config::load_file(r.conf(), o);
  BOOST_TEST_REQUIRE(res.ok(), res.render());
  return res.config;
}

} // namespace

BOOST_AUTO_TEST_SUITE(setup)

BOOST_AUTO_TEST_CASE(seed_hub_selection) {
  config::test::seed_root r{"rhum"};
  auto cfg = load(r);
  std::vector<std::string> problems;
  auto creds = actors::load_credentials(*cfg, problems);
  BOOST_TEST(problems.empty());
  // Any address finds `remote anonymous`.
  auto rem = actors::find_remote(*cfg, *ip_address::parse("198.51.100.3"), 500);
  BOOST_TEST_REQUIRE(rem.has_value());
  BOOST_TEST(cfg->remotes[*rem].name == "anonymous");
  // Two offers: rsasig for the satellites, hybrid_rsa_server for the roadwarriors (the
  // Init number on the wire, as racoon sends and matches it; we are the XAuth server).
  std::vector<std::string> skipped;
  auto offers = actors::phase1_offers(cfg->remotes[*rem], &skipped);
  BOOST_TEST_REQUIRE(offers.size() == 2u);
  BOOST_TEST(offers[0].enc == ike::ike_attr::enc_3des);
  BOOST_TEST(offers[0].hash == ike::ike_attr::hash_md5);
  BOOST_TEST(offers[0].auth == ike::ike_attr::auth_rsa_sig);
  BOOST_TEST((offers[0].xauth == ike::xauth_role::none));
  BOOST_TEST(offers[0].group == ike::ike_attr::group_modp1024);
  BOOST_TEST(offers[0].lifetime == 86400u); // lifetime time 1440 min
  BOOST_TEST(offers[1].hash == ike::ike_attr::hash_sha1);
  BOOST_TEST(offers[1].auth == ike::ike_attr::auth_hybrid_rsa_i);
  BOOST_TEST((offers[1].xauth == ike::xauth_role::server));
  BOOST_TEST(offers[1].lifetime == 86400u);
  BOOST_TEST(skipped.empty());
  // Identity: asn1dn = the certificate's subject.
  std::string why;
  auto p1 = actors::make_phase1(*cfg, *rem, *creds, *ip_address::parse("192.0.2.1"),
                                *ip_address::parse("198.51.100.3"), why);
  BOOST_TEST_REQUIRE(p1.has_value(), why);
  BOOST_TEST((p1->me.id.kind == ike::id_type::der_asn1_dn));
  BOOST_TEST(p1->me.id.data == p1->me.cert->subject_der());
  BOOST_TEST(p1->policy.offers.size() == 2u);
  BOOST_TEST(p1->me.key != nullptr); // the hybrid server signs
  BOOST_TEST((p1->policy.check == ike::proposal_check::obey));
  BOOST_TEST(p1->policy.verify_identifier);
}

BOOST_AUTO_TEST_CASE(seed_hub_sainfo_star_and_anonymous) {
  config::test::seed_root r{"rhum"};
  auto cfg = load(r);
  auto star = subnet({192, 168, 0, 0}, {255, 255, 0, 0});
  // armagnac proposes IDci = its /24, IDcr = the hub's /16: the hub's sainfo
  // "address 192.168.0.0/16 any address 192.168.3.0/24 any" answers.
  const auto* s = actors::find_sainfo(*cfg, subnet({192, 168, 3, 0}, {255, 255, 255, 0}), star);
  BOOST_TEST_REQUIRE(s != nullptr);
  BOOST_TEST_REQUIRE(s->remote.has_value());
  BOOST_TEST(s->remote->addr.to_string() == "192.168.3.0");
  auto p2 = actors::phase2_of(*s, cfg->remotes[0]);
  BOOST_TEST(p2.lifetime == 180u);
  BOOST_TEST(p2.ipcomp);
  BOOST_TEST(p2.pfs_group.value_or(0) == ike::ike_attr::group_modp1024);
  BOOST_TEST_REQUIRE(p2.offers.size() == 1u);
  BOOST_TEST(p2.offers[0].enc == ike::transform_id::esp_3des);
  BOOST_TEST(p2.offers[0].auth == ike::ipsec_attr::auth_hmac_md5);
  // pineau's /24 finds its own block.
  s = actors::find_sainfo(*cfg, subnet({192, 168, 2, 0}, {255, 255, 255, 0}), star);
  BOOST_TEST_REQUIRE(s != nullptr);
  BOOST_TEST(s->remote->addr.to_string() == "192.168.2.0");
  // A roadwarrior's host address: `sainfo anonymous` (8 hours, no PFS).
  s = actors::find_sainfo(*cfg, ike::id_payload::ipv4({192, 168, 201, 20}), star);
  BOOST_TEST_REQUIRE(s != nullptr);
  BOOST_TEST(!s->local.has_value());
  BOOST_TEST(actors::phase2_of(*s, cfg->remotes[0]).lifetime == 28800u);
  BOOST_TEST(!actors::phase2_of(*s, cfg->remotes[0]).pfs_group.has_value());
}

BOOST_AUTO_TEST_CASE(seed_satellite) {
  config::test::seed_root r{"armagnac"};
  auto cfg = load(r);
  // `remote 10.1.2.3` for the hub, nothing for anybody else.
  BOOST_TEST(actors::find_remote(*cfg, *ip_address::parse("10.1.2.3"), 500).has_value());
  BOOST_TEST(!actors::find_remote(*cfg, *ip_address::parse("10.1.2.4"), 500).has_value());
  // The one sainfo it proposes: IDci its /24, IDcr the star.
  auto mine = actors::initiator_sainfos(*cfg);
  BOOST_TEST_REQUIRE(mine.size() == 1u);
  BOOST_TEST((actors::id_of(*mine[0]->local) == subnet({192, 168, 3, 0}, {255, 255, 255, 0})));
  BOOST_TEST((actors::id_of(*mine[0]->remote) == subnet({192, 168, 0, 0}, {255, 255, 0, 0})));
}

namespace {

/// A roadwarrior's remote block for the hub with `methods` (one proposal each) and `extra`
/// lines (whose files are not checked), and the seed hub's CA folder.
std::shared_ptr<const config::configuration> roadwarrior(const config::test::seed_root& r,
                                                         const std::vector<std::string>& methods,
                                                         const std::string& extra = {}) {
  std::string text = "path certificate \"/etc/racoon/cert\";\n"
                     "path pre_shared_key \"/etc/racoon/psk.txt\";\n"
                     "remote 192.0.2.1 {\n exchange_mode aggressive;\n" +
                     extra + " my_identifier fqdn \"rw.example\";\n";
  for (const auto& m : methods)
    text += " proposal { encryption_algorithm 3des; hash_algorithm sha1; "
            "authentication_method " +
            m + "; dh_group modp1024; }\n";
  text += "}\n";
  config::load_options o;
  o.config_root = r.root.string();
  o.check_files = extra.empty();
  auto res = config::load_string(text, "roadwarrior.conf", o);
  BOOST_TEST_REQUIRE(res.ok(), res.render());
  return res.config;
}

} // namespace

BOOST_AUTO_TEST_CASE(hybrid_client_needs_only_the_ca) {
  config::test::seed_root r{"rhum"};
  auto cfg = roadwarrior(r, {"hybrid_rsa_client"});
  std::vector<std::string> problems;
  auto creds = actors::load_credentials(*cfg, problems);
  BOOST_TEST(problems.empty());
  auto offers = actors::phase1_offers(cfg->remotes[0]);
  BOOST_TEST_REQUIRE(offers.size() == 1u);
  BOOST_TEST(offers[0].auth == ike::ike_attr::auth_hybrid_rsa_i); // what strongSwan sends
  BOOST_TEST((offers[0].xauth == ike::xauth_role::client));
  std::string why;
  auto p1 = actors::make_phase1(*cfg, 0, *creds, *ip_address::parse("198.51.100.3"),
                                *ip_address::parse("192.0.2.1"), why);
  BOOST_TEST_REQUIRE(p1.has_value(), why);
  BOOST_TEST(!p1->me.cert.has_value());
  BOOST_TEST(p1->me.key == nullptr);
  BOOST_TEST(p1->policy.cas != nullptr);
  BOOST_TEST(why.empty());
}

BOOST_AUTO_TEST_CASE(xauth_methods_and_their_roles) {
  config::test::seed_root r{"rhum"};
  auto cfg = roadwarrior(r,
                         {"xauth_psk_client", "xauth_psk_server", "xauth_rsa_client",
                          "xauth_rsa_server", "hybrid_rsa_server", "gssapi_krb"},
                         " certificate_type x509 \"/etc/racoon/cert/gone.crt\" "
                         "\"/etc/racoon/cert/gone.pem\";\n");
  std::vector<std::string> skipped;
  auto offers = actors::phase1_offers(cfg->remotes[0], &skipped);
  BOOST_TEST_REQUIRE(offers.size() == 5u);
  using ike::xauth_role;
  namespace a = ike::ike_attr;
  BOOST_TEST((offers[0].auth == a::auth_xauth_psk_i && offers[0].xauth == xauth_role::client));
  BOOST_TEST((offers[1].auth == a::auth_xauth_psk_i && offers[1].xauth == xauth_role::server));
  BOOST_TEST((offers[2].auth == a::auth_xauth_rsa_i && offers[2].xauth == xauth_role::client));
  BOOST_TEST((offers[3].auth == a::auth_xauth_rsa_i && offers[3].xauth == xauth_role::server));
  BOOST_TEST((offers[4].auth == a::auth_hybrid_rsa_i && offers[4].xauth == xauth_role::server));
  // GSSAPI stays out, and says so.
  BOOST_TEST_REQUIRE(skipped.size() == 1u);
  BOOST_TEST(skipped[0].find("proposal 6: GSSAPI") == 0u);
  // Its certificate cannot be read: the offers where we sign go, the PSK ones stay.
  std::vector<std::string> problems;
  auto creds = actors::load_credentials(*cfg, problems);
  std::string why;
  auto p1 = actors::make_phase1(*cfg, 0, *creds, *ip_address::parse("198.51.100.3"),
                                *ip_address::parse("192.0.2.1"), why);
  BOOST_TEST_REQUIRE(p1.has_value(), why);
  BOOST_TEST_REQUIRE(p1->policy.offers.size() == 2u); // xauth_psk_client, xauth_psk_server
  BOOST_TEST(p1->policy.offers[1].auth == a::auth_xauth_psk_i);
  BOOST_TEST(why.find("cannot read certificate") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(psk_file) {
  config::test::seed_root r{"rhum"};
  auto path = r.path("etc/racoon/psk.txt");
  {
    std::ofstream f{path};
    f << "# racoon's psk.txt\n"
         "198.51.100.3\tsimple secret\n"
         "armagnac.test 0x736563726574\n"
         "\n"
         "lonely\n"
         "user@example.test   with spaces inside  # and a comment\n";
  }
  std::vector<std::string> problems;
  auto psk = actors::read_psk_file(path, problems);
  BOOST_TEST(psk.size() == 3u);
  BOOST_TEST((psk.at("198.51.100.3") == crypto::secret_bytes::from_string("simple secret")));
  BOOST_TEST((psk.at("armagnac.test") == crypto::secret_bytes::from_string("secret")));
  BOOST_TEST(
      (psk.at("user@example.test") == crypto::secret_bytes::from_string("with spaces inside")));
  BOOST_TEST_REQUIRE(problems.size() == 1u);
  BOOST_TEST(problems[0].find(":5: an identifier without a key") != std::string::npos);
  // Readable by others: used, and said.
  ::chmod(path.c_str(), 0644);
  problems.clear();
  actors::read_psk_file(path, problems);
  BOOST_TEST(problems.size() == 2u);
  problems.clear();
  BOOST_TEST(actors::read_psk_file(r.path("nothing-here"), problems).empty());
  BOOST_TEST(problems.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
