// actors/shared_behavior.hpp: the actors of one kind hold one behavior object, and each
// handler acts on the actor whose message it handles, while CAF's workers run many of
// them at once.
#include <boost/test/unit_test.hpp>

#include <vector>

#include "actors/shared_behavior.hpp"
#include "fixture.hpp"

using namespace coati;
using namespace coati::actors;

namespace {

using add_atom = caf::atom_constant<caf::atom("add")>;
using sum_atom = caf::atom_constant<caf::atom("sum")>;

using tally_api =
    caf::typed_actor<caf::reacts_to<add_atom, int>, caf::replies_to<sum_atom>::with<int>>;

struct tally_state {
  int sum = 0;
};

/// A kind like the peer: state set at spawn, handlers without captures.
class tally final : public shared_behavior_actor<tally_api, tally_state> {
public:
  tally(caf::actor_config& cfg, int start) : shared_behavior_actor(cfg) { state.sum = start; }

  behavior_type make_behavior() override { return shared(); }

  /// The one behavior of every tally.
  static tally_api::behavior_type shared() {
    static const tally_api::behavior_type b{
        [](add_atom, int x) { current()->state.sum += x; },
        [](sum_atom) { return current()->state.sum; },
    };
    return b;
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(shared_behavior_tests)

BOOST_FIXTURE_TEST_CASE(one_behavior_for_the_kind_and_each_handler_on_its_own_actor,
                        test::actor_fixture) {
  constexpr int n = 64;
  std::vector<tally_api> tallies;
  for (int i = 0; i < n; ++i)
    tallies.push_back(sys.spawn<tally>(i * 1000));
  // Interleaved adds to all of them, handled on the system's workers in parallel: each
  // sum is its own actor's.
  for (int round = 1; round <= 50; ++round)
    for (int i = 0; i < n; ++i)
      self->send(tallies[i], add_atom::value, i);
  for (int i = 0; i < n; ++i) {
    int got = -1;
    self->request(tallies[i], caf::infinite, sum_atom::value)
        .receive([&](int s) { got = s; }, [&](caf::error&) {});
    BOOST_TEST(got == i * 1000 + 50 * i);
  }
  // Every tally (all started now: each answered) holds the kind's behavior: one object,
  // referenced by each of them, the function's static and the copy asked for here; not
  // one per actor.
  auto b = tally::shared();
  BOOST_TEST(b.unbox().as_behavior_impl()->get_reference_count() == std::size_t{n + 2});
}

BOOST_AUTO_TEST_SUITE_END()
