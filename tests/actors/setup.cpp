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
  // Its rsasig proposal is offered; hybrid_rsa_server is not available yet and says so.
  std::vector<std::string> skipped;
  auto offers = actors::phase1_offers(cfg->remotes[*rem], &skipped);
  BOOST_TEST_REQUIRE(offers.size() == 1u);
  BOOST_TEST(offers[0].enc == ike::ike_attr::enc_3des);
  BOOST_TEST(offers[0].hash == ike::ike_attr::hash_md5);
  BOOST_TEST(offers[0].auth == ike::ike_attr::auth_rsa_sig);
  BOOST_TEST(offers[0].group == ike::ike_attr::group_modp1024);
  BOOST_TEST(offers[0].lifetime == 86400u); // lifetime time 1440 min
  BOOST_TEST(skipped.size() == 1u);
  // Identity: asn1dn = the certificate's subject.
  std::string why;
  auto p1 = actors::make_phase1(*cfg, *rem, *creds, *ip_address::parse("192.0.2.1"),
                                *ip_address::parse("198.51.100.3"), why);
  BOOST_TEST_REQUIRE(p1.has_value(), why);
  BOOST_TEST((p1->me.id.kind == ike::id_type::der_asn1_dn));
  BOOST_TEST(p1->me.id.data == p1->me.cert->subject_der());
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
  BOOST_TEST((psk.at("user@example.test") == crypto::secret_bytes::from_string("with spaces inside")));
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
