// Per-group rules for roadwarriors: `sainfo ... group "NAME"` in the responder's sainfo
// choice (actors/setup) and coati's `mode_cfg { group "NAME" { ... } }` values, down to
// the Mode Config values and racoon's hook environment (actors/roadwarrior).
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "actors/roadwarrior.hpp"
#include "actors/setup.hpp"
#include "config/config.hpp"

using namespace coati;

namespace {

std::shared_ptr<const config::configuration> parse(const std::string& text) {
  auto res = config::load_string(text, "groups.conf", config::load_options{{}, false});
  BOOST_TEST_REQUIRE(res.ok(), res.render());
  return res.config;
}

std::string sainfo(const std::string& head) {
  return "sainfo " + head +
         " { encryption_algorithm 3des; authentication_algorithm hmac_md5; "
         "compression_algorithm deflate; }\n";
}

ike::id_payload net(std::uint8_t third) {
  return ike::id_payload::ipv4_subnet({192, 168, third, 0}, {255, 255, 255, 0});
}

const ike::id_payload client = ike::id_payload::ipv4({192, 168, 201, 20});

using groups = std::vector<std::string>;

/// The index of the sainfo chosen for a quick mode to 192.168.THIRD.0/24 (-1: none),
/// and of the one refused for the group (-1: none).
std::pair<int, int> pick(const config::configuration& cfg, std::uint8_t third, const groups& g) {
  auto m = actors::match_sainfo(cfg, client, net(third), g);
  auto index = [&](const config::sainfo_block* s) {
    return s == nullptr ? -1 : static_cast<int>(s - cfg.sainfos.data());
  };
  return {index(m.sainfo), index(m.refused)};
}

} // namespace

BOOST_AUTO_TEST_SUITE(roadwarrior_groups)

BOOST_AUTO_TEST_CASE(a_sainfo_with_a_group_is_for_its_members_only) {
  auto cfg = parse(sainfo("address 192.168.1.0/24 any anonymous group \"staff\"") +       // 0
                   sainfo("address 192.168.2.0/24 any anonymous group \"contractors\"") + // 1
                   sainfo("address 192.168.3.0/24 any anonymous") +                       // 2
                   sainfo("address 192.168.4.0/24 any anonymous group \"staff\"") +       // 3
                   sainfo("address 192.168.4.0/24 any anonymous group \"contractors\"") + // 4
                   sainfo("anonymous"));                                                  // 5
  using p = std::pair<int, int>;
  BOOST_TEST((pick(*cfg, 1, {"vpnusers", "staff"}) == p{0, -1}));
  // Another group's network: refused, not caught by `sainfo anonymous` (as racoon).
  BOOST_TEST((pick(*cfg, 1, {"contractors"}) == p{-1, 0}));
  BOOST_TEST((pick(*cfg, 1, {}) == p{-1, 0})); // no XAuth (a satellite): no group either
  BOOST_TEST((pick(*cfg, 2, {"contractors"}) == p{1, -1}));
  BOOST_TEST((pick(*cfg, 2, {"staff"}) == p{-1, 1}));
  // Without a group: everybody, as before.
  BOOST_TEST((pick(*cfg, 3, {"contractors"}) == p{2, -1}));
  BOOST_TEST((pick(*cfg, 3, {}) == p{2, -1}));
  // The same IDs for two groups: each member gets theirs, the first in file order wins.
  BOOST_TEST((pick(*cfg, 4, {"contractors"}) == p{4, 3}));
  BOOST_TEST((pick(*cfg, 4, {"contractors", "staff"}) == p{3, -1}));
  BOOST_TEST((pick(*cfg, 4, {"admins"}) == p{-1, 3}));
  // IDs no sainfo names: the catch-all.
  BOOST_TEST((pick(*cfg, 9, {"admins"}) == p{5, -1}));
  BOOST_TEST(actors::find_sainfo(*cfg, client, net(1)) == nullptr);
  BOOST_TEST(actors::find_sainfo(*cfg, client, net(3)) == &cfg->sainfos[2]);
}

BOOST_AUTO_TEST_CASE(an_anonymous_sainfo_with_a_group) {
  auto cfg = parse(sainfo("anonymous group \"staff\""));
  using p = std::pair<int, int>;
  BOOST_TEST((pick(*cfg, 1, {"staff"}) == p{0, -1}));
  BOOST_TEST((pick(*cfg, 1, {"contractors"}) == p{-1, 0}));
}

BOOST_AUTO_TEST_CASE(a_user_gets_the_values_of_their_first_group_block) {
  auto cfg = parse("mode_cfg {\n network4 192.168.201.20;\n netmask4 255.255.255.255;\n"
                   " dns4 192.168.1.1, 192.168.1.2;\n wins4 192.168.1.1;\n"
                   " split_network include 192.168.1.0/24, 192.168.2.0/24, 192.168.3.0/24;\n"
                   " default_domain \"local\";\n"
                   " group \"staff\" { split_network include 192.168.1.0/24, 10.1.0.0/16;"
                   " default_domain \"staff.local\"; }\n"
                   " group \"contractors\" { split_network include 192.168.2.0/24;"
                   " dns4 192.168.2.53; split_dns \"contractors.local\"; }\n}\n");
  const auto& m = *cfg->mode_cfg;
  auto env_of = [&](const groups& g) {
    auto v = actors::mode_cfg_values_for(actors::with_group_values(m, g), "192.168.201.20",
                                         "255.255.255.255");
    BOOST_TEST_REQUIRE(v.has_value());
    return actors::mode_cfg_env("u", &*v);
  };
  auto has = [](const std::vector<std::string>& env, const std::string& kv) {
    return std::find(env.begin(), env.end(), kv) != env.end();
  };
  // staff: its split networks and domain, the block's DNS and WINS.
  BOOST_TEST(actors::group_values_for(m, {"vpnusers", "staff"})->name == "staff");
  auto staff = env_of({"vpnusers", "staff"});
  BOOST_TEST(has(staff, "SPLIT_INCLUDE_CIDR=192.168.1.0/24 10.1.0.0/16"));
  BOOST_TEST(has(staff, "DEFAULT_DOMAIN=staff.local"));
  BOOST_TEST(has(staff, "INTERNAL_DNS4_LIST=192.168.1.1 192.168.1.2"));
  BOOST_TEST(has(staff, "INTERNAL_WINS4=192.168.1.1"));
  // contractors: theirs only.
  auto contractors = env_of({"contractors"});
  BOOST_TEST(has(contractors, "SPLIT_INCLUDE=192.168.2.0/255.255.255.0"));
  BOOST_TEST(has(contractors, "INTERNAL_DNS4_LIST=192.168.2.53"));
  BOOST_TEST(has(contractors, "DEFAULT_DOMAIN=local"));
  BOOST_TEST((actors::with_group_values(m, {"contractors"}).split_dns ==
              std::vector<std::string>{"contractors.local"}));
  // In both: the first block in file order (staff), whatever the order of the groups.
  BOOST_TEST(actors::group_values_for(m, {"contractors", "staff"})->name == "staff");
  BOOST_TEST(has(env_of({"contractors", "staff"}), "DEFAULT_DOMAIN=staff.local"));
  // In neither: the block's own values.
  BOOST_TEST(actors::group_values_for(m, {"admins"}) == nullptr);
  auto other = env_of({"admins"});
  BOOST_TEST(has(other, "SPLIT_INCLUDE_CIDR=192.168.1.0/24 192.168.2.0/24 192.168.3.0/24"));
  BOOST_TEST(has(other, "DEFAULT_DOMAIN=local"));
}

BOOST_AUTO_TEST_SUITE_END()
