// The auth actor with real PAM: a private PAM folder (tests/auth/pam_stack.hpp) whose
// pam_exec.so script checks "secret-<user>", takes 5 s for user "slow" and 2 s for
// "sleepy"; pam_succeed_if.so refuses user "locked" in the account step.
#include <boost/test/unit_test.hpp>

#include <mutex>

#include "actors/auth.hpp"
#include "config/model.hpp"
#include "fixture.hpp"
#include "tests/auth/pam_stack.hpp"

using namespace coati;
using namespace coati::actors;
using namespace std::chrono_literals;

namespace {

auth_request request_for(const std::string& user, const std::string& password) {
  return {user, crypto::secret_bytes::from_string(password), "198.51.100.9:4500"};
}

/// Answers in the order they arrived: "user:ok" or "user:<reason>".
struct arrivals {
  std::mutex mtx;
  std::vector<std::string> order;
  void add(const std::string& s) {
    std::lock_guard<std::mutex> lock{mtx};
    order.push_back(s);
  }
  std::vector<std::string> get() {
    std::lock_guard<std::mutex> lock{mtx};
    return order;
  }
};

struct auth_fixture : test::actor_fixture {
  test::pam_stack stack;
  std::vector<auth_actor> spawned;

  ~auth_fixture() {
    for (auto& a : spawned)
      self->send_exit(a, caf::exit_reason::user_shutdown);
  }

  auth_actor spawn(std::size_t workers, std::size_t queue, std::chrono::milliseconds limit) {
    auth_options o;
    o.pam = {"coati-test", stack.confdir()};
    o.workers = workers;
    o.queue_limit = queue;
    o.time_limit = limit;
    spawned.push_back(spawn_auth(sys, o));
    return spawned.back();
  }

  auth_reply ask(const auth_actor& a, const std::string& user, const std::string& password) {
    auth_reply out{false, auth::reason::backend_error, "no answer", {}};
    self->request(a, 30s, request_for(user, password))
        .receive([&](auth_reply& r) { out = std::move(r); },
                 [&](caf::error& e) { out.text = to_string(e); });
    return out;
  }

  using checks_list = std::vector<std::pair<std::string, std::string>>;

  /// Sends every (user, password) at once from a helper actor, in this order; answers
  /// are recorded in `log` as they arrive.
  void fire(const auth_actor& a, checks_list checks, arrivals& log) {
    // (Spawned with arguments: CAF 0.17.6 dereferences a null argument tuple when a
    // function is spawned without any, which UBSan stops.)
    sys.spawn(
        [](caf::event_based_actor* s, auth_actor to, const checks_list& list, arrivals* out) {
          for (const auto& [user, password] : list)
            s->request(to, 60s, request_for(user, password))
                .then(
                    [out, u = user](auth_reply& r) {
                      out->add(u + ":" + std::string{auth::to_string(r.reason)});
                    },
                    [out, u = user](caf::error&) { out->add(u + ":error"); });
        },
        a, std::move(checks), &log);
  }

  std::map<std::string, std::int64_t> counts(const auth_actor& a) {
    return status_of(caf::actor_cast<caf::actor>(a)).values;
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(auth_actor_tests)

BOOST_FIXTURE_TEST_CASE(verdicts_with_reasons, auth_fixture) {
  auto a = spawn(2, 8, 10s);
  auto ok = ask(a, "alice", "secret-alice");
  BOOST_TEST(ok.ok, ok.text);
  BOOST_TEST(auth::to_string(ok.reason) == "ok");
  auto wrong = ask(a, "alice", "secret-bob");
  BOOST_TEST(!wrong.ok);
  BOOST_TEST(auth::to_string(wrong.reason) == "bad_credentials");
  BOOST_TEST(wrong.text.find("secret-bob") == std::string::npos);
  auto locked = ask(a, "locked", "secret-locked");
  BOOST_TEST(auth::to_string(locked.reason) == "account_denied");
  auto c = counts(a);
  BOOST_TEST(c["auth.requests"] == 3);
  BOOST_TEST(c["auth.ok"] == 1);
  BOOST_TEST(c["auth.failed.bad_credentials"] == 1);
  BOOST_TEST(c["auth.failed.account_denied"] == 1);
  BOOST_TEST(c["auth.workers"] == 2);
  BOOST_TEST(c["auth.in_flight"] == 0);
  BOOST_TEST(c["auth.timeouts"] == 0);
  BOOST_TEST(c.count("auth.handling_ns") == 1);
}

BOOST_FIXTURE_TEST_CASE(password_never_printed, auth_fixture) {
  auto text = caf::to_string(caf::make_message(request_for("alice", "hunter2-xyz")));
  BOOST_TEST(text.find("alice") != std::string::npos, text);
  BOOST_TEST(text.find("hunter2") == std::string::npos, text);
}

// A PAM conversation that takes 5 s holds one worker; fifty other users, sent after it,
// are all answered before it.
BOOST_FIXTURE_TEST_CASE(slow_check_does_not_delay_others, auth_fixture) {
  auto a = spawn(8, 64, 20s);
  std::vector<std::pair<std::string, std::string>> checks{{"slow", "secret-slow"}};
  for (int i = 0; i < 50; ++i) {
    auto u = "fast" + std::to_string(i);
    checks.emplace_back(u, i % 10 == 9 ? "wrong" : "secret-" + u);
  }
  arrivals log;
  fire(a, checks, log);
  // While the slow one is still inside PAM, all fifty others have their answer.
  BOOST_TEST(eventually([&] { return log.get().size() == 50; }, 20s));
  BOOST_TEST(counts(a)["auth.in_flight"] == 1);
  BOOST_TEST(eventually([&] { return log.get().size() == 51; }, 20s));
  auto order = log.get();
  BOOST_REQUIRE(order.size() == 51u);
  BOOST_TEST(order.back() == "slow:ok");
  BOOST_TEST(std::count(order.begin(), order.end() - 1, std::string{"slow:ok"}) == 0);
  auto c = counts(a);
  BOOST_TEST(c["auth.ok"] == 46);
  BOOST_TEST(c["auth.failed.bad_credentials"] == 5);
  BOOST_TEST(c["auth.busy"] == 0);
  BOOST_TEST(c["auth.timeouts"] == 0);
}

// One worker, a queue of two: the fourth check is refused at once.
BOOST_FIXTURE_TEST_CASE(full_queue_answers_busy, auth_fixture) {
  auto a = spawn(1, 2, 20s);
  arrivals log;
  fire(a,
       {{"sleepy", "secret-sleepy"},
        {"ann", "secret-ann"},
        {"bea", "secret-bea"},
        {"cid", "secret-cid"}},
       log);
  BOOST_TEST(eventually([&] { return log.get().size() == 4; }, 20s));
  auto order = log.get();
  BOOST_REQUIRE(order.size() == 4u);
  BOOST_TEST(order[0] == "cid:busy");
  BOOST_TEST(order[1] == "sleepy:ok");
  BOOST_TEST(order[2] == "ann:ok");
  BOOST_TEST(order[3] == "bea:ok");
  auto c = counts(a);
  BOOST_TEST(c["auth.busy"] == 1);
  BOOST_TEST(c["auth.ok"] == 3);
  BOOST_TEST(c["auth.queued"] == 0);
}

// A check over the limit is answered as a timeout; so is one that waited behind it; the
// worker's late answer is dropped and the worker serves again.
BOOST_FIXTURE_TEST_CASE(time_limit_answers_timeout, auth_fixture) {
  auto a = spawn(1, 4, 500ms);
  arrivals log;
  fire(a, {{"sleepy", "secret-sleepy"}, {"ann", "secret-ann"}}, log);
  BOOST_TEST(eventually([&] { return log.get().size() == 2; }, 5s));
  auto order = log.get();
  BOOST_TEST((order == std::vector<std::string>{"sleepy:timeout", "ann:timeout"}));
  BOOST_TEST(counts(a)["auth.timeouts"] == 2);
  BOOST_TEST(eventually([&] { return counts(a)["auth.late"] == 1; }, 10s));
  auto again = ask(a, "ann", "secret-ann");
  BOOST_TEST(again.ok, again.text);
  auto c = counts(a);
  BOOST_TEST(c["auth.ok"] == 1);
  BOOST_TEST(c["auth.in_flight"] == 0);
}

// racoon's auth_groups: the users of the pam_exec stack have no system groups.
BOOST_FIXTURE_TEST_CASE(auth_groups_restrict, auth_fixture) {
  auth_options o;
  o.pam = {"coati-test", stack.confdir()};
  o.auth_groups = {"coati-vpn"};
  auto a = spawn_auth(sys, o);
  spawned.push_back(a);
  auto r = ask(a, "alice", "secret-alice");
  BOOST_TEST(!r.ok);
  BOOST_TEST(auth::to_string(r.reason) == "account_denied");
  BOOST_TEST(r.text.starts_with("in none of the auth_groups (the user's groups: "), r.text);
  BOOST_TEST(counts(a)["auth.failed.account_denied"] == 1);
}

BOOST_FIXTURE_TEST_CASE(unsupported_backend_says_so, auth_fixture) {
  auth_options o;
  o.source = auth::backend::ldap;
  auto a = spawn_auth(sys, o);
  spawned.push_back(a);
  auto r = ask(a, "alice", "secret-alice");
  BOOST_TEST(auth::to_string(r.reason) == "unsupported");
  BOOST_TEST(counts(a)["auth.failed.unsupported"] == 1);
}

BOOST_AUTO_TEST_CASE(options_from_mode_cfg) {
  config::mode_cfg_block m;
  m.auth = config::auth_source::pam;
  auto o = auth_options_for(m);
  BOOST_TEST(auth::to_string(o.source) == "pam");
  BOOST_TEST(o.pam.service == "racoon");
  BOOST_TEST(o.workers == 8u);
  m.auth = config::auth_source::system;
  m.auth_groups = {"vpn", "staff"};
  o = auth_options_for(m);
  BOOST_TEST(auth::to_string(o.source) == "system");
  BOOST_TEST(o.auth_groups.size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
