// The alarm service (actors/alarms.hpp): alarms arrive in deadline order, whatever order
// they were set in; an actor that ended gets nothing (and the service goes on); only an
// alarm due before every pending one wakes the thread early.
#include <boost/test/unit_test.hpp>

#include <mutex>
#include <vector>

#include "actors/alarms.hpp"
#include "fixture.hpp"

using namespace coati;
using namespace coati::actors;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(alarm_service_tests)

BOOST_FIXTURE_TEST_CASE(deadline_order_dead_actors_and_early_wakeups, test::actor_fixture) {
  auto seen = std::make_shared<std::vector<int>>();
  auto mu = std::make_shared<std::mutex>();
  auto recorder = sys.spawn(
      [](caf::event_based_actor*, std::shared_ptr<std::vector<int>> out,
         std::shared_ptr<std::mutex> m) -> caf::behavior {
        return {[out, m](int x) {
          std::lock_guard lock{*m};
          out->push_back(x);
        }};
      },
      seen, mu);
  auto gone = sys.spawn(
      [](caf::event_based_actor* a, int) -> caf::behavior {
        a->quit();
        return {[](int) {}};
      },
      0);
  alarm_service alarms;
  auto addr = caf::actor_cast<caf::actor_addr>(recorder);
  // Set latest first: 3 (300 ms), then 1 (100 ms), then 2 (200 ms), then 4 (300 ms, after 3).
  alarms.after(300ms, addr, caf::make_message(3));
  alarms.after(100ms, addr, caf::make_message(1));
  alarms.after(200ms, addr, caf::make_message(2));
  alarms.after(300ms, addr, caf::make_message(4));
  alarms.after(50ms, caf::actor_cast<caf::actor_addr>(gone), caf::make_message(99));
  // 3 woke the idle thread, 1 was earlier than 3, 2 and 4 were not, the dead one was.
  BOOST_TEST(alarms.early_wakeups() == 3u);
  BOOST_TEST(alarms.pending() == 5u);
  BOOST_TEST(eventually([&] {
    std::lock_guard lock{*mu};
    return seen->size() == 4;
  }));
  {
    std::lock_guard lock{*mu};
    BOOST_TEST(*seen == (std::vector<int>{1, 2, 3, 4}));
  }
  BOOST_TEST(eventually([&] { return alarms.pending() == 0; }));
  self->send_exit(recorder, caf::exit_reason::user_shutdown);
}

BOOST_FIXTURE_TEST_CASE(pending_alarms_are_dropped_at_the_end, test::actor_fixture) {
  auto got = std::make_shared<std::atomic<int>>(0);
  auto recorder = sys.spawn(
      [](caf::event_based_actor*, std::shared_ptr<std::atomic<int>> n) -> caf::behavior {
        return {[n](int) { ++*n; }};
      },
      got);
  {
    alarm_service alarms;
    alarms.after(std::chrono::hours{1}, caf::actor_cast<caf::actor_addr>(recorder),
                 caf::make_message(1));
    BOOST_TEST(alarms.pending() == 1u);
  } // stops at once, without waiting for the hour
  BOOST_TEST(got->load() == 0);
  self->send_exit(recorder, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_SUITE_END()
