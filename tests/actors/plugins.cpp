// The event bus and the plugin host, with the real plugins from <build>/plugins: jsonlog
// writes a line per event; a plugin that throws is restarted by policy, then dropped,
// while the others go on; a plugin of another ABI and a missing one are refused.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>

#include "actors/plugins.hpp"
#include "config/address.hpp"
#include "config/model.hpp"
#include "fixture.hpp"
#include "kernel/xfrm_events.hpp"

using namespace coati;
using namespace coati::actors;

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in{path};
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

std::size_t lines(const std::string& s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

} // namespace

BOOST_AUTO_TEST_SUITE(plugin_host)

BOOST_FIXTURE_TEST_CASE(contains_a_crashing_plugin, test::actor_fixture) {
  auto dir =
      std::filesystem::temp_directory_path() / ("coati-plugins-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto log = (dir / "events.jsonl").string();
  auto mark = (dir / "crash.marks").string();
  config::plugins_block b;
  b.path = COATI_PLUGIN_DIR;
  b.restarts = 2;
  b.loads.push_back({"jsonlog", false, {{"file", log}}});
  b.loads.push_back({"crash", false, {{"on", "sa_up"}, {"mark", mark}}});
  b.loads.push_back({"badabi", false, {}});
  b.loads.push_back({"nosuch", false, {}});
  auto opened = open_plugins(b);
  BOOST_REQUIRE(opened.size() == 4u);
  BOOST_TEST(opened[2].error.find("built for plugin ABI 99") != std::string::npos, opened[2].error);
  BOOST_TEST(opened[3].error.find("cannot load") != std::string::npos, opened[3].error);

  auto bus = sys.spawn(bus_actor, 0);
  auto host = sys.spawn(plugins_actor, plugins_options{opened, b.restarts, bus});
  BOOST_TEST(eventually([&] { return status_of(bus).values["bus.subscribers"] == 2; }));

  auto ev = make_event("phase1_up", "198.51.100.2", "192.0.2.1");
  ev.id = "sat\"1";
  self->send(bus, ev);
  BOOST_TEST(eventually([&] { return lines(read_all(log)) == 1; }));
  auto first = read_all(log);
  BOOST_TEST(first.find("\"event\":\"phase1_up\",\"peer\":\"198.51.100.2\",\"local\":\"192.0.2.1\","
                        "\"id\":\"sat\\\"1\"}") != std::string::npos,
             first);

  // Three crashes: restart 1, restart 2, then dropped; jsonlog sees every event.
  for (int i = 0; i < 3; ++i) {
    self->send(bus, make_event("sa_up", "198.51.100.2", "192.0.2.1"));
    BOOST_TEST(eventually([&] { return lines(read_all(log)) == 2u + static_cast<unsigned>(i); }));
    BOOST_TEST(eventually([&] {
      auto c = status_of(host).values;
      return c["plugins.restarts"] == std::min(i + 1, 2) && (i < 2 || c["plugins.dropped"] == 1);
    }));
  }
  BOOST_TEST(read_all(mark) == "start 0\nstart 1\nstart 2\n");
  std::vector<std::string> rows;
  self->request(host, std::chrono::seconds{5}, plugins_atom_v)
      .receive([&](plugin_rows& r) { rows = r.rows; }, [](caf::error&) {});
  BOOST_REQUIRE(rows.size() == 4u);
  BOOST_TEST(rows[0] == "jsonlog running restarts=0");
  BOOST_TEST(rows[1].starts_with("crash dropped restarts=2 error=\""), rows[1]);
  BOOST_TEST(rows[2].starts_with("badabi refused restarts=0"), rows[2]);
  BOOST_TEST(rows[3].starts_with("nosuch refused restarts=0"), rows[3]);
  BOOST_TEST(status_of(bus).values["bus.subscribers"] == 1);

  self->send_exit(host, caf::exit_reason::user_shutdown);
  self->send_exit(bus, caf::exit_reason::user_shutdown);
  std::filesystem::remove_all(dir);
}

// The listener hands every kernel ACQUIRE and EXPIRE to the bus: kernel_acquire carries the
// tunnel's ends and the selector, kernel_expire the SPI and soft/hard.
BOOST_FIXTURE_TEST_CASE(kernel_events_on_the_bus, test::actor_fixture) {
  auto bus = sys.spawn(bus_actor, 0);
  self->send(bus, subscribe_atom_v, caf::actor_cast<caf::actor>(self));
  BOOST_TEST(eventually([&] { return status_of(bus).values["bus.subscribers"] == 1; }));
  auto ip = [](const char* t) { return *config::ip_address::parse(t); };
  kernel::acquire_event a;
  a.src = ip("192.0.2.1");
  a.dst = ip("198.51.100.3");
  a.sel.src = ip("192.168.1.0");
  a.sel.src_prefix = 24;
  a.sel.dst = ip("192.168.3.0");
  a.sel.dst_prefix = 24;
  publish_kernel_event(bus, kernel_event{std::make_shared<const kernel::xfrm_event>(a)});
  kernel::expire_event x;
  x.src = ip("198.51.100.3");
  x.dst = ip("192.0.2.1");
  x.spi = 0xc0ffee01;
  x.hard = true;
  publish_kernel_event(bus, kernel_event{std::make_shared<const kernel::xfrm_event>(x)});
  publish_kernel_event(bus, kernel_event{}); // nothing in it: nothing published
  std::vector<bus_event> got;
  for (int i = 0; i < 2; ++i)
    self->receive([&](bus_event& e) { got.push_back(std::move(e)); },
                  caf::after(std::chrono::seconds{5}) >> [] {});
  BOOST_REQUIRE(got.size() == 2u);
  BOOST_TEST(got[0].kind == "kernel_acquire");
  BOOST_TEST(got[0].peer == "198.51.100.3");
  BOOST_TEST(got[0].local == "192.0.2.1");
  BOOST_TEST(got[0].detail == "192.168.1.0/24 -> 192.168.3.0/24");
  BOOST_TEST(got[1].kind == "kernel_expire");
  BOOST_TEST(got[1].spi_in == 0xc0ffee01u);
  BOOST_TEST(got[1].detail == "hard");
  BOOST_TEST(status_of(bus).values["bus.published"] == 2);
  self->send_exit(bus, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_SUITE_END()
