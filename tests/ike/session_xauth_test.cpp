// ike::session as an XAuth server after a hybrid phase 1: the hub's side of a
// roadwarrior login, driven by coati's own hybrid client, XAuth client and Mode Config
// client, message by message; what the session asks of its actor at each step.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>

#include "ike/mode_cfg.hpp"
#include "ike/session.hpp"
#include "ike/xauth.hpp"
#include "phase1_fixtures.hpp"

using namespace coati;
using namespace coati::ike;
using namespace coati::ike::testing;

namespace {

template <class T>
std::vector<T*> all(effects& fx) {
  std::vector<T*> out;
  for (auto& e : fx)
    if (auto* p = std::get_if<T>(&e))
      out.push_back(p);
  return out;
}

bool counted(effects& fx, const std::string& name) {
  auto c = all<count_effect>(fx);
  return std::any_of(c.begin(), c.end(), [&](auto* e) { return e->name == name; });
}

bytes one_sent(effects& fx) {
  auto s = all<send_effect>(fx);
  BOOST_REQUIRE_EQUAL(s.size(), 1u);
  return s.front()->wire;
}

phase1_offer hybrid(xauth_role role) {
  phase1_offer o{ike_attr::enc_3des,       0,    ike_attr::hash_sha1, ike_attr::auth_hybrid_rsa_i,
                 ike_attr::group_modp1024, 28800};
  o.xauth = role;
  return o;
}

/// A hub session (hybrid server, responder) and coati's hybrid client, phase 1 done.
struct login {
  std::optional<main_mode> client;
  std::optional<session> hub;
  effects up; ///< the hub's effects of MM5: MM6, phase 1 up, the XAuth REQUEST
  login() {
    phase1_policy cp;
    cp.offers = {hybrid(xauth_role::client)};
    cp.cas = the_pki().cas("good");
    phase1_identity rw;
    rw.id = id_payload::fqdn("roadwarrior.example");
    phase1_policy sp;
    sp.offers = {hybrid(xauth_role::server)};
    client.emplace(main_mode::initiator(rw, cp, ck(0x31)));
    hub.emplace(main_mode::responder(the_pki().who("good", "rhum"), sp, ck(0x32)), false);
    auto mm1 = client->start().send.front();               // MM1 -->
    auto f2 = hub->receive(mm1);                           // <-- MM2
    auto mm3 = client->receive(one_sent(f2)).send.front(); // MM3 -->
    auto f4 = hub->receive(mm3);                           // <-- MM4
    auto mm5 = client->receive(one_sent(f4)).send.front(); // MM5 -->
    up = hub->receive(mm5);                                // <-- MM6, XAUTH REQUEST
    auto sends = all<send_effect>(up);
    BOOST_REQUIRE_EQUAL(sends.size(), 2u);
    client->receive(sends[0]->wire); // MM6: the client's phase 1 is up
    BOOST_REQUIRE(client->established() != nullptr);
  }
  phase1_context ctx() const {
    const auto& sa = *client->established();
    return {&sa.keys, sa.icookie, sa.rcookie};
  }
  bytes request() { return all<send_effect>(up)[1]->wire; }
};

mode_cfg_values seed_values() {
  mode_cfg_values v;
  v.address = ipv4_address{192, 168, 201, 20};
  v.netmask = ipv4_address{255, 255, 255, 255};
  v.dns = {{192, 168, 1, 1}, {192, 168, 1, 2}};
  v.default_domain = "local";
  return v;
}

} // namespace

BOOST_AUTO_TEST_SUITE(session_xauth)

BOOST_FIXTURE_TEST_CASE(a_login_runs_xauth_then_mode_config, login) {
  // Phase 1 up: the script waits for the config; the REQUEST awaits an answer.
  auto p1 = all<phase1_up_effect>(up);
  BOOST_REQUIRE_EQUAL(p1.size(), 1u);
  BOOST_TEST(p1.front()->config_follows);
  BOOST_TEST(all<send_effect>(up)[1]->awaits_reply);
  BOOST_TEST(counted(up, "xauth_started"));
  xauth_client xc(ctx(), "alice", crypto::secret_bytes::from_string("pw-secret"));
  auto reply = xc.receive(request()).send.front(); // XAUTH REPLY -->
  auto fx = hub->receive(reply);
  auto check = all<check_credentials_effect>(fx);
  BOOST_REQUIRE_EQUAL(check.size(), 1u);
  BOOST_TEST(check.front()->user == "alice");
  BOOST_TEST(check.front()->password.view().size() == 9u);
  BOOST_TEST(all<stop_retransmit_effect>(fx).size() == 1u);
  auto set = hub->xauth_verdict(seed_values(), ""); // <-- XAUTH SET(OK)
  BOOST_TEST(counted(set, "xauth_ok"));
  BOOST_TEST(all<send_effect>(set).front()->awaits_reply);
  auto ack = xc.receive(one_sent(set)); // XAUTH ACK -->
  BOOST_TEST((xc.outcome() == std::optional<bool>{true}));
  auto acked = hub->receive(ack.send.front());
  BOOST_TEST(counted(acked, "xauth_acked"));
  BOOST_TEST(!hub->in_transaction());
  mode_cfg_client mc(ctx());
  auto req = mc.request().send.front(); // MODE CONFIG REQUEST -->
  auto rep = hub->receive(req);         // <-- REPLY
  auto done = all<config_done_effect>(rep);
  BOOST_REQUIRE_EQUAL(done.size(), 1u);
  BOOST_TEST(done.front()->user == "alice");
  mc.receive(one_sent(rep));
  BOOST_TEST((mc.values().address == seed_values().address));
  BOOST_TEST(mc.values().default_domain == "local");
  for (auto* l : all<log_effect>(set))
    BOOST_TEST(l->text.find("pw-secret") == std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(a_wrong_password_ends_the_sa, login) {
  xauth_client xc(ctx(), "alice", crypto::secret_bytes::from_string("wrong"));
  hub->receive(xc.receive(request()).send.front()); // XAUTH REPLY -->
  auto set = hub->xauth_verdict(std::nullopt, "pam_authenticate: Authentication failure");
  BOOST_TEST(counted(set, "xauth_failed"));
  BOOST_REQUIRE_EQUAL(all<end_effect>(set).size(), 1u); // then a Delete: racoon's way
  xc.receive(one_sent(set));                            // <-- XAUTH SET(FAIL)
  BOOST_TEST((xc.outcome() == std::optional<bool>{false}));
  for (auto* l : all<log_effect>(set))
    BOOST_TEST(l->text.find("wrong") == std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(nothing_goes_on_before_xauth_succeeded, login) {
  // Mode Config REQUEST before the XAuth verdict: not answered.
  mode_cfg_client mc(ctx());
  auto early = hub->receive(mc.request().send.front());
  BOOST_TEST(counted(early, "config_before_xauth"));
  BOOST_TEST(all<send_effect>(early).empty());
  // A quick mode before XAuth: not routed to a child.
  const auto& sa = *client->established();
  bytes qm(sa.icookie.begin(), sa.icookie.end());
  qm.insert(qm.end(), sa.rcookie.begin(), sa.rcookie.end());
  for (std::uint8_t b : {8, 0x10, 32, 1, 0, 0, 0, 7, 0, 0, 0, 60})
    qm.push_back(b);
  qm.resize(60, 0x5a);
  auto q = hub->receive(qm);
  BOOST_TEST(counted(q, "quick_before_xauth"));
  BOOST_TEST(all<child_datagram_effect>(q).empty());
}

BOOST_FIXTURE_TEST_CASE(a_silent_client_ends_the_sa, login) {
  auto t = hub->transaction_timeout();
  BOOST_TEST(counted(t, "xauth_timeout"));
  BOOST_TEST(all<end_effect>(t).size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
