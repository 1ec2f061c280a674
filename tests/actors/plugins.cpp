// The event bus and the plugin host, with the real plugins from <build>/plugins: jsonlog
// writes a line per event; a plugin that throws is restarted by policy, then dropped,
// while the others go on; a plugin of another ABI and a missing one are refused.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>

#include "actors/plugins.hpp"
#include "config/model.hpp"
#include "fixture.hpp"

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

BOOST_AUTO_TEST_SUITE_END()
