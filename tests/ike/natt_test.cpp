// NAT traversal (RFC 3947 and the drafts' vendor IDs): the vendor IDs, NAT-D hashes and
// what they detect, main and aggressive mode carrying them between two coati ends (one
// behind a NAT), the session's float and follow decisions, quick mode's UDP encapsulation
// modes.
#include <boost/test/unit_test.hpp>

#include <string>

#include "crypto/prf.hpp"
#include "effects_helpers.hpp"
#include "ike/natt.hpp"
#include "ike/session.hpp"
#include "phase1_fixtures.hpp"

using namespace coati;
using namespace coati::ike;
using namespace coati::ike::testing;

namespace {

bytes md5_of(const std::string& s) {
  return crypto::hash(crypto::hash_alg::md5,
                      {std::span{reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}});
}

bytes hex(const std::string& h) {
  bytes out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoul(h.substr(i, 2), nullptr, 16)));
  return out;
}

natt_endpoint ep(std::initializer_list<std::uint8_t> a, std::uint16_t port) {
  return natt_endpoint{bytes(a), port};
}

/// The satellite behind a NAT: it is 198.51.100.3:500 to itself, the hub sees the NAT's
/// 192.0.2.254:31000; the hub is 192.0.2.1:500 for both.
natt_config satellite_view(natt_setting s = natt_setting::on) {
  return {s, ep({198, 51, 100, 3}, 500), ep({192, 0, 2, 1}, 500)};
}
natt_config hub_view(natt_setting s = natt_setting::on) {
  return {s, ep({192, 0, 2, 1}, 500), ep({192, 0, 2, 254}, 31000)};
}

phase1_policy psk_policy(natt_config c) {
  phase1_policy p;
  p.offers = {psk_aes()};
  p.psk = crypto::secret_bytes::from_string("behind the NAT");
  p.natt = std::move(c);
  return p;
}

phase1_identity ipv4_id(ipv4_address a) {
  phase1_identity me;
  me.id = id_payload::ipv4(a);
  return me;
}

/// How many NAT-D payloads of the RFC's type `wire` carries.
std::size_t nat_ds(const bytes& wire) {
  auto m = decode(wire);
  BOOST_REQUIRE(m);
  std::size_t n = 0;
  for (const auto& p : m->payloads)
    if (const auto* d = std::get_if<nat_d_payload>(&p))
      n += d->type == payload_type::nat_d ? 1 : 0;
  return n;
}

std::vector<natt_version> natt_vids(const bytes& wire) {
  auto m = decode(wire);
  BOOST_REQUIRE(m);
  std::vector<natt_version> out;
  for (const auto& p : m->payloads)
    if (const auto* v = std::get_if<vendor_id_payload>(&p))
      if (auto n = vendor_ids::natt_of(v->data); n != natt_version::none)
        out.push_back(n);
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(natt)

BOOST_AUTO_TEST_CASE(vendor_ids_are_the_md5_of_their_names) {
  BOOST_TEST(vendor_ids::natt_rfc3947 == md5_of("RFC 3947"));
  BOOST_TEST(vendor_ids::natt_draft03 == md5_of("draft-ietf-ipsec-nat-t-ike-03"));
  BOOST_TEST(vendor_ids::natt_draft02 == md5_of("draft-ietf-ipsec-nat-t-ike-02"));
  BOOST_TEST(vendor_ids::natt_draft02n == md5_of("draft-ietf-ipsec-nat-t-ike-02\n"));
  BOOST_TEST(vendor_ids::natt_rfc3947 == hex("4a131c81070358455c5728f20e95452f"));
  BOOST_TEST((vendor_ids::natt_of(vendor_ids::natt_draft02n) == natt_version::draft02n));
  BOOST_TEST((vendor_ids::natt_of(md5_of("draft-ietf-ipsec-nat-t-ike-01")) == natt_version::none));
}

BOOST_AUTO_TEST_CASE(the_best_version_announced_wins) {
  message m;
  m.add(vendor_id_payload{vendor_ids::natt_draft02})
      .add(vendor_id_payload{vendor_ids::natt_draft03});
  BOOST_TEST((best_natt(m) == natt_version::draft03));
  m.add(vendor_id_payload{vendor_ids::natt_rfc3947});
  BOOST_TEST((best_natt(m) == natt_version::rfc3947));
  BOOST_TEST((best_natt(message{}) == natt_version::none));
  // Payload types and encapsulation modes per dialect.
  BOOST_TEST((static_cast<int>(nat_d_type_for(natt_version::rfc3947)) == 20));
  BOOST_TEST((static_cast<int>(nat_d_type_for(natt_version::draft02n)) == 130));
  BOOST_TEST((static_cast<int>(nat_oa_type_for(natt_version::rfc3947)) == 21));
  BOOST_TEST((static_cast<int>(nat_oa_type_for(natt_version::draft03)) == 131));
  BOOST_TEST((udp_tunnel_mode(natt_version::rfc3947) == 3));
  BOOST_TEST((udp_transport_mode(natt_version::rfc3947) == 4));
  BOOST_TEST((udp_tunnel_mode(natt_version::draft02) == 61443));
  BOOST_TEST((udp_transport_mode(natt_version::draft03) == 61444));
  BOOST_TEST(is_udp_mode(61443));
  BOOST_TEST(!is_udp_mode(1));
}

BOOST_AUTO_TEST_CASE(nat_d_hashes_cookies_address_and_port) {
  // Known answers (Python's hashlib over CKY-I | CKY-R | IP | port).
  BOOST_TEST(nat_d_hash(crypto::hash_alg::sha1, ck(0x11), ck(0x22), ep({192, 0, 2, 1}, 500)) ==
             hex("d563e58a48040d979ca90e6ec05d126b229f8bc1"));
  BOOST_TEST(nat_d_hash(crypto::hash_alg::md5, ck(0x11), ck(0x22), ep({198, 51, 100, 3}, 4500)) ==
             hex("7e3023d7fa3e0155a98c115134e74fa2"));
  // The port and the cookies count.
  BOOST_TEST(nat_d_hash(crypto::hash_alg::sha1, ck(0x11), ck(0x22), ep({192, 0, 2, 1}, 501)) !=
             hex("d563e58a48040d979ca90e6ec05d126b229f8bc1"));
  BOOST_TEST(nat_d_hash(crypto::hash_alg::sha1, ck(0x11), ck(0x23), ep({192, 0, 2, 1}, 500)) !=
             hex("d563e58a48040d979ca90e6ec05d126b229f8bc1"));
}

BOOST_AUTO_TEST_CASE(detection_from_the_peers_nat_d_payloads) {
  auto h = crypto::hash_alg::sha1;
  auto v = natt_version::rfc3947;
  // The satellite sends: the hub as it sees it, then itself.
  auto sent = nat_d_payloads(v, h, ck(1), ck(2), satellite_view());
  BOOST_REQUIRE_EQUAL(sent.size(), 2u);
  message m;
  for (auto& p : sent)
    m.add(p);
  BOOST_TEST(static_cast<int>(std::get<nat_d_payload>(sent[0]).type) == 20);
  // The hub: its own endpoint matches, the satellite's does not: the peer is NATed.
  auto at_hub = detect_nat(m, v, h, ck(1), ck(2), hub_view());
  BOOST_REQUIRE(at_hub);
  BOOST_TEST(!at_hub->local);
  BOOST_TEST(at_hub->remote);
  BOOST_TEST(describe(v, *at_hub) == "NAT-T RFC 3947: NAT detected: the peer is behind a NAT");
  // The hub's answer read by the satellite: it is the one behind the NAT.
  message back;
  for (auto& p : nat_d_payloads(v, h, ck(1), ck(2), hub_view()))
    back.add(p);
  auto at_sat = detect_nat(back, v, h, ck(1), ck(2), satellite_view());
  BOOST_REQUIRE(at_sat);
  BOOST_TEST(at_sat->local);
  BOOST_TEST(!at_sat->remote);
  // No NAT: both views agree.
  auto direct = satellite_view();
  natt_config hub_direct{natt_setting::on, direct.remote, direct.local};
  message d;
  for (auto& p : nat_d_payloads(v, h, ck(1), ck(2), direct))
    d.add(p);
  auto none = detect_nat(d, v, h, ck(1), ck(2), hub_direct);
  BOOST_REQUIRE(none);
  BOOST_TEST(!none->any());
  // force: our own NAT-D is of a zero address, so the peer sees a NAT, and so do we.
  message f;
  for (auto& p : nat_d_payloads(v, h, ck(1), ck(2), satellite_view(natt_setting::force)))
    f.add(p);
  BOOST_TEST(detect_nat(f, v, h, ck(1), ck(2), hub_direct)->remote);
  BOOST_TEST(detect_nat(d, v, h, ck(1), ck(2),
                        natt_config{natt_setting::force, direct.remote, direct.local})
                 ->local);
  // Drafts' NAT-D (130) does not count under the RFC, and no NAT-D at all: no NAT-T.
  message draft;
  for (auto& p : nat_d_payloads(natt_version::draft02n, h, ck(1), ck(2), satellite_view()))
    draft.add(p);
  BOOST_TEST(!detect_nat(draft, v, h, ck(1), ck(2), hub_view()));
  BOOST_TEST((detect_nat(draft, natt_version::draft02n, h, ck(1), ck(2), hub_view())->remote));
  BOOST_TEST(!detect_nat(message{}, v, h, ck(1), ck(2), hub_view()));
}

BOOST_AUTO_TEST_CASE(main_mode_carries_nat_t_and_both_ends_detect_the_nat) {
  auto i = main_mode::initiator(ipv4_id({198, 51, 100, 3}), psk_policy(satellite_view()), ck(0x31));
  auto r = main_mode::responder(ipv4_id({192, 0, 2, 1}), psk_policy(hub_view()), ck(0x32));
  auto mm1 = i.start();
  BOOST_TEST(natt_vids(mm1.send.front()).size() == 4u); // every dialect we speak
  auto mm2 = r.receive(mm1.send.front());
  BOOST_TEST((natt_vids(mm2.send.front()) == std::vector<natt_version>{natt_version::rfc3947}));
  auto mm3 = i.receive(mm2.send.front());
  BOOST_TEST(nat_ds(mm3.send.front()) == 2u);
  auto mm4 = r.receive(mm3.send.front());
  BOOST_TEST(nat_ds(mm4.send.front()) == 2u);
  BOOST_TEST(r.progress().nat.remote);
  auto mm5 = i.receive(mm4.send.front());
  BOOST_TEST(i.progress().nat.local);
  auto mm6 = r.receive(mm5.send.front());
  i.receive(mm6.send.front());
  BOOST_REQUIRE(i.established() && r.established());
  BOOST_TEST(i.established()->udp_encap());
  BOOST_TEST(r.established()->udp_encap());
  BOOST_TEST((r.established()->natt == natt_version::rfc3947));
  BOOST_TEST(!r.established()->nat.local);
}

BOOST_AUTO_TEST_CASE(nat_traversal_off_on_one_side_means_no_nat_t) {
  auto i = main_mode::initiator(ipv4_id({198, 51, 100, 3}), psk_policy(satellite_view()), ck(0x41));
  auto r = main_mode::responder(ipv4_id({192, 0, 2, 1}), psk_policy(hub_view(natt_setting::off)),
                                ck(0x42));
  auto res = run(i, r);
  BOOST_REQUIRE(i.established() && r.established());
  BOOST_TEST((i.established()->natt == natt_version::none));
  BOOST_TEST(!r.established()->udp_encap());
  BOOST_TEST(res.messages == 6);
}

BOOST_AUTO_TEST_CASE(the_initiator_floats_before_mm5_and_the_responder_follows) {
  session i{
      main_mode::initiator(ipv4_id({198, 51, 100, 3}), psk_policy(satellite_view()), ck(0x51)),
      true};
  session r{main_mode::responder(ipv4_id({192, 0, 2, 1}), psk_policy(hub_view()), ck(0x52)), false};
  auto mm2 = r.receive(sent(i.start()));
  auto mm3 = i.receive(sent(mm2));
  BOOST_TEST(all<natt_float_effect>(mm3).empty());
  auto mm4 = r.receive(sent(mm3));
  auto mm5 = i.receive(sent(mm4)); // MM5 --> from port 4500
  BOOST_REQUIRE(!mm5.empty());
  BOOST_TEST(std::holds_alternative<natt_float_effect>(mm5.front())); // before the send
  BOOST_TEST(counted(mm5, "natt.floated"));
  BOOST_TEST(i.floated());
  // A forged datagram from elsewhere (a garbage informational) moves nobody.
  auto junk = sent(mm5);
  junk[18] = static_cast<std::uint8_t>(exchange_type::informational);
  auto moved_junk = r.receive(junk, dpd_clock::now(), true);
  BOOST_TEST(all<peer_moved_effect>(moved_junk).empty());
  // The real MM5 from the NAT's new port: the responder follows, then answers there.
  auto mm6 = r.receive(sent(mm5), dpd_clock::now(), true);
  BOOST_REQUIRE(!mm6.empty());
  BOOST_TEST(std::holds_alternative<peer_moved_effect>(mm6.front()));
  BOOST_TEST(counted(mm6, "natt.floated"));
  BOOST_TEST(counted(mm6, "natt.nat_detected"));
  BOOST_TEST(r.floated());
  auto up = i.receive(sent(mm6));
  BOOST_TEST(counted(up, "natt.nat_detected"));
  BOOST_TEST(i.sends_natt_keepalives());  // the satellite is behind the NAT
  BOOST_TEST(!r.sends_natt_keepalives()); // the hub is not
  // A retransmitted MM5 from yet another port is a copy: no move.
  auto again = r.receive(sent(mm5), dpd_clock::now(), true);
  BOOST_TEST(all<peer_moved_effect>(again).empty());
  BOOST_TEST(counted(again, "natt.move_unauthenticated"));
}

BOOST_AUTO_TEST_CASE(a_quick_mode_message_that_proved_itself_moves_the_peer) {
  session i{
      main_mode::initiator(ipv4_id({198, 51, 100, 3}), psk_policy(satellite_view()), ck(0x53)),
      true};
  session r{main_mode::responder(ipv4_id({192, 0, 2, 1}), psk_policy(hub_view()), ck(0x54)), false};
  BOOST_TEST(r.quick_mode_moved().empty()); // no phase 1 yet: nothing to follow
  auto mm2 = r.receive(sent(i.start()));
  auto mm4 = r.receive(sent(i.receive(sent(mm2))));
  auto mm5 = i.receive(sent(mm4));
  auto mm6 = r.receive(sent(mm5), dpd_clock::now(), true); // (the float)
  i.receive(sent(mm6));
  // A datagram from the NAT's next port that proves nothing by itself (as a quick mode
  // message does not to the session: its child checks HASH(1)) moves nobody...
  auto copy = r.receive(sent(mm5), dpd_clock::now(), true);
  BOOST_TEST(all<peer_moved_effect>(copy).empty());
  // ...the child's word that HASH(1) verified on a new message does.
  auto fx = r.quick_mode_moved();
  BOOST_REQUIRE(!fx.empty());
  BOOST_TEST(std::holds_alternative<peer_moved_effect>(fx.front()));
  BOOST_TEST(counted(fx, "natt.peer_moved"));
  BOOST_TEST(!counted(fx, "natt.floated")); // floated once, at MM5
}

BOOST_AUTO_TEST_CASE(a_quick_mode_message_moves_no_peer_without_nat_t) {
  session i{
      main_mode::initiator(ipv4_id({198, 51, 100, 3}), psk_policy(satellite_view()), ck(0x55)),
      true};
  session r{main_mode::responder(ipv4_id({192, 0, 2, 1}), psk_policy(hub_view(natt_setting::off)),
                                 ck(0x56)),
            false};
  auto mm2 = r.receive(sent(i.start()));
  auto mm4 = r.receive(sent(i.receive(sent(mm2))));
  r.receive(sent(i.receive(sent(mm4))));
  BOOST_REQUIRE(r.established() != nullptr);
  auto fx = r.quick_mode_moved();
  BOOST_TEST(all<peer_moved_effect>(fx).empty());
  BOOST_TEST(counted(fx, "natt.move_without_natt"));
}

// Aggressive mode: the VIDs in AM1/AM2, NAT-D in AM2 and AM3 (RFC 3947 §3.2, §4).
BOOST_AUTO_TEST_CASE(aggressive_mode_carries_nat_t_and_both_ends_detect_the_nat) {
  // AM3 in clear (racoon's way) so the test can read its payloads.
  auto i = aggressive_mode::initiator(ipv4_id({198, 51, 100, 3}), psk_policy(satellite_view()),
                                      ck(0x71), am3_encoding::clear);
  auto r = aggressive_mode::responder(ipv4_id({192, 0, 2, 1}), psk_policy(hub_view()), ck(0x72));
  auto am1 = i.start(); // AM1 -->
  BOOST_TEST(natt_vids(am1.send.front()).size() == 4u);
  BOOST_TEST(nat_ds(am1.send.front()) == 0u);
  auto am2 = r.receive(am1.send.front()); // <-- AM2: the chosen VID, NAT-D(I), NAT-D(R)
  BOOST_REQUIRE_EQUAL(am2.send.size(), 1u);
  BOOST_TEST((natt_vids(am2.send.front()) == std::vector<natt_version>{natt_version::rfc3947}));
  BOOST_TEST(nat_ds(am2.send.front()) == 2u);
  auto am3 = i.receive(am2.send.front()); // AM3 -->: NAT-D(R), NAT-D(I)
  BOOST_REQUIRE(i.established());
  BOOST_TEST(i.established()->nat.local); // the satellite sees its own NAT from AM2
  BOOST_TEST(!i.established()->nat.remote);
  BOOST_TEST(i.established()->udp_encap());
  BOOST_TEST(nat_ds(am3.send.front()) == 2u);
  r.receive(am3.send.front());
  BOOST_REQUIRE(r.established());
  BOOST_TEST((r.established()->natt == natt_version::rfc3947));
  BOOST_TEST(r.established()->nat.remote); // from AM3's NAT-D
  BOOST_TEST(!r.established()->nat.local); // the initiator hashed the hub's port 4500
  BOOST_TEST(r.established()->udp_encap());
}

BOOST_AUTO_TEST_CASE(aggressive_mode_encrypted_am3_carries_nat_d) {
  // AM3 encrypted (charon, vpnc and coati's default): the NAT-D travel inside.
  auto i = aggressive_mode::initiator(ipv4_id({198, 51, 100, 3}), psk_policy(satellite_view()),
                                      ck(0x73));
  auto r = aggressive_mode::responder(ipv4_id({192, 0, 2, 1}), psk_policy(hub_view()), ck(0x74));
  auto res = run(i, r);
  BOOST_TEST(res.messages == 3);
  BOOST_REQUIRE(i.established() && r.established());
  BOOST_TEST(r.am3_encrypted());
  BOOST_TEST(r.established()->nat.remote);
  BOOST_TEST(r.established()->udp_encap());
}

BOOST_AUTO_TEST_CASE(aggressive_mode_without_a_nat_or_without_nat_t) {
  // No NAT: both views agree, NAT-T is agreed but nothing is encapsulated.
  auto sat = satellite_view();
  natt_config hub_direct{natt_setting::on, sat.remote, sat.local};
  auto i = aggressive_mode::initiator(ipv4_id({198, 51, 100, 3}), psk_policy(sat), ck(0x75),
                                      am3_encoding::clear);
  auto r = aggressive_mode::responder(ipv4_id({192, 0, 2, 1}), psk_policy(hub_direct), ck(0x76));
  run(i, r);
  BOOST_REQUIRE(i.established() && r.established());
  BOOST_TEST((r.established()->natt == natt_version::rfc3947));
  BOOST_TEST(!i.established()->nat.any());
  BOOST_TEST(!r.established()->nat.any());
  // nat_traversal off at the hub: no VID back, no NAT-D either way.
  auto i2 = aggressive_mode::initiator(ipv4_id({198, 51, 100, 3}), psk_policy(satellite_view()),
                                       ck(0x77), am3_encoding::clear);
  auto r2 = aggressive_mode::responder(ipv4_id({192, 0, 2, 1}),
                                       psk_policy(hub_view(natt_setting::off)), ck(0x78));
  auto am2 = r2.receive(i2.start().send.front());
  BOOST_TEST(natt_vids(am2.send.front()).empty());
  BOOST_TEST(nat_ds(am2.send.front()) == 0u);
  auto am3 = i2.receive(am2.send.front());
  BOOST_TEST(nat_ds(am3.send.front()) == 0u);
  r2.receive(am3.send.front());
  BOOST_REQUIRE(i2.established() && r2.established());
  BOOST_TEST((i2.established()->natt == natt_version::none));
  BOOST_TEST(!r2.established()->udp_encap());
}

BOOST_AUTO_TEST_CASE(am3_nat_d_may_name_the_floated_ports) {
  // An initiator that floated hashes the ports AM3 travels between (charon: the hub's and
  // its own 4500); vpnc hashes AM1's. Neither makes the hub think it is behind a NAT.
  auto h = crypto::hash_alg::sha1;
  auto v = natt_version::rfc3947;
  auto floated = satellite_view();
  floated.local.port = floated.remote.port = 4500;
  message charon, vpnc;
  for (auto& p : nat_d_payloads(v, h, ck(1), ck(2), floated))
    charon.add(p);
  for (auto& p : nat_d_payloads(v, h, ck(1), ck(2), satellite_view()))
    vpnc.add(p);
  auto at_hub = detect_nat(charon, v, h, ck(1), ck(2), hub_view(), 4500);
  BOOST_TEST(!at_hub->local);
  BOOST_TEST(at_hub->remote);
  BOOST_TEST(!detect_nat(vpnc, v, h, ck(1), ck(2), hub_view(), 4500)->local);
  // Without the floated port, 4500 is not our 500: a NAT in front of us.
  BOOST_TEST(detect_nat(charon, v, h, ck(1), ck(2), hub_view())->local);
  // A peer that is not behind a NAT and floated: its own hash names 4500, still no NAT.
  auto sat = satellite_view();
  natt_config hub_direct{natt_setting::on, sat.remote, sat.local};
  BOOST_TEST(!detect_nat(charon, v, h, ck(1), ck(2), hub_direct, 4500)->any());
}

BOOST_AUTO_TEST_CASE(the_aggressive_initiator_floats_before_am3_and_the_responder_follows) {
  session i{aggressive_mode::initiator(ipv4_id({198, 51, 100, 3}), psk_policy(satellite_view()),
                                       ck(0x79)),
            true};
  session r{aggressive_mode::responder(ipv4_id({192, 0, 2, 1}), psk_policy(hub_view()), ck(0x7a)),
            false};
  auto am2 = r.receive(sent(i.start())); // AM1 -->  <-- AM2
  BOOST_TEST(all<natt_float_effect>(am2).empty());
  BOOST_TEST(!r.floated());
  auto am3 = i.receive(sent(am2)); // AM3 --> from port 4500
  BOOST_REQUIRE(!am3.empty());
  BOOST_TEST(std::holds_alternative<natt_float_effect>(am3.front())); // before the send
  BOOST_TEST(counted(am3, "natt.floated"));
  BOOST_TEST(counted(am3, "natt.nat_detected"));
  BOOST_TEST(i.floated());
  BOOST_TEST(i.sends_natt_keepalives());
  // AM3 from the NAT's port for 4500: the responder follows before it says anything.
  auto up = r.receive(sent(am3), dpd_clock::now(), true);
  BOOST_REQUIRE(!up.empty());
  BOOST_TEST(std::holds_alternative<peer_moved_effect>(up.front()));
  BOOST_TEST(counted(up, "natt.floated"));
  BOOST_TEST(counted(up, "natt.nat_detected"));
  BOOST_TEST(counted(up, "phase1_up"));
  BOOST_TEST(r.floated());
  BOOST_TEST(!r.sends_natt_keepalives());
  // A copy of AM3 from yet another port moves nobody.
  auto again = r.receive(sent(am3), dpd_clock::now(), true);
  BOOST_TEST(all<peer_moved_effect>(again).empty());
}

BOOST_AUTO_TEST_CASE(quick_mode_proposes_and_accepts_udp_tunnel_mode) {
  auto i = main_mode::initiator(ipv4_id({198, 51, 100, 3}), psk_policy(satellite_view()), ck(0x61));
  auto r = main_mode::responder(ipv4_id({192, 0, 2, 1}), psk_policy(hub_view()), ck(0x62));
  run(i, r);
  BOOST_REQUIRE(i.established() && r.established());
  auto ctx = [](const phase1_established& e, std::uint16_t mode) {
    return phase1_context{&e.keys, e.icookie, e.rcookie, mode};
  };
  phase2_policy p;
  p.offers = {{transform_id::esp_3des, 0, ipsec_attr::auth_hmac_md5}};
  p.lifetime = 180;
  auto lan = id_payload::ipv4_subnet({192, 168, 3, 0}, {255, 255, 255, 0});
  auto hub = id_payload::ipv4_subnet({192, 168, 0, 0}, {255, 255, 0, 0});
  auto lookup = [p](const id_payload&, const id_payload&) -> std::optional<phase2_policy> {
    return p;
  };
  auto udp = udp_tunnel_mode(i.established()->natt);
  BOOST_TEST(udp == 3);
  auto qi = quick_mode::initiator(ctx(*i.established(), udp), p, lan, hub, 77, 0x1001);
  auto qr = quick_mode::responder(ctx(*r.established(), udp), lookup, 77, 0x2002);
  auto q2 = qr.receive(qi.start().send.front());
  BOOST_REQUIRE_EQUAL(q2.send.size(), 1u);
  auto q3 = qi.receive(q2.send.front());
  qr.receive(q3.send.front());
  BOOST_REQUIRE(qi.established() && qr.established());
  BOOST_TEST(qi.established()->udp_encap);
  BOOST_TEST(qr.established()->udp_encap);
  // A responder without NAT-T refuses UDP-Tunnel.
  auto qi2 = quick_mode::initiator(ctx(*i.established(), udp), p, lan, hub, 78, 0x1003);
  auto qr2 = quick_mode::responder(ctx(*r.established(), 0), lookup, 78, 0x2004);
  auto refused = qr2.receive(qi2.start().send.front());
  BOOST_TEST((refused.status == child_status::failed));
  // Without a NAT both sides keep plain Tunnel mode.
  auto qi3 = quick_mode::initiator(ctx(*i.established(), 0), p, lan, hub, 79, 0x1005);
  auto qr3 = quick_mode::responder(ctx(*r.established(), udp), lookup, 79, 0x2006);
  qi3.receive(qr3.receive(qi3.start().send.front()).send.front());
  BOOST_REQUIRE(qi3.established());
  BOOST_TEST(!qi3.established()->udp_encap);
}

BOOST_AUTO_TEST_SUITE_END()
