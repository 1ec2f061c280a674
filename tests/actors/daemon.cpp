// The daemon: supervision (a crashed child is restarted, the others keep answering)
// and reload (an invalid file keeps the old snapshot).
#include <boost/test/unit_test.hpp>

#include <memory>

#include "actors/daemon.hpp"
#include "fixture.hpp"

using namespace coati;
using namespace coati::actors;

namespace {

/// A loader whose answer the test switches between a valid and a broken file.
struct fake_loader {
  std::shared_ptr<bool> valid = std::make_shared<bool>(true);
  std::shared_ptr<int> calls = std::make_shared<int>(0);
  std::shared_ptr<std::uint16_t> isakmp_port = std::make_shared<std::uint16_t>(0);

  config::load_result operator()(const std::string& path) const {
    *calls += 1;
    config::load_result r;
    if (*valid) {
      auto c = std::make_shared<config::configuration>();
      if (*isakmp_port != 0)
        c->listen.isakmp.push_back({*config::ip_address::parse("192.0.2.1"), *isakmp_port});
      r.config = c;
    } else {
      config::diagnostic d;
      d.file = path;
      d.line = 3;
      d.column = 7;
      d.message = "unexpected '}'";
      r.diagnostics.push_back(d);
    }
    return r;
  }
};

daemon_options test_options(const fake_loader& loader) {
  daemon_options o;
  o.config_path = "/test/racoon.conf";
  o.load = loader;
  o.bind_sockets = false;
  o.with_admin = false;
  o.test_hooks = true;
  return o;
}

caf::actor child_named(caf::scoped_actor& self, const caf::actor& d, const std::string& name) {
  caf::actor out;
  self->request(d, std::chrono::seconds{5}, children_atom_v)
      .receive(
          [&](child_list& kids) {
            for (std::size_t i = 0; i < kids.names.size(); ++i)
              if (kids.names[i] == name)
                out = kids.handles[i];
          },
          [](caf::error&) {});
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(daemon_actor)

BOOST_FIXTURE_TEST_CASE(restarts_a_crashed_child, test::actor_fixture) {
  fake_loader loader;
  auto d =
      sys.spawn(actors::daemon, test_options(loader), std::make_shared<config::configuration>());
  auto before = child_named(self, d, "listener");
  BOOST_REQUIRE(before);
  auto stats_before = child_named(self, d, "stats");
  // Feed the listener, crash it through the daemon's test hook.
  self->send(
      before,
      datagram{*coati::config::ip_address::parse("192.0.2.2"), 500, {}, 500, false, {1, 2, 3}});
  bool sent = false;
  self->request(d, std::chrono::seconds{5}, crash_atom_v, std::string{"listener"})
      .receive([&](bool ok) { sent = ok; }, [](caf::error&) {});
  BOOST_TEST(sent);
  BOOST_TEST(eventually([&] { return status_of(d).values["daemon.restarts"] == 1; }));
  auto after = child_named(self, d, "listener");
  BOOST_REQUIRE(after);
  BOOST_TEST((after != before));
  // The new listener starts from zero and works; the stats actor was not touched.
  auto c = status_of(after).values;
  BOOST_TEST(c["listener.received"] == 0);
  BOOST_TEST((child_named(self, d, "stats") == stats_before));
  auto s = status_of(d).values;
  BOOST_TEST(s["daemon.child.listener.restarts"] == 1);
  BOOST_TEST(s["daemon.child.stats.restarts"] == 0);
  BOOST_TEST(s["daemon.children"] == 6); // stats, bus, kernel, policy, script, listener
  // Unknown child: refused.
  self->request(d, std::chrono::seconds{5}, crash_atom_v, std::string{"nobody"})
      .receive([&](bool ok) { sent = ok; }, [](caf::error&) {});
  BOOST_TEST(!sent);
  self->send_exit(d, caf::exit_reason::user_shutdown);
}

BOOST_FIXTURE_TEST_CASE(crash_hook_refused_without_test_hooks, test::actor_fixture) {
  fake_loader loader;
  auto o = test_options(loader);
  o.test_hooks = false;
  auto d = sys.spawn(actors::daemon, o, std::make_shared<config::configuration>());
  bool sent = true;
  self->request(d, std::chrono::seconds{5}, crash_atom_v, std::string{"listener"})
      .receive([&](bool ok) { sent = ok; }, [](caf::error&) {});
  BOOST_TEST(!sent);
  BOOST_TEST(status_of(d).values["daemon.restarts"] == 0);
  self->send_exit(d, caf::exit_reason::user_shutdown);
}

BOOST_FIXTURE_TEST_CASE(reload_keeps_old_snapshot_on_error, test::actor_fixture) {
  fake_loader loader;
  auto d =
      sys.spawn(actors::daemon, test_options(loader), std::make_shared<config::configuration>());
  auto reload = [&] {
    reload_result out;
    self->request(d, std::chrono::seconds{5}, reload_atom_v)
        .receive([&](reload_result& r) { out = r; }, [](caf::error&) {});
    return out;
  };
  *loader.valid = false;
  auto bad = reload();
  BOOST_TEST(!bad.ok);
  BOOST_TEST(bad.generation == 1);
  BOOST_TEST(bad.message.find("/test/racoon.conf:3:7: error: unexpected '}'") != std::string::npos);
  auto s = status_of(d).values;
  BOOST_TEST(s["daemon.generation"] == 1);
  BOOST_TEST(s["daemon.reloads_failed"] == 1);
  *loader.valid = true;
  auto good = reload();
  BOOST_TEST(good.ok);
  BOOST_TEST(good.generation == 2);
  s = status_of(d).values;
  BOOST_TEST(s["daemon.generation"] == 2);
  BOOST_TEST(s["daemon.reloads_ok"] == 1);
  BOOST_TEST(*loader.calls == 2);
  self->send_exit(d, caf::exit_reason::user_shutdown);
}

BOOST_FIXTURE_TEST_CASE(reload_with_new_listen_block_replaces_listener, test::actor_fixture) {
  fake_loader loader;
  auto d =
      sys.spawn(actors::daemon, test_options(loader), std::make_shared<config::configuration>());
  auto before = child_named(self, d, "listener");
  BOOST_REQUIRE(before);
  // Same listen block: the listener stays.
  self->request(d, std::chrono::seconds{5}, reload_atom_v)
      .receive([](reload_result&) {}, [](caf::error&) {});
  BOOST_TEST((child_named(self, d, "listener") == before));
  // New `isakmp` line: the listener is replaced, which is no restart.
  *loader.isakmp_port = 500;
  self->request(d, std::chrono::seconds{5}, reload_atom_v)
      .receive([](reload_result&) {}, [](caf::error&) {});
  BOOST_TEST(eventually([&] {
    auto now = child_named(self, d, "listener");
    return now && now != before;
  }));
  auto s = status_of(d).values;
  BOOST_TEST(s["daemon.generation"] == 3);
  BOOST_TEST(s["daemon.restarts"] == 0);
  self->send_exit(d, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_SUITE_END()
