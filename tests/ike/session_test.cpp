// ike::session: what each datagram of an ISAKMP SA means, as effects for the peer actor.
// Two sessions (coati's main mode, pre-shared key) talk through the effects they give;
// then quick mode routing, DPD, Delete, INITIAL-CONTACT and a responder's refusal.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>

#include "effects_helpers.hpp"
#include "ike/informational.hpp"
#include "ike/session.hpp"
#include "phase1_fixtures.hpp"

using namespace coati;
using namespace coati::ike;
using namespace coati::ike::testing;

namespace {

struct pair_fixture {
  phase1_policy pol;
  phase1_identity ii, ri;
  std::optional<session> i, r;
  pair_fixture() {
    pol.offers = {psk_aes()};
    pol.psk = crypto::secret_bytes::from_string("correct horse");
    ii.id = id_payload::ipv4({198, 51, 100, 3});
    ri.id = id_payload::ipv4({192, 0, 2, 1});
    i.emplace(main_mode::initiator(ii, pol, ck(0x11)), true);
    r.emplace(main_mode::responder(ri, pol, ck(0x22)), false);
  }
  /// MM1..MM6; checks the effects of each message.
  void establish() {
    auto mm1 = i->start(); // MM1 -->
    BOOST_TEST(all<send_effect>(mm1).front()->awaits_reply);
    auto mm2 = r->receive(sent(mm1)); // <-- MM2
    BOOST_TEST(all<send_effect>(mm2).front()->awaits_reply);
    auto mm3 = i->receive(sent(mm2)); // MM3 -->
    auto mm4 = r->receive(sent(mm3)); // <-- MM4
    auto mm5 = i->receive(sent(mm4)); // MM5 -->
    auto mm6 = r->receive(sent(mm5)); // <-- MM6
    BOOST_TEST(!all<send_effect>(mm6).front()->awaits_reply);
    BOOST_TEST(all<phase1_up_effect>(mm6).size() == 1u);
    BOOST_TEST(counted(mm6, "phase1_up"));
    BOOST_TEST(all<initial_contact_effect>(mm6).size() == 1u); // coati sends INITIAL-CONTACT
    auto done = i->receive(sent(mm6));
    BOOST_TEST(all<phase1_up_effect>(done).size() == 1u);
    BOOST_TEST(all<send_effect>(done).empty());
    BOOST_REQUIRE(i->established() && r->established());
  }
  phase1_context ctx_i() const {
    const auto& sa = *i->established();
    return {&sa.keys, sa.icookie, sa.rcookie};
  }
};

/// A quick mode datagram's header with an opaque body: the session only routes it.
bytes quick_like(const phase1_established& sa, std::uint32_t mid) {
  bytes w(sa.icookie.begin(), sa.icookie.end());
  w.insert(w.end(), sa.rcookie.begin(), sa.rcookie.end());
  w.push_back(8);    // next payload: HASH
  w.push_back(0x10); // version 1.0
  w.push_back(32);   // quick mode
  w.push_back(1);    // encrypted
  for (int s = 24; s >= 0; s -= 8)
    w.push_back(static_cast<std::uint8_t>(mid >> s));
  std::uint32_t len = 28 + 32;
  for (int s = 24; s >= 0; s -= 8)
    w.push_back(static_cast<std::uint8_t>(len >> s));
  w.resize(len, 0x5a);
  return w;
}

} // namespace

BOOST_AUTO_TEST_SUITE(session_effects)

BOOST_FIXTURE_TEST_CASE(main_mode_brings_phase1_up_on_both_sides, pair_fixture) {
  establish();
}

// Once up, a session keeps only the keys what follows needs: SKEYID and SKEYID_e (and the
// nonces) are gone on both sides, SKEYID_d, SKEYID_a, the cipher key and IV stay.
BOOST_FIXTURE_TEST_CASE(phase1_keys_not_needed_any_more_are_dropped, pair_fixture) {
  establish();
  for (const auto* sa : {i->established(), r->established()}) {
    BOOST_REQUIRE(sa != nullptr);
    BOOST_TEST(sa->keys.skeyid.empty());
    BOOST_TEST(sa->keys.skeyid_e.empty());
    BOOST_TEST(sa->ni_b.empty());
    BOOST_TEST(sa->nr_b.empty());
    BOOST_TEST(!sa->keys.skeyid_d.empty());
    BOOST_TEST(!sa->keys.skeyid_a.empty());
    BOOST_TEST(!sa->keys.enc_key.empty());
    BOOST_TEST(!sa->keys.iv.empty());
  }
}

// Once up, the exchange's state is gone; the responder still answers a repeated MM5 (its
// MM6 was lost) with the same MM6 until the peer shows it is up, then ignores it.
BOOST_FIXTURE_TEST_CASE(a_lost_mm6_is_sent_again_until_the_session_settles, pair_fixture) {
  auto mm1 = i->start();            // MM1 -->
  auto mm2 = r->receive(sent(mm1)); // <-- MM2
  auto mm3 = i->receive(sent(mm2)); // MM3 -->
  auto mm4 = r->receive(sent(mm3)); // <-- MM4
  auto mm5 = i->receive(sent(mm4)); // MM5 -->
  auto mm6 = r->receive(sent(mm5)); // <-- MM6 (lost)
  BOOST_REQUIRE(r->established());
  auto again = r->receive(sent(mm5));   // MM5 --> (again)
  BOOST_TEST(sent(again) == sent(mm6)); // <-- the same MM6
  BOOST_TEST(all<phase1_up_effect>(again).empty());
  BOOST_TEST(!counted(again, "ignored"));
  auto other = sent(mm5);
  other.back() ^= 1; // not the MM5 we answered: late phase 1, ignored
  auto late = r->receive(other);
  BOOST_TEST(all<send_effect>(late).empty());
  BOOST_TEST(counted(late, "ignored"));
  auto done = i->receive(sent(again)); // the initiator is up; its exchange is gone too
  BOOST_TEST(all<phase1_up_effect>(done).size() == 1u);
  BOOST_TEST(counted(i->receive(sent(mm6)), "ignored"));
  r->settle(); // the peer proved it is up
  auto after = r->receive(sent(mm5));
  BOOST_TEST(all<send_effect>(after).empty());
  BOOST_TEST(counted(after, "ignored"));
  BOOST_TEST(r->established()->icookie == i->established()->icookie); // the SA stays
}

BOOST_FIXTURE_TEST_CASE(quick_mode_goes_to_a_new_child_then_to_the_same_one, pair_fixture) {
  establish();
  auto qm1 = quick_like(*r->established(), 0x01020304);
  auto first = r->receive(qm1); // QM1 -->
  auto c = all<child_datagram_effect>(first);
  BOOST_REQUIRE_EQUAL(c.size(), 1u);
  BOOST_TEST(c.front()->new_child);
  BOOST_TEST(c.front()->message_id == 0x01020304u);
  auto again = r->receive(qm1); // QM1 again (or QM3): the same child
  BOOST_TEST(!all<child_datagram_effect>(again).front()->new_child);
  r->child_ended(0x01020304);
  BOOST_TEST(all<child_datagram_effect>(r->receive(qm1)).front()->new_child);
  // The initiator never answers a quick mode it did not start.
  BOOST_TEST(counted(i->receive(quick_like(*i->established(), 7)), "unexpected_quick"));
}

BOOST_FIXTURE_TEST_CASE(quick_mode_before_phase1_is_counted_not_routed, pair_fixture) {
  auto mm1 = i->start();
  r->receive(sent(mm1));
  phase1_established fake;
  fake.icookie = ck(0x11);
  fake.rcookie = ck(0x22);
  auto fx = r->receive(quick_like(fake, 9));
  BOOST_TEST(counted(fx, "quick_before_phase1"));
  BOOST_TEST(all<child_datagram_effect>(fx).empty());
}

BOOST_FIXTURE_TEST_CASE(dpd_is_answered_and_a_delete_ends_the_sa, pair_fixture) {
  establish();
  const auto& sa = *i->established();
  auto probe = notify_payload::dpd(notify_type::r_u_there, sa.icookie, sa.rcookie, 5);
  auto dpd = seal_informational(ctx_i(), std::vector<payload>{probe});
  auto fx = r->receive(std::get<info_datagram>(dpd).wire); // R-U-THERE -->
  BOOST_TEST(counted(fx, "dpd.answered"));
  BOOST_TEST(all<send_effect>(fx).size() == 1u); // <-- R-U-THERE-ACK
  auto del =
      seal_informational(ctx_i(), std::vector<payload>{delete_isakmp_sa(sa.icookie, sa.rcookie)});
  auto end = r->receive(std::get<info_datagram>(del).wire); // Delete ISAKMP -->
  BOOST_TEST(all<deleted_by_peer_effect>(end).size() == 1u);
  BOOST_REQUIRE(all<delete_children_effect>(end).size() == 1u);
  BOOST_TEST(all<delete_children_effect>(end).front()->spi == 0u);
}

BOOST_FIXTURE_TEST_CASE(a_tampered_informational_is_refused_with_a_reason, pair_fixture) {
  establish();
  const auto& sa = *i->established();
  auto del =
      seal_informational(ctx_i(), std::vector<payload>{delete_isakmp_sa(sa.icookie, sa.rcookie)});
  auto wire = std::get<info_datagram>(del).wire;
  wire[40] ^= 0x01; // inside the first encrypted block
  auto fx = r->receive(wire);
  BOOST_TEST(all<deleted_by_peer_effect>(fx).empty());
  auto c = all<count_effect>(fx);
  BOOST_TEST(std::any_of(c.begin(), c.end(), [](const auto* e) {
    return e->name.rfind("informational_rejected.", 0) == 0;
  }));
}

BOOST_FIXTURE_TEST_CASE(ipsec_deletes_name_each_spi, pair_fixture) {
  establish();
  std::uint32_t spis[] = {0xc0ffee01, 0xc0ffee02};
  auto del =
      seal_informational(ctx_i(), std::vector<payload>{delete_ipsec_sas(protocol_id::esp, spis)});
  auto fx = r->receive(std::get<info_datagram>(del).wire);
  auto d = all<delete_children_effect>(fx);
  BOOST_REQUIRE_EQUAL(d.size(), 2u);
  BOOST_TEST(d[0]->spi == 0xc0ffee01u);
  BOOST_TEST(d[1]->spi == 0xc0ffee02u);
  BOOST_TEST(all<deleted_by_peer_effect>(fx).empty());
}

BOOST_AUTO_TEST_CASE(a_refusing_responder_tells_the_initiator_why) {
  phase1_policy ipol, rpol;
  ipol.offers = {psk_aes()};
  auto other = psk_aes();
  other.group = ike_attr::group_modp2048 == psk_aes().group ? ike_attr::group_modp1024
                                                            : ike_attr::group_modp2048;
  rpol.offers = {other};
  ipol.psk = rpol.psk = crypto::secret_bytes::from_string("k");
  phase1_identity me;
  me.id = id_payload::ipv4({192, 0, 2, 1});
  session i(main_mode::initiator(me, ipol, ck(1)), true);
  session r(main_mode::responder(me, rpol, ck(2)), false);
  auto fx = r.receive(sent(i.start())); // MM1 -->
  auto failed = all<phase1_failed_effect>(fx);
  BOOST_REQUIRE_EQUAL(failed.size(), 1u);
  BOOST_TEST((failed.front()->why == phase1_failure::proposal));
  BOOST_TEST(counted(fx, "phase1_failed.no_proposal"));
  BOOST_TEST(counted(fx, "notify_sent"));
  auto back = i.receive(sent(fx)); // <-- N(NO-PROPOSAL-CHOSEN), in the clear
  auto ended = all<phase1_failed_effect>(back);
  BOOST_REQUIRE_EQUAL(ended.size(), 1u);
  BOOST_TEST((ended.front()->why == phase1_failure::proposal));
}

BOOST_AUTO_TEST_CASE(failure_names_are_counter_suffixes) {
  BOOST_TEST(std::string{to_string(phase1_failure::certificate_expired)} == "certificate_expired");
  BOOST_TEST(std::string{to_string(phase1_failure::proposal)} == "no_proposal");
  BOOST_TEST(std::string{to_string(phase1_failure::none)} == "other");
}

BOOST_AUTO_TEST_SUITE_END()
