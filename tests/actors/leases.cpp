// The lease table alone (no actors): racoon's pool network4 + 0 .. pool_size - 1, stable
// addresses per user, second logins, reservations, exhaustion.
#define BOOST_TEST_MODULE coati_leases
#include <boost/test/unit_test.hpp>

#include "actors/leases.hpp"

using namespace coati::actors;
using namespace std::chrono_literals;

namespace {

const auto t0 = std::chrono::steady_clock::time_point{} + 1000h;

/// The seed hub's pool (network4 192.168.201.20, netmask4 255.255.255.255), `size` long.
lease_options seed_pool(std::uint32_t size) {
  return {*ipv4_value("192.168.201.20"), 0xffffffff, size, 0s, second_login::share};
}

std::string addr(const lease_table::grant& g) {
  return ipv4_text(g.address);
}

} // namespace

BOOST_AUTO_TEST_CASE(addresses_in_pool_order) {
  lease_table t{seed_pool(180)};
  BOOST_TEST(addr(t.acquire("alice", 1, t0)) == "192.168.201.20");
  BOOST_TEST(addr(t.acquire("bob", 2, t0)) == "192.168.201.21");
  BOOST_TEST(t.leased() == 2u);
  BOOST_TEST(ipv4_text(*ipv4_value("10.1.2.3")) == "10.1.2.3");
  BOOST_TEST(!ipv4_value("10.1.2").has_value());
}

BOOST_AUTO_TEST_CASE(reconnect_gets_the_same_address) {
  lease_table t{seed_pool(180)};
  t.acquire("alice", 1, t0);
  t.acquire("bob", 2, t0);
  BOOST_TEST(t.release_owner(1, t0 + 1s) == std::vector<std::uint32_t>{t.options().network});
  BOOST_TEST(!t.holds(1));
  // A new user gets a never-used address, not alice's.
  BOOST_TEST(addr(t.acquire("carol", 3, t0 + 2s)) == "192.168.201.22");
  auto again = t.acquire("alice", 4, t0 + 3s);
  BOOST_TEST(again.ok());
  BOOST_TEST(again.renewed);
  BOOST_TEST(addr(again) == "192.168.201.20");
}

BOOST_AUTO_TEST_CASE(remembered_only_while_free) {
  lease_table t{seed_pool(3)};
  t.acquire("a", 1, t0);
  t.acquire("b", 2, t0);
  t.acquire("c", 3, t0);
  t.release_owner(1, t0 + 1s);
  BOOST_TEST(addr(t.acquire("d", 4, t0 + 2s)) == "192.168.201.20"); // the only free one
  auto a = t.acquire("a", 5, t0 + 3s);
  BOOST_TEST((a.why == lease_table::failure::exhausted));
  BOOST_TEST(a.error == "address pool exhausted: 3 of 3 leased, 0 reserved for reconnects");
  t.release_owner(2, t0 + 4s);
  a = t.acquire("a", 5, t0 + 5s);
  BOOST_TEST(addr(a) == "192.168.201.21");
  BOOST_TEST(!a.renewed);
  // b's memory of .21 ended when a took it.
  t.release_owner(3, t0 + 6s);
  BOOST_TEST(addr(t.acquire("b", 6, t0 + 7s)) == "192.168.201.22");
}

BOOST_AUTO_TEST_CASE(least_recently_released_first) {
  lease_table t{seed_pool(3)};
  t.acquire("a", 1, t0);
  t.acquire("b", 2, t0);
  t.acquire("c", 3, t0);
  t.release_owner(2, t0 + 1s);
  t.release_owner(1, t0 + 2s);
  // b let go first: its address goes to a new user first; a's survives longer.
  BOOST_TEST(addr(t.acquire("d", 4, t0 + 3s)) == "192.168.201.21");
  BOOST_TEST(t.acquire("a", 5, t0 + 4s).renewed);
}

BOOST_AUTO_TEST_CASE(keep_reserves_for_the_last_user) {
  auto o = seed_pool(2);
  o.keep = 60s;
  lease_table t{o};
  t.acquire("a", 1, t0);
  t.acquire("b", 2, t0);
  t.release_owner(1, t0);
  BOOST_TEST(t.reserved(t0 + 10s) == 1u);
  auto c = t.acquire("c", 3, t0 + 10s);
  BOOST_TEST((c.why == lease_table::failure::exhausted));
  BOOST_TEST(c.error.find("1 reserved for reconnects") != std::string::npos, c.error);
  auto rows = t.rows(t0 + 10s);
  BOOST_REQUIRE(rows.size() == 2u);
  BOOST_TEST(rows[0].user == "a");
  BOOST_TEST(rows[0].holders == 0u);
  BOOST_TEST(rows[0].seconds == 10);
  BOOST_TEST(t.reserved(t0 + 61s) == 0u);
  BOOST_TEST(addr(t.acquire("c", 3, t0 + 61s)) == "192.168.201.20");
}

BOOST_AUTO_TEST_CASE(second_login_shares_the_address) {
  lease_table t{seed_pool(10)};
  auto first = t.acquire("alice", 1, t0);
  auto second = t.acquire("alice", 2, t0 + 1s);
  BOOST_TEST(second.ok());
  BOOST_TEST(second.shared);
  BOOST_TEST(second.address == first.address);
  BOOST_TEST(t.leased() == 1u);
  BOOST_TEST(t.release_owner(1, t0 + 2s).empty()); // the second login keeps it
  auto rows = t.rows(t0 + 2s);
  BOOST_REQUIRE(rows.size() == 1u);
  BOOST_TEST(rows[0].holders == 1u);
  BOOST_TEST(t.release_owner(2, t0 + 3s).size() == 1u);
  BOOST_TEST(t.leased() == 0u);
  BOOST_TEST(t.rows(t0 + 3s).empty());
}

BOOST_AUTO_TEST_CASE(same_owner_asking_again_holds_once) {
  lease_table t{seed_pool(10)};
  auto a = t.acquire("alice", 1, t0);
  auto b = t.acquire("alice", 1, t0 + 1s);
  BOOST_TEST(b.address == a.address);
  BOOST_TEST(!b.shared);
  BOOST_TEST(b.again);
  BOOST_TEST(t.rows(t0)[0].holders == 1u);
}

BOOST_AUTO_TEST_CASE(second_login_refused_on_request) {
  auto o = seed_pool(10);
  o.second = second_login::refuse;
  lease_table t{o};
  t.acquire("alice", 1, t0);
  auto r = t.acquire("alice", 2, t0);
  BOOST_TEST((r.why == lease_table::failure::second_login_refused));
  BOOST_TEST(r.error == "user alice is logged in already with 192.168.201.20");
  BOOST_TEST(!t.holds(2));
}

BOOST_AUTO_TEST_CASE(release_by_user_and_by_address) {
  lease_table t{seed_pool(10)};
  t.acquire("alice", 1, t0);
  t.acquire("alice", 2, t0);
  t.acquire("bob", 3, t0);
  BOOST_TEST((t.release_user("alice", t0) == std::vector<lease_table::owner_id>{1, 2}));
  BOOST_TEST(!t.holds(1));
  BOOST_TEST(!t.holds(2));
  BOOST_TEST(t.release_user("alice", t0).empty());
  BOOST_TEST(t.release_user("nobody", t0).empty());
  BOOST_TEST((t.release_address(*ipv4_value("192.168.201.21"), t0) ==
              std::vector<lease_table::owner_id>{3}));
  BOOST_TEST(t.release_address(*ipv4_value("10.0.0.1"), t0).empty());
  BOOST_TEST(t.leased() == 0u);
  BOOST_TEST(t.acquire("bob", 4, t0).renewed);
}

BOOST_AUTO_TEST_CASE(bad_pools_and_requests) {
  BOOST_CHECK_THROW(lease_table{seed_pool(0)}, std::invalid_argument);
  lease_options top{*ipv4_value("255.255.255.250"), 0xffffffff, 6, 0s, second_login::share};
  lease_table t{top};
  top.size = 7;
  BOOST_CHECK_THROW(lease_table{top}, std::invalid_argument);
  BOOST_TEST((t.acquire("", 1, t0).why == lease_table::failure::bad_request));
  for (int i = 0; i < 6; ++i)
    BOOST_TEST(t.acquire("u" + std::to_string(i), 10 + i, t0).ok());
  BOOST_TEST(ipv4_text(t.rows(t0).back().address) == "255.255.255.255");
  BOOST_TEST(!t.acquire("u6", 20, t0).ok());
}

BOOST_AUTO_TEST_CASE(the_lease_records_the_groups_of_the_latest_login) {
  lease_table t{seed_pool(180)};
  t.acquire("alice", 1, t0, {"staff", "vpnusers"});
  t.acquire("bob", 2, t0);
  auto rows = t.rows(t0);
  BOOST_TEST_REQUIRE(rows.size() == 2u);
  BOOST_TEST((rows[0].groups == std::vector<std::string>{"staff", "vpnusers"}));
  BOOST_TEST(rows[1].groups.empty());
  t.acquire("alice", 3, t0, {"contractors"}); // a second login, in other groups now
  BOOST_TEST((t.rows(t0)[0].groups == std::vector<std::string>{"contractors"}));
  t.release_owner(1, t0);
  t.release_owner(3, t0); // free: no groups shown
  for (const auto& r : t.rows(t0))
    BOOST_TEST(r.user != "alice");
}

BOOST_AUTO_TEST_CASE(fixed_addresses_from_the_directory) {
  lease_table t{seed_pool(10)};
  auto a = *ipv4_value("192.168.201.25");
  auto g = t.acquire_fixed("alice", a, 1, t0);
  BOOST_TEST(g.ok());
  BOOST_TEST(addr(g) == "192.168.201.25");
  // Another user with the same address in the directory: refused, not moved elsewhere.
  g = t.acquire_fixed("bob", a, 2, t0);
  BOOST_TEST(!g.ok());
  BOOST_TEST((g.why == lease_table::failure::taken));
  BOOST_TEST(g.error.find("leased to alice") != std::string::npos, g.error);
  // The pool never hands it to a user without a fixed address.
  for (int i = 0; i < 9; ++i)
    BOOST_TEST(addr(t.acquire("u" + std::to_string(i), 10 + i, t0)) != "192.168.201.25");
  // Alice's second login shares it; outside the pool is refused.
  g = t.acquire_fixed("alice", a, 3, t0);
  BOOST_TEST(g.shared);
  g = t.acquire_fixed("carol", *ipv4_value("10.0.0.1"), 4, t0);
  BOOST_TEST((g.why == lease_table::failure::bad_request));
  BOOST_TEST(g.error.find("outside the pool") != std::string::npos, g.error);
  // Released: bob may have it now.
  t.release_owner(1, t0);
  t.release_owner(3, t0);
  BOOST_TEST(t.acquire_fixed("bob", a, 2, t0).ok());
}
