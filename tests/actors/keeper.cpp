// The keeper (actors/keeper.hpp) without an actor system: back-off, a move that starts the
// next phase 1 at once, the back-off cut short when the network comes back; and the
// netwatch check whether an address is still ours (actors/netwatch.hpp).
#include <boost/test/unit_test.hpp>

#include "actors/keeper.hpp"
#include "actors/netwatch.hpp"

using coati::actors::keeper;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(keeper_moves)

BOOST_AUTO_TEST_CASE(a_move_restarts_at_once_without_counting_a_failure) {
  keeper k;
  k.started("192.0.2.1");
  auto a = k.ended("192.0.2.1", false); // failed attempts grow the back-off
  auto b = k.ended("192.0.2.1", false);
  BOOST_TEST(a->first.count() == 1);
  BOOST_TEST(b->first.count() == 2);
  k.started("192.0.2.1");
  k.moved("192.0.2.1");
  auto m = k.ended("192.0.2.1", true);
  BOOST_REQUIRE(m.has_value());
  BOOST_TEST(m->first.count() == 0);
  BOOST_TEST(k.due("192.0.2.1", m->second) != nullptr);
  k.started("192.0.2.1");
  auto after = k.ended("192.0.2.1", false); // the move was once: back to the back-off
  BOOST_TEST(after->first.count() == 1);
  k.moved("198.51.100.9"); // not kept: nothing
  BOOST_TEST(!k.ended("198.51.100.9", true).has_value());
}

BOOST_AUTO_TEST_CASE(the_network_coming_back_cuts_the_back_off_short) {
  keeper k;
  k.started("192.0.2.1");
  BOOST_TEST(!k.cut_short("192.0.2.1").has_value()); // nothing waits
  for (int i = 0; i < 5; ++i)
    k.ended("192.0.2.1", false);
  auto next = k.ended("192.0.2.1", false);
  BOOST_TEST(next->first.count() == 32);
  BOOST_TEST(k.waiting() == std::vector<std::string>{"192.0.2.1"});
  auto now = k.cut_short("192.0.2.1");
  BOOST_REQUIRE(now.has_value());
  BOOST_TEST(*now == next->second);                        // the waiting tick's generation
  BOOST_TEST(k.due("192.0.2.1", *now) != nullptr);         // due now
  k.started("192.0.2.1");                                  // the attempt starts
  BOOST_TEST(k.due("192.0.2.1", next->second) == nullptr); // the old tick is stale
  BOOST_TEST(k.waiting().empty());
}

BOOST_AUTO_TEST_CASE(an_address_is_ours_while_it_can_be_bound) {
  auto lo = coati::config::ip_address::parse("127.0.0.1");
  auto far = coati::config::ip_address::parse("192.0.2.231"); // TEST-NET, nobody's
  BOOST_REQUIRE(lo && far);
  BOOST_TEST(coati::actors::is_local_address(*lo));
  BOOST_TEST(!coati::actors::is_local_address(*far));
}

BOOST_AUTO_TEST_SUITE_END()
