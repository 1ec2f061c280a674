// The alarm service (actors/alarms.hpp): alarms arrive in deadline order, whatever order
// they were set in; an actor that ended or left gets nothing (and the service goes on);
// only an alarm due before every pending one wakes the thread early; an actor that left
// is no longer referenced.
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
        return {[out, m](caf::atom_constant<caf::atom("test")>, int x) {
          std::lock_guard lock{*m};
          out->push_back(x);
        }};
      },
      seen, mu);
  auto gone = sys.spawn(
      [](caf::event_based_actor* a, int) -> caf::behavior {
        a->quit();
        return {[](caf::atom_constant<caf::atom("test")>, int) {}};
      },
      0);
  alarm_service alarms;
  auto rec = alarms.enroll(caf::actor_cast<caf::actor_addr>(recorder));
  auto dead = alarms.enroll(caf::actor_cast<caf::actor_addr>(gone));
  auto left = alarms.enroll(caf::actor_cast<caf::actor_addr>(recorder));
  auto make = &timer_message<caf::atom_constant<caf::atom("test")>, int>;
  // Set latest first: 3 (300 ms), then 1 (100 ms), then 2 (200 ms), then 4 (300 ms, after 3).
  alarms.after(300ms, rec, make, 3);
  alarms.after(100ms, rec, make, 1);
  alarms.after(200ms, rec, make, 2);
  alarms.after(300ms, rec, make, 4);
  alarms.after(50ms, dead, make, 99);
  alarms.after(150ms, left, make, 98);
  alarms.leave(left); // its alarm stays pending until due, and is not sent
  BOOST_TEST(alarms.enrolled() == 2u);
  // 3 woke the idle thread, 1 was earlier than 3, 2 and 4 were not, the dead one was.
  BOOST_TEST(alarms.early_wakeups() == 3u);
  BOOST_TEST(alarms.pending() == 6u);
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
        return {[n](caf::atom_constant<caf::atom("test")>, int) { ++*n; }};
      },
      got);
  {
    alarm_service alarms;
    alarms.after(std::chrono::hours{1}, alarms.enroll(caf::actor_cast<caf::actor_addr>(recorder)),
                 &timer_message<caf::atom_constant<caf::atom("test")>, int>, 1);
    BOOST_TEST(alarms.pending() == 1u);
  } // stops at once, without waiting for the hour
  BOOST_TEST(got->load() == 0);
  self->send_exit(recorder, caf::exit_reason::user_shutdown);
}

// An actor whose state holds an alarm_slot leaves the service when it ends: its hour-long
// alarm no longer references it, so its memory goes at once (CAF frees an actor's memory
// when the last weak reference goes, and the service held one per pending alarm before).
BOOST_FIXTURE_TEST_CASE(an_ended_actor_leaves_and_is_not_held, test::actor_fixture) {
  struct slot_state {
    alarm_slot alarm;
  };
  auto svc = std::make_shared<alarm_service>();
  auto a = sys.spawn(
      [](caf::stateful_actor<slot_state>* me, std::shared_ptr<alarm_service> s) -> caf::behavior {
        me->state.alarm.after(s, me, std::chrono::hours{1},
                              &timer_message<caf::atom_constant<caf::atom("test")>, int>, 1);
        return {[me](caf::atom_constant<caf::atom("test")>, int) { me->quit(); }};
      },
      svc);
  BOOST_TEST(eventually([&] { return svc->enrolled() == 1u; }));
  BOOST_TEST(svc->pending() == 1u);
  caf::actor_control_block* block = caf::actor_cast<caf::actor_control_block*>(a);
  auto weak_before = block->weak_refs.load();
  self->send_exit(a, caf::exit_reason::user_shutdown);
  BOOST_TEST(eventually([&] { return svc->enrolled() == 0u; }));
  // Our own handle keeps the block; the service's weak reference is gone.
  BOOST_TEST(block->weak_refs.load() < weak_before);
  BOOST_TEST(svc->pending() == 1u); // dropped when due
}

BOOST_AUTO_TEST_SUITE_END()
