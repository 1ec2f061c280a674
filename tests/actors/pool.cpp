// The pool actor: leases from the seed hub's pool, held by live owners (stand-ins for peer
// actors) and released when an owner says so or goes down.
#include <boost/test/unit_test.hpp>

#include "actors/auth.hpp"
#include "actors/pool.hpp"
#include "config/config.hpp"
#include "config/model.hpp"
#include "fixture.hpp"

using namespace coati;
using namespace coati::actors;
using namespace std::chrono_literals;

namespace {

/// An actor that does nothing until it is told to exit: a peer holding leases. (It takes
/// an argument: CAF 0.17.6 dereferences a null argument tuple when a function is spawned
/// without any, which UBSan stops.)
caf::behavior idle_owner(caf::event_based_actor*, std::string /*remote*/) {
  return {[](int) {}};
}

struct pool_fixture : test::actor_fixture {
  std::vector<pool_actor> spawned;

  ~pool_fixture() {
    for (auto& p : spawned)
      self->send_exit(p, caf::exit_reason::user_shutdown);
  }

  pool_actor spawn(std::uint32_t size) {
    lease_options o{*ipv4_value("192.168.201.20"), 0xffffffff, size, 0s, second_login::share};
    spawned.push_back(spawn_pool(sys, o));
    return spawned.back();
  }

  lease_reply lease(const pool_actor& p, const std::string& user, const caf::actor& owner) {
    lease_reply out;
    out.error = "no answer";
    self->request(p, 5s, lease_request{user, owner.address(), {}})
        .receive([&](lease_reply& r) { out = std::move(r); },
                 [&](caf::error& e) { out.error = to_string(e); });
    return out;
  }

  std::vector<lease_row> show(const pool_actor& p) {
    std::vector<lease_row> out;
    self->request(p, 5s, show_pool_atom_v)
        .receive([&](lease_rows& r) { out = std::move(r.rows); }, [](caf::error&) {});
    return out;
  }

  std::map<std::string, std::int64_t> counts(const pool_actor& p) {
    return status_of(caf::actor_cast<caf::actor>(p)).values;
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(pool_actor_tests)

BOOST_FIXTURE_TEST_CASE(lease_show_release, pool_fixture) {
  auto p = spawn(180);
  auto peer = sys.spawn(idle_owner, "192.0.2.1");
  auto r = lease(p, "alice", peer);
  BOOST_TEST(r.ok, r.error);
  BOOST_TEST(r.address == "192.168.201.20");
  BOOST_TEST(r.netmask == "255.255.255.255");
  auto rows = show(p);
  BOOST_REQUIRE(rows.size() == 1u);
  BOOST_TEST(rows[0].address == "192.168.201.20");
  BOOST_TEST(rows[0].user == "alice");
  BOOST_TEST(rows[0].holders == 1);
  // The peer's ISAKMP SA ends: it lets go.
  self->send(p, lease_release{peer.address(), {}, {}});
  BOOST_TEST(show(p).empty());
  auto c = counts(p);
  BOOST_TEST(c["pool.granted"] == 1);
  BOOST_TEST(c["pool.released"] == 1);
  BOOST_TEST(c["pool.leased"] == 0);
  BOOST_TEST(c["pool.size"] == 180);
  BOOST_TEST(c["pool.free"] == 180);
  BOOST_TEST(c.count("pool.handling_ns") == 1);
  // Reconnect: the same address again.
  auto again = lease(p, "alice", peer);
  BOOST_TEST(again.address == "192.168.201.20");
  BOOST_TEST(again.renewed);
  self->send_exit(peer, caf::exit_reason::user_shutdown);
}

// A peer that crashes never leaks its address.
BOOST_FIXTURE_TEST_CASE(owner_down_releases, pool_fixture) {
  auto p = spawn(180);
  auto peer = sys.spawn(idle_owner, "192.0.2.1");
  BOOST_TEST(lease(p, "alice", peer).ok);
  BOOST_TEST(lease(p, "alice", peer).address == "192.168.201.20"); // asked twice: held once
  self->send_exit(peer, caf::exit_reason::kill);
  BOOST_TEST(eventually([&] { return counts(p)["pool.leased"] == 0; }));
  auto c = counts(p);
  BOOST_TEST(c["pool.owner_down"] == 1);
  BOOST_TEST(c["pool.again"] == 1);
  BOOST_TEST(show(p).empty());
}

// A second login of a live user shares the address until both let go.
BOOST_FIXTURE_TEST_CASE(second_login_shares, pool_fixture) {
  auto p = spawn(180);
  auto first = sys.spawn(idle_owner, "192.0.2.1");
  auto second = sys.spawn(idle_owner, "192.0.2.1");
  BOOST_TEST(lease(p, "bob", first).address == "192.168.201.20");
  auto r = lease(p, "bob", second);
  BOOST_TEST(r.address == "192.168.201.20");
  BOOST_TEST(r.shared);
  self->send_exit(first, caf::exit_reason::kill);
  BOOST_TEST(eventually([&] {
    auto rows = show(p);
    return rows.size() == 1u && rows[0].holders == 1;
  }));
  BOOST_TEST(counts(p)["pool.leased"] == 1);
  self->send_exit(second, caf::exit_reason::kill);
  BOOST_TEST(eventually([&] { return counts(p)["pool.leased"] == 0; }));
}

BOOST_FIXTURE_TEST_CASE(exhaustion_is_an_error, pool_fixture) {
  auto p = spawn(2);
  auto peer = sys.spawn(idle_owner, "192.0.2.1");
  BOOST_TEST(lease(p, "a", peer).ok);
  BOOST_TEST(lease(p, "b", peer).address == "192.168.201.21");
  auto r = lease(p, "c", peer);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.error == "address pool exhausted: 2 of 2 leased, 0 reserved for reconnects");
  BOOST_TEST(counts(p)["pool.exhausted"] == 1);
  // One owner holding two leases: its end frees both.
  self->send(p, lease_release{peer.address(), {}, {}});
  BOOST_TEST(counts(p)["pool.released"] == 2);
  BOOST_TEST(lease(p, "c", peer).ok);
  self->send_exit(peer, caf::exit_reason::user_shutdown);
}

BOOST_FIXTURE_TEST_CASE(release_by_user_or_address, pool_fixture) {
  auto p = spawn(10);
  auto peer = sys.spawn(idle_owner, "192.0.2.1");
  lease(p, "a", peer);
  lease(p, "b", peer);
  self->send(p, lease_release{{}, "a", {}});
  self->send(p, lease_release{{}, {}, "192.168.201.21"});
  self->send(p, lease_release{{}, {}, "not an address"});
  BOOST_TEST(show(p).empty());
  BOOST_TEST(counts(p)["pool.released"] == 2);
  // The owner holds nothing any more; its end changes nothing.
  self->send_exit(peer, caf::exit_reason::kill);
  BOOST_TEST(counts(p)["pool.owner_down"] == 0);
}

// Without an owner, the sender holds the lease.
BOOST_FIXTURE_TEST_CASE(sender_is_the_default_owner, pool_fixture) {
  auto p = spawn(10);
  lease_reply r;
  self->request(p, 5s, lease_request{"carol", {}, {}})
      .receive([&](lease_reply& x) { r = x; }, [](caf::error&) {});
  BOOST_TEST(r.ok);
  self->send(p, lease_release{});
  BOOST_TEST(show(p).empty());
}

// As the daemon will: spawned from a supervisor, kept and asked as dynamically typed
// handles (the stats actor's fan-out asks every child for `status` that way).
BOOST_FIXTURE_TEST_CASE(spawned_like_the_daemon_does, pool_fixture) {
  lease_options lo{*ipv4_value("10.9.0.1"), 0xffffff00, 4, 0s, second_login::share};
  auth_options ao;
  ao.source = auth::backend::ldap;
  ao.workers = 2;
  auto parent = sys.spawn(
      [](caf::event_based_actor* s, lease_options lopts, auth_options aopts) -> caf::behavior {
        auto pool = caf::actor_cast<caf::actor>(spawn_pool(*s, lopts));
        auto auth = caf::actor_cast<caf::actor>(spawn_auth(*s, aopts));
        s->monitor(pool);
        s->monitor(auth);
        return {[pool, auth](int) { return std::vector<caf::actor>{pool, auth}; }};
      },
      lo, ao);
  std::vector<caf::actor> kids;
  self->request(parent, 5s, 0)
      .receive([&](std::vector<caf::actor>& k) { kids = k; }, [](caf::error&) {});
  BOOST_REQUIRE(kids.size() == 2u);
  BOOST_TEST(status_of(kids[0]).values["pool.size"] == 4);
  BOOST_TEST(status_of(kids[1]).values["auth.workers"] == 2);
  BOOST_TEST(status_of(kids[1]).values["auth.in_flight"] == 0);
  for (auto& k : kids)
    self->send_exit(k, caf::exit_reason::user_shutdown);
  self->send_exit(parent, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_CASE(options_from_the_seed_hub) {
  // The hub's local.conf (included by its racoon.conf) holds the mode_cfg block.
  auto loaded = config::load_file(COATI_SOURCE_DIR "/tests/data/seed/rhum/local.conf", {{}, false});
  BOOST_REQUIRE_MESSAGE(loaded.ok(), loaded.render());
  BOOST_REQUIRE(loaded.config->mode_cfg.has_value());
  auto o = pool_options_for(*loaded.config->mode_cfg);
  BOOST_TEST(ipv4_text(o.network) == "192.168.201.20");
  BOOST_TEST(ipv4_text(o.netmask) == "255.255.255.255");
  BOOST_TEST(o.size == 180u);
  config::mode_cfg_block v6;
  v6.network4 = *config::ip_address::parse("2001:db8::1");
  BOOST_CHECK_THROW(pool_options_for(v6), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
