// actors/light_actor.hpp: the peer's actor base, with its own mailbox. Each point of its
// contract with CAF: messages in order on CAF's workers, questions answered, its own
// questions' answers and timeouts, the end (state destroyed, monitors told, what is left
// answered with the reason), an exception contained to its actor, exit messages.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "actors/light_actor.hpp"
#include "fixture.hpp"

using namespace coati;
using namespace coati::actors;

namespace {

using add_atom = caf::atom_constant<caf::atom("add")>;
using sum_atom = caf::atom_constant<caf::atom("sum")>;
using ask_atom = caf::atom_constant<caf::atom("ask")>;
using boom_atom = caf::atom_constant<caf::atom("boom")>;
using bye_atom = caf::atom_constant<caf::atom("bye")>;
using heard_atom = caf::atom_constant<caf::atom("heard")>;

using tally_api =
    caf::typed_actor<caf::reacts_to<add_atom, int>, caf::replies_to<sum_atom>::with<int>,
                     caf::reacts_to<ask_atom, caf::actor, int>, caf::reacts_to<boom_atom>,
                     caf::reacts_to<bye_atom>,
                     caf::replies_to<heard_atom>::with<std::vector<std::string>>>;

std::atomic<int> states_alive{0};

struct tally_state {
  static inline const char* name = "tally";
  int sum = 0;
  std::vector<std::string> heard; ///< answers and errors of its own questions
  tally_state() { ++states_alive; }
  ~tally_state() { --states_alive; }
  tally_state(const tally_state&) = delete;
  tally_state& operator=(const tally_state&) = delete;
};

class tally final : public light_actor<tally_api, tally_state> {
public:
  tally(caf::actor_config& cfg, int start) : light_actor(cfg) { state.sum = start; }

  behavior_type make_behavior() override { return shared(); }

  /// The one behavior of every tally.
  static tally_api::behavior_type shared() {
    static const tally_api::behavior_type b{
        [](add_atom, int x) { current()->state.sum += x; },
        [](sum_atom) { return current()->state.sum; },
        // Asks `who` for a number within `ms`; the answer (or the error) is heard.
        [](ask_atom, caf::actor who, int ms) {
          auto self = current();
          self->request(who, std::chrono::milliseconds{ms}, sum_atom::value)
              .then(
                  [self](int x) { self->state.heard.push_back(std::to_string(x)); },
                  [self](caf::error& e) { self->state.heard.push_back(self->system().render(e)); });
        },
        [](boom_atom) { throw std::runtime_error("tally: boom"); },
        [](bye_atom) { current()->quit(); },
        [](heard_atom) { return current()->state.heard; },
    };
    return b;
  }
};

int sum_of(caf::scoped_actor& self, const tally_api& t, caf::error* failed = nullptr) {
  int got = -1;
  self->request(t, std::chrono::seconds{5}, sum_atom::value)
      .receive([&](int s) { got = s; },
               [&](caf::error& e) {
                 if (failed != nullptr)
                   *failed = e;
               });
  return got;
}

} // namespace

BOOST_AUTO_TEST_SUITE(light_actor_tests)

BOOST_FIXTURE_TEST_CASE(messages_in_order_on_each_actor_and_one_behavior_for_the_kind,
                        test::actor_fixture) {
  constexpr int n = 64;
  std::vector<tally_api> tallies;
  for (int i = 0; i < n; ++i)
    tallies.push_back(sys.spawn<tally>(i * 1000));
  // Interleaved adds to all, handled on the system's workers in parallel.
  for (int round = 1; round <= 50; ++round)
    for (int i = 0; i < n; ++i)
      self->send(tallies[i], add_atom::value, i);
  for (int i = 0; i < n; ++i)
    BOOST_TEST(sum_of(self, tallies[i]) == i * 1000 + 50 * i);
  // One behavior object: each tally's reference, the static and this copy.
  auto b = tally::shared();
  BOOST_TEST(b.unbox().as_behavior_impl()->get_reference_count() == std::size_t{n + 2});
  // The light mailbox: far below CAF's event-based actor (960 bytes before its state).
  BOOST_TEST(sizeof(tally) - sizeof(tally_state) < 300u);
  BOOST_TEST(sizeof(caf::event_based_actor) > 900u);
}

BOOST_FIXTURE_TEST_CASE(its_own_questions_get_their_answer_or_their_timeout, test::actor_fixture) {
  auto asker = sys.spawn<tally>(0);
  auto answerer = sys.spawn<tally>(42);
  // A dynamically typed actor that never answers, and one that answers with a text where
  // a number is awaited. (Each spawned with an argument: CAF 0.17 reads a null argument
  // tuple for a functor spawned without any.)
  auto silent = sys.spawn(
      [](int) -> caf::behavior {
        return {[](sum_atom) -> caf::result<int> { return caf::delegated<int>{}; }};
      },
      0);
  auto wrong = sys.spawn(
      [](int) -> caf::behavior { return {[](sum_atom) { return std::string{"x"}; }}; }, 0);
  self->send(asker, ask_atom::value, caf::actor_cast<caf::actor>(answerer), 5000);
  self->send(asker, ask_atom::value, wrong, 5000);
  self->send(asker, ask_atom::value, silent, 50);
  auto heard = [&] {
    std::vector<std::string> out;
    self->request(asker, std::chrono::seconds{5}, heard_atom::value)
        .receive([&](std::vector<std::string>& h) { out = std::move(h); }, [](caf::error&) {});
    return out;
  };
  BOOST_TEST(test::actor_fixture::eventually([&] { return heard().size() == 3; }));
  auto h = heard();
  BOOST_REQUIRE(h.size() == 3u);
  // (in the order the answers came: three actors answer on their own)
  auto has = [&](const std::string& part) {
    return std::any_of(h.begin(), h.end(),
                       [&](const std::string& x) { return x.find(part) != std::string::npos; });
  };
  BOOST_TEST(std::count(h.begin(), h.end(), "42") == 1);
  BOOST_TEST(has("unexpected_response"));
  BOOST_TEST(has("request_timeout"));
  self->send_exit(silent, caf::exit_reason::user_shutdown);
  self->send_exit(wrong, caf::exit_reason::user_shutdown);
}

BOOST_FIXTURE_TEST_CASE(quit_destroys_the_state_tells_monitors_and_answers_what_is_left,
                        test::actor_fixture) {
  int before = states_alive.load();
  auto t = sys.spawn<tally>(7);
  BOOST_TEST(sum_of(self, t) == 7);
  BOOST_TEST(states_alive.load() == before + 1);
  self->monitor(t);
  self->send(t, bye_atom::value);
  bool down = false;
  self->receive([&](caf::down_msg& dm) { down = dm.source == t.address(); });
  BOOST_TEST(down);
  BOOST_TEST(states_alive.load() == before); // gone at its end, not when freed
  caf::error failed;
  BOOST_TEST(sum_of(self, t, &failed) == -1); // a question to it now: an error back
  BOOST_TEST(static_cast<bool>(failed));
}

BOOST_FIXTURE_TEST_CASE(an_exception_ends_only_its_own_actor_with_its_error, test::actor_fixture) {
  auto bad = sys.spawn<tally>(1);
  auto good = sys.spawn<tally>(2);
  self->monitor(bad);
  self->send(bad, boom_atom::value);
  caf::error reason;
  self->receive([&](caf::down_msg& dm) { reason = dm.reason; });
  BOOST_TEST(sys.render(reason).find("tally: boom") != std::string::npos);
  BOOST_TEST(sum_of(self, good) == 2);
}

BOOST_FIXTURE_TEST_CASE(an_exit_message_with_a_reason_ends_it_a_normal_one_does_not,
                        test::actor_fixture) {
  auto t = sys.spawn<tally>(3);
  self->monitor(t);
  self->send_exit(t, caf::exit_reason::normal);
  BOOST_TEST(sum_of(self, t) == 3);
  self->send_exit(t, caf::exit_reason::user_shutdown);
  caf::error reason;
  self->receive([&](caf::down_msg& dm) { reason = dm.reason; });
  BOOST_TEST((reason == caf::exit_reason::user_shutdown));
}

BOOST_AUTO_TEST_SUITE_END()
