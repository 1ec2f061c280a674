// Dead peer detection (RFC 3706): the vendor ID in main and aggressive mode, the replay
// window on received R-U-THEREs, the prober's timing, and ike::session running both ends
// of a probe between two coati sessions (pre-shared key, main mode).
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>

#include "effects_helpers.hpp"
#include "ike/aggressive_mode.hpp"
#include "ike/dpd.hpp"
#include "ike/session.hpp"
#include "phase1_fixtures.hpp"

using namespace coati;
using namespace coati::ike;
using namespace coati::ike::testing;
using namespace std::chrono_literals;

namespace {

phase1_policy psk_policy(bool dpd) {
  phase1_policy p;
  p.offers = {psk_aes()};
  p.psk = crypto::secret_bytes::from_string("correct horse");
  if (dpd)
    p.vendor_ids = {vendor_ids::dpd};
  return p;
}

phase1_identity as(const id_payload& id) {
  phase1_identity me;
  me.id = id;
  return me;
}

const dpd_clock::time_point t0{};

/// Two sessions in main mode; each sends the DPD VID or not.
struct dpd_pair {
  std::optional<session> i, r;
  dpd_pair(bool i_dpd, bool r_dpd) {
    i.emplace(
        main_mode::initiator(as(id_payload::ipv4({198, 51, 100, 3})), psk_policy(i_dpd), ck(0x11)),
        true);
    r.emplace(
        main_mode::responder(as(id_payload::ipv4({192, 0, 2, 1})), psk_policy(r_dpd), ck(0x22)),
        false);
    auto mm1 = i->start();                // MM1 -->
    auto mm2 = r->receive(sent(mm1), t0); // <-- MM2
    auto mm3 = i->receive(sent(mm2), t0); // MM3 -->
    auto mm4 = r->receive(sent(mm3), t0); // <-- MM4
    auto mm5 = i->receive(sent(mm4), t0); // MM5 -->
    auto mm6 = r->receive(sent(mm5), t0); // <-- MM6
    BOOST_TEST(all<send_effect>(i->receive(sent(mm6), t0)).empty());
    BOOST_REQUIRE(i->established() && r->established());
  }
  /// An R-U-THERE from the initiator with `seq`.
  bytes probe_from_i(std::uint32_t seq) const {
    const auto& sa = *i->established();
    phase1_context ctx{&sa.keys, sa.icookie, sa.rcookie};
    auto n = notify_payload::dpd(notify_type::r_u_there, sa.icookie, sa.rcookie, seq);
    return std::get<info_datagram>(seal_informational(ctx, std::vector<payload>{n})).wire;
  }
};

dpd_timing timing(std::chrono::seconds delay, std::chrono::seconds retry, unsigned maxfail) {
  return dpd_timing{delay, retry, maxfail};
}

} // namespace

BOOST_AUTO_TEST_SUITE(dpd)

BOOST_AUTO_TEST_CASE(the_vendor_id_is_rfc_3706s) {
  BOOST_TEST(crypto::to_hex(vendor_ids::dpd) == "afcad71368a1f1c96b8696fc77570100");
  BOOST_TEST(vendor_ids::is_dpd(vendor_ids::dpd));
  auto v11 = vendor_ids::dpd;
  v11[15] = 1; // another minor version
  BOOST_TEST(vendor_ids::is_dpd(v11));
  BOOST_TEST(!vendor_ids::is_dpd(std::span{vendor_ids::dpd}.first(14)));
  auto other = vendor_ids::dpd;
  other[0] ^= 1;
  BOOST_TEST(!vendor_ids::is_dpd(other));
}

BOOST_AUTO_TEST_CASE(main_mode_records_the_peers_vid_both_ways) {
  dpd_pair both(true, true);
  BOOST_TEST(both.i->established()->peer_dpd);
  BOOST_TEST(both.r->established()->peer_dpd);
  dpd_pair only_i(true, false);
  BOOST_TEST(!only_i.i->established()->peer_dpd);
  BOOST_TEST(only_i.r->established()->peer_dpd);
  dpd_pair none(false, false);
  BOOST_TEST(!none.i->established()->peer_dpd);
  BOOST_TEST(!none.r->established()->peer_dpd);
}

BOOST_AUTO_TEST_CASE(aggressive_mode_records_the_peers_vid_both_ways) {
  auto hub = id_payload::ipv4({192, 0, 2, 1});
  auto sat = id_payload::ipv4({198, 51, 100, 3});
  for (bool i_dpd : {false, true})
    for (bool r_dpd : {false, true}) {
      auto ipol = psk_policy(i_dpd), rpol = psk_policy(r_dpd);
      auto i = aggressive_mode::initiator(as(sat), ipol, ck(0x31));
      auto r = aggressive_mode::responder(as(hub), rpol, ck(0x32));
      auto am1 = i.start();                 // AM1 -->
      auto am2 = r.receive(am1.send.at(0)); // <-- AM2
      auto am3 = i.receive(am2.send.at(0)); // AM3 -->
      auto end = r.receive(am3.send.at(0));
      BOOST_REQUIRE(end.status == phase1_status::established);
      BOOST_TEST(i.established()->peer_dpd == r_dpd);
      BOOST_TEST(r.established()->peer_dpd == i_dpd);
    }
}

BOOST_AUTO_TEST_CASE(the_replay_window_takes_only_numbers_a_little_ahead) {
  dpd_replay_window w;
  BOOST_TEST((w.check(100, 1) == dpd_freshness::fresh));    // the first one, whatever it is
  BOOST_TEST((w.check(100, 1) == dpd_freshness::replayed)); // the same message again
  BOOST_TEST((w.check(100, 2) == dpd_freshness::resent));   // the peer's own resend
  BOOST_TEST((w.check(100, 2) == dpd_freshness::replayed));
  BOOST_TEST((w.check(99, 3) == dpd_freshness::replayed));
  BOOST_TEST((w.check(101, 4) == dpd_freshness::fresh));
  BOOST_TEST((w.check(100, 5) == dpd_freshness::replayed)); // behind, whatever its message
  BOOST_TEST((w.check(105, 6) == dpd_freshness::fresh));    // probes lost in between
  BOOST_TEST((w.check(103, 7) == dpd_freshness::replayed));
  BOOST_TEST((w.check(105 + dpd_replay_window::window + 1, 8) == dpd_freshness::out_of_window));
  BOOST_TEST((w.last() == 105u)); // an ignored number changes nothing
  BOOST_TEST((w.check(105 + dpd_replay_window::window, 9) == dpd_freshness::fresh));
  dpd_replay_window wrap;
  BOOST_TEST((wrap.check(0xfffffffe, 1) == dpd_freshness::fresh));
  BOOST_TEST((wrap.check(1, 2) == dpd_freshness::fresh)); // the counter wrapped
  BOOST_TEST((wrap.check(0xffffffff, 3) == dpd_freshness::replayed));
  BOOST_TEST(std::string{to_string(dpd_freshness::out_of_window)} == "out_of_window");
}

BOOST_AUTO_TEST_CASE(resends_of_one_number_are_answered_a_bounded_number_of_times) {
  dpd_replay_window w;
  BOOST_TEST((w.check(7, 1000) == dpd_freshness::fresh));
  for (std::uint32_t m = 1; m < dpd_replay_window::max_resends; ++m)
    BOOST_TEST((w.check(7, 1000 + m) == dpd_freshness::resent));
  BOOST_TEST((w.check(7, 5000) == dpd_freshness::replayed));
  BOOST_TEST((w.check(8, 5001) == dpd_freshness::fresh)); // a new number starts over
  BOOST_TEST((w.check(8, 5002) == dpd_freshness::resent));
}

BOOST_AUTO_TEST_CASE(the_prober_waits_for_idleness_retries_then_gives_up) {
  dpd_prober p(timing(10s, 3s, 3), dpd_sequencer(500), t0);
  BOOST_TEST((p.next_due() == t0 + 10s));
  BOOST_TEST((p.due(t0 + 9s).what == dpd_prober::action::wait));
  p.alive(t0 + 5s); // news from the peer: idle from then on
  BOOST_TEST((p.due(t0 + 10s).what == dpd_prober::action::wait));
  BOOST_TEST((p.next_due() == t0 + 15s));
  auto s1 = p.due(t0 + 15s); // probe 1
  BOOST_TEST((s1.what == dpd_prober::action::probe));
  BOOST_TEST(s1.sequence == 500u);
  BOOST_TEST((p.next_due() == t0 + 18s));
  BOOST_TEST((p.due(t0 + 17s).what == dpd_prober::action::wait));
  auto s2 = p.due(t0 + 18s); // probe 2 (retry), a new number
  BOOST_TEST(s2.sequence == 501u);
  auto s3 = p.due(t0 + 21s); // probe 3
  BOOST_TEST(s3.sequence == 502u);
  BOOST_TEST(p.unanswered() == 3u);
  BOOST_TEST((p.due(t0 + 23s).what == dpd_prober::action::wait)); // the last one's retry time
  BOOST_TEST((p.due(t0 + 24s).what == dpd_prober::action::dead));
  BOOST_TEST((p.due(t0 + 99s).what == dpd_prober::action::dead)); // stays dead
  BOOST_TEST(!p.ack(502, t0 + 25s));                              // too late
}

BOOST_AUTO_TEST_CASE(an_ack_brings_the_prober_back_to_waiting) {
  dpd_prober p(timing(2s, 2s, 3), dpd_sequencer(7), t0);
  auto s1 = p.due(t0 + 2s);
  auto s2 = p.due(t0 + 4s);
  BOOST_TEST(s1.sequence == 7u);
  BOOST_TEST(s2.sequence == 8u);
  BOOST_TEST(!p.ack(9, t0 + 5s)); // never sent
  BOOST_TEST(!p.ack(6, t0 + 5s)); // before our first
  BOOST_TEST(p.unanswered() == 2u);
  BOOST_TEST(p.ack(7, t0 + 5s)); // a late ACK of the first probe counts
  BOOST_TEST(p.unanswered() == 0u);
  BOOST_TEST(!p.ack(7, t0 + 5s)); // replayed
  BOOST_TEST((p.next_due() == t0 + 7s));
  BOOST_TEST(p.due(t0 + 7s).sequence == 9u);
}

BOOST_AUTO_TEST_CASE(no_probing_without_the_peers_vid_or_a_delay) {
  dpd_pair no_vid(true, false); // the responder sent no DPD VID
  BOOST_TEST(!no_vid.i->start_dpd(timing(2s, 2s, 3), t0));
  BOOST_TEST(!no_vid.i->dpd_next());
  BOOST_TEST(all<send_effect>(no_vid.i->dpd_timer(t0 + 60s)).empty());
  dpd_pair both(true, true);
  BOOST_TEST(!both.i->start_dpd(timing(0s, 2s, 3), t0)); // dpd_delay 0
  BOOST_TEST(both.i->start_dpd(timing(2s, 2s, 3), t0));
}

BOOST_AUTO_TEST_CASE(a_replayed_r_u_there_is_counted_and_not_answered) {
  dpd_pair p(true, true);
  auto probe = p.probe_from_i(0x0abc);
  auto fx = p.r->receive(probe, t0 + 1s); // R-U-THERE #0abc -->
  BOOST_TEST(counted(fx, "dpd.answered"));
  auto ack = sent(fx); // <-- R-U-THERE-ACK, which the initiator opens
  const auto& sa = *p.i->established();
  phase1_context ctx{&sa.keys, sa.icookie, sa.rcookie};
  auto opened = std::get<informational>(open_informational(ctx, ack));
  BOOST_TEST((dpd_sequence(opened.notifies.at(0), notify_type::r_u_there_ack, sa.icookie,
                           sa.rcookie) == 0x0abcu));
  auto again = p.r->receive(probe, t0 + 2s); // the same bytes again
  BOOST_TEST(counted(again, "dpd.replayed"));
  BOOST_TEST(all<send_effect>(again).empty());
  auto old = p.r->receive(p.probe_from_i(0x0abb), t0 + 2s); // an older number, new bytes
  BOOST_TEST(counted(old, "dpd.replayed"));
  auto resent = p.r->receive(p.probe_from_i(0x0abc), t0 + 2s); // the same number, a new message
  BOOST_TEST(counted(resent, "dpd.resent"));
  BOOST_TEST(counted(resent, "dpd.answered"));
  BOOST_TEST(all<send_effect>(resent).size() == 1u);
  auto far = p.r->receive(p.probe_from_i(0x0abc + 0x20000), t0 + 2s);
  BOOST_TEST(counted(far, "dpd.out_of_window"));
  BOOST_TEST(all<send_effect>(far).empty());
  auto next = p.r->receive(p.probe_from_i(0x0abd), t0 + 3s);
  BOOST_TEST(counted(next, "dpd.answered"));
}

BOOST_AUTO_TEST_CASE(probe_ack_then_silence_kills_the_peer) {
  dpd_pair p(true, true);
  BOOST_REQUIRE(p.i->start_dpd(timing(2s, 2s, 3), t0));
  BOOST_TEST(p.i->dpd_timer(t0 + 1s).empty());
  auto probe = p.i->dpd_timer(t0 + 2s); // R-U-THERE -->
  BOOST_TEST(counted(probe, "dpd.probes_sent"));
  auto answer = p.r->receive(sent(probe), t0 + 2s); // <-- R-U-THERE-ACK
  BOOST_TEST(counted(answer, "dpd.answered"));
  auto acked = p.i->receive(sent(answer), t0 + 2s);
  BOOST_TEST(counted(acked, "dpd.acks"));
  // The same ACK again: stale.
  BOOST_TEST(counted(p.i->receive(sent(answer), t0 + 3s), "dpd.stale_acks"));
  BOOST_TEST((*p.i->dpd_next() == t0 + 4s));
  // The responder goes silent: probes at 4, 6, 8 s, dead at 10 s.
  for (auto at : {4s, 6s, 8s}) {
    auto fx = p.i->dpd_timer(t0 + at);
    BOOST_TEST(counted(fx, "dpd.probes_sent"));
    BOOST_TEST(all<dpd_dead_effect>(fx).empty());
  }
  auto dead = p.i->dpd_timer(t0 + 10s);
  BOOST_TEST(counted(dead, "dpd.dead"));
  BOOST_REQUIRE(all<dpd_dead_effect>(dead).size() == 1u);
  BOOST_TEST(all<dpd_dead_effect>(dead).front()->probes == 3u);
  BOOST_TEST(all<send_effect>(dead).empty());
}

BOOST_AUTO_TEST_CASE(a_fresh_r_u_there_from_the_peer_counts_as_news) {
  dpd_pair p(true, true);
  BOOST_REQUIRE(p.r->start_dpd(timing(2s, 2s, 3), t0));
  p.r->dpd_timer(t0 + 2s); // probe 1, lost
  p.r->receive(p.probe_from_i(40), t0 + 3s);
  BOOST_TEST((*p.r->dpd_next() == t0 + 5s)); // idle again from 3 s
  p.r->receive(p.probe_from_i(40), t0 + 4s); // a resend is answered, but is no news
  BOOST_TEST((*p.r->dpd_next() == t0 + 5s));
  p.r->receive(p.probe_from_i(41), t0 + 4s);
  BOOST_TEST((*p.r->dpd_next() == t0 + 6s));
}

BOOST_AUTO_TEST_SUITE_END()
