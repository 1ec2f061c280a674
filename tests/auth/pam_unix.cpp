// pam_unix.so against a private shadow file: run by pam_unix.sh, which bind-mounts private
// copies of /etc/passwd, /etc/shadow and /etc/group (with the users below) in a mount
// namespace of its own and names the private PAM folder in COATI_PAM_CONFDIR.
//   coati-alice    password "alice pw 1", groups coati-vpn and coati-staff
//   coati-expired  password "expired pw", account expired in 1970
//   coati-oldpw    password "old pw", older than its 30 days maximum
#define BOOST_TEST_MODULE coati_auth_pam_unix
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>

#include "actors/auth.hpp"
#include "auth/pam.hpp"
#include "tests/actors/fixture.hpp"

using namespace coati;
using namespace std::chrono_literals;

namespace {

auth::pam_options unix_stack() {
  const char* dir = std::getenv("COATI_PAM_CONFDIR");
  BOOST_REQUIRE_MESSAGE(dir != nullptr, "run through tests/auth/pam_unix.sh");
  return {"coati-unix", dir};
}

crypto::secret_bytes pw(const std::string& s) {
  return crypto::secret_bytes::from_string(s);
}

bool has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

} // namespace

BOOST_AUTO_TEST_SUITE(pam_unix)

BOOST_AUTO_TEST_CASE(right_password_with_groups) {
  auto r = auth::pam_check(unix_stack(), "coati-alice", pw("alice pw 1"), "203.0.113.5:500");
  BOOST_TEST(r.ok(), r.text);
  BOOST_TEST(r.groups.front() == "coati-alice"); // the primary group first
  BOOST_TEST(has(r.groups, "coati-vpn"));
  BOOST_TEST(has(r.groups, "coati-staff"));
}

BOOST_AUTO_TEST_CASE(wrong_password_and_unknown_user) {
  auto r = auth::pam_check(unix_stack(), "coati-alice", pw("alice pw 2"), "");
  BOOST_TEST(auth::to_string(r.why) == "bad_credentials");
  BOOST_TEST(r.text.find("alice pw") == std::string::npos);
  BOOST_TEST(r.groups.empty());
  r = auth::pam_check(unix_stack(), "coati-nobody", pw("x"), "");
  BOOST_TEST(auth::to_string(r.why) == "bad_credentials");
}

BOOST_AUTO_TEST_CASE(expired_account_and_password) {
  auto r = auth::pam_check(unix_stack(), "coati-expired", pw("expired pw"), "");
  BOOST_TEST(auth::to_string(r.why) == "account_expired", r.text);
  r = auth::pam_check(unix_stack(), "coati-oldpw", pw("old pw"), "");
  BOOST_TEST(auth::to_string(r.why) == "account_expired", r.text);
}

// The same check through the auth actor, as a peer would ask it.
BOOST_FIXTURE_TEST_CASE(through_the_auth_actor, test::actor_fixture) {
  actors::auth_options o;
  o.pam = unix_stack();
  auto a = actors::spawn_auth(sys, o);
  auto ask_of = [&](const actors::auth_actor& who, const std::string& user,
                    const std::string& password) {
    actors::auth_reply out;
    self->request(who, 10s, actors::auth_request{user, pw(password), "203.0.113.5:500"})
        .receive([&](actors::auth_reply& r) { out = std::move(r); },
                 [&](caf::error& e) { out.text = to_string(e); });
    return out;
  };
  auto ask = [&](const std::string& user, const std::string& password) {
    return ask_of(a, user, password);
  };
  auto ok = ask("coati-alice", "alice pw 1");
  BOOST_TEST(ok.ok, ok.text);
  BOOST_TEST(has(ok.groups, "coati-vpn"));
  auto bad = ask("coati-alice", "nope");
  BOOST_TEST(auth::to_string(bad.reason) == "bad_credentials");
  auto c = status_of(caf::actor_cast<caf::actor>(a)).values;
  BOOST_TEST(c["auth.ok"] == 1);
  BOOST_TEST(c["auth.failed.bad_credentials"] == 1);
  self->send_exit(a, caf::exit_reason::user_shutdown);
  // racoon's auth_groups, with the groups of the private /etc/group.
  o.auth_groups = {"coati-admins", "coati-staff"};
  auto staff = actors::spawn_auth(sys, o);
  BOOST_TEST(ask_of(staff, "coati-alice", "alice pw 1").ok);
  o.auth_groups = {"coati-admins"};
  auto admins = actors::spawn_auth(sys, o);
  auto denied = ask_of(admins, "coati-alice", "alice pw 1");
  BOOST_TEST(auth::to_string(denied.reason) == "account_denied");
  self->send_exit(staff, caf::exit_reason::user_shutdown);
  self->send_exit(admins, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_SUITE_END()
