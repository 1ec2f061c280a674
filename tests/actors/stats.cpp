// The stats actor: one `stats` request merges every live actor's counters.
#include <boost/test/unit_test.hpp>

#include "actors/daemon.hpp"
#include "fixture.hpp"

using namespace coati;
using namespace coati::actors;

BOOST_AUTO_TEST_SUITE(stats_actor)

BOOST_FIXTURE_TEST_CASE(merges_every_actor, test::actor_fixture) {
  daemon_options o;
  o.load = [](const std::string&) { return config::load_result{}; };
  o.bind_sockets = false;
  o.with_admin = false;
  auto d = sys.spawn(actors::daemon, o, std::make_shared<config::configuration>());
  // Give the listener something to count, through the daemon's view of its children.
  caf::actor l;
  self->request(d, std::chrono::seconds{5}, children_atom_v)
      .receive(
          [&](child_list& kids) {
            for (std::size_t i = 0; i < kids.names.size(); ++i)
              if (kids.names[i] == "listener")
                l = kids.handles[i];
          },
          [](caf::error&) {});
  BOOST_REQUIRE(l);
  for (int i = 0; i < 3; ++i)
    self->send(
        l, datagram{*coati::config::ip_address::parse("192.0.2.2"), 500, {}, 500, false, {0x42}});
  BOOST_TEST(eventually([&] { return status_of(l).values["listener.received"] == 3; }));
  counters merged;
  for (int round = 0; round < 2; ++round)
    self->request(d, std::chrono::seconds{5}, stats_atom_v)
        .receive([&](counters& c) { merged = c; },
                 [](caf::error& e) { BOOST_FAIL("stats failed: " << to_string(e)); });
  auto& v = merged.values;
  BOOST_TEST(v["listener.dropped.short"] == 3);
  BOOST_TEST(v["daemon.generation"] == 1);
  BOOST_TEST(v["stats.fanouts"] == 2);
  BOOST_TEST(v.count("listener.mailbox_depth") == 1);
  BOOST_TEST(v.count("daemon.handling_ns") == 1);
  BOOST_TEST(v["listener.messages_handled"] >= 4);
  BOOST_TEST(v.count("stats.timeouts") == 1);
  BOOST_TEST(v["stats.timeouts"] == 0);
  self->send_exit(d, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_SUITE_END()
