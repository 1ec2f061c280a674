// Main mode, initiator against responder, both coati's state machines: PSK and RSA
// signatures with certificates made by openssl at test time, and every refusal the
// satellites' acceptance asks for (wrong CA, expired certificate, ID not matching the
// certificate, no acceptable proposal, wrong PSK).
#define BOOST_TEST_MODULE ike_exchange
#include <boost/test/unit_test.hpp>

#include <string>

#include "ike/main_mode.hpp"
#include "phase1_fixtures.hpp"

using namespace coati;
using namespace coati::ike;
using namespace coati::ike::testing;

BOOST_AUTO_TEST_CASE(psk_main_mode_completes_with_equal_keys) {
  phase1_policy pol;
  pol.offers = {psk_aes()};
  pol.psk = crypto::secret_bytes::from_string("correct horse");
  phase1_identity ii, ri;
  ii.id = id_payload::ipv4({198, 51, 100, 3});
  ri.id = id_payload::ipv4({192, 0, 2, 1});
  auto i = main_mode::initiator(ii, pol, ck(0x11));
  auto r = main_mode::responder(ri, pol, ck(0x22));
  auto res = run(i, r);
  BOOST_TEST(res.messages == 6);
  BOOST_REQUIRE(i.established() != nullptr);
  BOOST_REQUIRE(r.established() != nullptr);
  const auto& a = *i.established();
  const auto& b = *r.established();
  BOOST_TEST((a.keys.skeyid_d.view().size() == 20u));
  BOOST_TEST(std::equal(a.keys.skeyid_d.begin(), a.keys.skeyid_d.end(), b.keys.skeyid_d.begin()));
  BOOST_TEST(std::equal(a.keys.skeyid_a.begin(), a.keys.skeyid_a.end(), b.keys.skeyid_a.begin()));
  // The CBC chains agree: both hold the last block of MM6.
  BOOST_TEST((a.keys.iv == b.keys.iv));
  BOOST_TEST((b.peer_id == ii.id));
  BOOST_TEST((a.peer_id == ri.id));
  BOOST_TEST(b.initial_contact);
  BOOST_TEST(a.agreed.lifetime == 28800u);
}

BOOST_AUTO_TEST_CASE(rsasig_seed_algorithms_complete) {
  auto& p = the_pki();
  phase1_policy pol;
  pol.offers = {seed_rsasig()};
  pol.cas = p.cas("good");
  pol.verify_identifier = true;
  auto hub = p.who("good", "rhum");
  auto sat = p.who("good", "armagnac");
  auto rpol = pol;
  rpol.peers_identifier = {*crypto::dn_from_text("C=FR, O=coati test, OU=*, CN=*")};
  auto ipol = pol;
  ipol.peers_identifier = {hub.cert->subject_der()};
  auto i = main_mode::initiator(sat, ipol, ck(1));
  auto r = main_mode::responder(hub, rpol, ck(2));
  auto res = run(i, r);
  BOOST_TEST_MESSAGE(res.last_r.problem + res.last_i.problem);
  BOOST_REQUIRE(r.established() != nullptr);
  BOOST_REQUIRE(i.established() != nullptr);
  BOOST_REQUIRE(!r.established()->peer_cert_subject.empty());
  BOOST_TEST(crypto::dn_to_text(r.established()->peer_cert_subject).find("CN=armagnac") !=
             std::string::npos);
  BOOST_TEST(crypto::dn_to_text(i.established()->peer_cert_subject).find("CN=rhum") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(responder_answers_a_duplicate_without_recomputing) {
  phase1_policy pol;
  pol.offers = {psk_aes()};
  pol.psk = crypto::secret_bytes::from_string("k");
  phase1_identity me;
  me.id = id_payload::ipv4({192, 0, 2, 1});
  auto i = main_mode::initiator(me, pol, ck(3));
  auto r = main_mode::responder(me, pol, ck(4));
  auto mm1 = i.start().send.front();
  auto mm2 = r.receive(mm1).send.front();
  auto mm3 = i.receive(mm2).send.front();
  auto mm4 = r.receive(mm3);
  auto again = r.receive(mm3); // MM3 retransmitted: MM4 lost on the way
  BOOST_TEST(again.retransmit);
  BOOST_REQUIRE(again.send.size() == 1u);
  BOOST_TEST((again.send.front() == mm4.send.front()));
  // The exchange still completes.
  auto mm5 = i.receive(mm4.send.front()).send.front();
  auto mm6 = r.receive(mm5);
  BOOST_TEST((mm6.status == phase1_status::established));
  // MM6 lost: the initiator sends MM5 again, and the established responder answers it
  // with the same MM6 (found by coati-load --lose-mm6).
  auto mm6_again = r.receive(mm5);
  BOOST_TEST(mm6_again.retransmit);
  BOOST_REQUIRE(mm6_again.send.size() == 1u);
  BOOST_TEST((mm6_again.send.front() == mm6.send.front()));
  BOOST_TEST((i.receive(mm6.send.front()).status == phase1_status::established));
  // Once complete, the initiator has nothing to answer: a repeated MM6 is ignored.
  auto late = i.receive(mm6.send.front());
  BOOST_TEST(late.send.empty());
}

BOOST_AUTO_TEST_CASE(wrong_psk_fails_with_a_reason) {
  phase1_policy a, b;
  a.offers = b.offers = {psk_aes()};
  a.psk = crypto::secret_bytes::from_string("one");
  b.psk = crypto::secret_bytes::from_string("two");
  phase1_identity me;
  me.id = id_payload::ipv4({198, 51, 100, 3});
  auto i = main_mode::initiator(me, a, ck(5));
  auto r = main_mode::responder(me, b, ck(6));
  auto res = run(i, r);
  BOOST_TEST(r.established() == nullptr);
  BOOST_TEST((res.last_r.status == phase1_status::failed));
  // With the wrong key the decryption gives garbage or the hash differs.
  BOOST_TEST((res.last_r.problem.find("wrong key") != std::string::npos ||
              res.last_r.problem.find("wrong pre-shared key") != std::string::npos));
  BOOST_TEST(res.last_r.notify.has_value());
}

BOOST_AUTO_TEST_CASE(no_acceptable_proposal) {
  phase1_policy a, b;
  a.offers = {psk_aes()};
  b.offers = {seed_rsasig()};
  phase1_identity me;
  auto i = main_mode::initiator(me, a, ck(7));
  auto r = main_mode::responder(me, b, ck(8));
  auto res = run(i, r);
  BOOST_TEST((res.last_r.status == phase1_status::failed));
  BOOST_TEST((res.last_r.notify == notify_type::no_proposal_chosen));
  BOOST_TEST(res.last_r.problem.find("no acceptable phase-1 proposal") == 0u);
}

namespace {
phase1_step hub_against(const phase1_identity& sat, const std::string& hub_ca,
                        bool verify_identifier = false) {
  auto& p = the_pki();
  phase1_policy pol;
  pol.offers = {seed_rsasig()};
  pol.cas = p.cas(hub_ca);
  pol.verify_cert = true;
  auto ipol = pol;
  ipol.cas = p.cas("good");
  ipol.verify_cert = false; // the satellite side is not under test here
  auto rpol = pol;
  rpol.verify_identifier = verify_identifier;
  rpol.peers_identifier = {*crypto::dn_from_text("C=FR, O=coati test, OU=pineau, CN=pineau")};
  auto i = main_mode::initiator(sat, ipol, ck(9));
  auto r = main_mode::responder(p.who("good", "rhum"), rpol, ck(10));
  return run(i, r).last_r;
}
} // namespace

BOOST_AUTO_TEST_CASE(certificate_from_another_ca_is_refused) {
  auto s = hub_against(the_pki().who("evil", "mallory"), "good");
  BOOST_TEST((s.status == phase1_status::failed));
  BOOST_TEST(s.problem.find("not trusted") != std::string::npos);
  BOOST_TEST((s.notify == notify_type::authentication_failed));
}

BOOST_AUTO_TEST_CASE(expired_certificate_is_refused) {
  auto s = hub_against(the_pki().who("good", "old"), "good");
  BOOST_TEST((s.status == phase1_status::failed));
  BOOST_TEST(s.problem.find("certificate has expired") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(id_not_matching_certificate_is_refused) {
  auto sat = the_pki().who("good", "armagnac");
  sat.id = id_payload::der_asn1_dn(*crypto::dn_from_text("C=FR, O=coati test, OU=rhum, CN=rhum"));
  auto s = hub_against(sat, "good");
  BOOST_TEST((s.status == phase1_status::failed));
  BOOST_TEST(s.problem.find("does not match the certificate subject") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(peers_identifier_is_enforced) {
  auto s = hub_against(the_pki().who("good", "armagnac"), "good", true);
  BOOST_TEST((s.status == phase1_status::failed));
  BOOST_TEST(s.problem.find("is not one of peers_identifier") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(garbage_is_ignored_not_fatal) {
  phase1_policy pol;
  pol.offers = {psk_aes()};
  phase1_identity me;
  auto r = main_mode::responder(me, pol, ck(11));
  std::vector<std::uint8_t> junk(40, 0xab);
  auto s = r.receive(junk);
  BOOST_TEST((s.status == phase1_status::in_progress));
  BOOST_TEST(s.problem.find("undecodable") == 0u);
  BOOST_TEST(s.send.empty());
}
