// Aggressive mode, initiator against responder, both coati's state machines: the PSK
// chosen by the initiator's ID, RSA signatures with the test PKI, AM3 encrypted and in
// clear, and the refusals (wrong PSK, unknown ID, ID not matching the certificate, no
// proposal, mixed DH groups, tampered messages); duplicates answered from the stored reply.
#include <boost/test/unit_test.hpp>

#include <string>

#include "ike/aggressive_mode.hpp"
#include "phase1_fixtures.hpp"

using namespace coati;
using namespace coati::ike;
using namespace coati::ike::testing;

namespace {

const id_payload satellite = id_payload::ipv4({198, 51, 100, 3});
const id_payload hub = id_payload::ipv4({192, 0, 2, 1});

phase1_identity as(const id_payload& id) {
  phase1_identity me;
  me.id = id;
  return me;
}

phase1_policy psk_policy(const char* key = "satellite key") {
  phase1_policy p;
  p.offers = {psk_aes()};
  p.psk = crypto::secret_bytes::from_string(key);
  return p;
}

/// The hub's psk.txt: one key, for the satellite's address ID.
psk_lookup hub_keys(const char* key = "satellite key") {
  return [key](const id_payload& id) -> std::optional<crypto::secret_bytes> {
    if (id == satellite)
      return crypto::secret_bytes::from_string(key);
    return std::nullopt;
  };
}

/// A PSK pair: satellite initiator, hub responder with its psk.txt lookup.
struct psk_pair {
  aggressive_mode i, r;
  explicit psk_pair(am3_encoding am3 = am3_encoding::encrypted,
                    const char* hub_key = "satellite key", const id_payload& sat_id = satellite)
      : i(aggressive_mode::initiator(as(sat_id), psk_policy(), ck(0x31), am3)),
        r(aggressive_mode::responder(as(hub), psk_policy("not this one"), ck(0x32),
                                     hub_keys(hub_key))) {}
};

bool same(const crypto::secret_bytes& a, const crypto::secret_bytes& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

/// Decodes a clear datagram, lets `edit` change it and encodes it again.
template <class F>
bytes edited(const bytes& wire, F edit) {
  auto m = decode(wire);
  BOOST_REQUIRE(m);
  edit(*m);
  auto out = encode(*m);
  BOOST_REQUIRE(out);
  return *out;
}

} // namespace

BOOST_AUTO_TEST_CASE(am_psk_by_initiator_id_completes_with_equal_keys) {
  psk_pair p;
  auto res = run(p.i, p.r);
  BOOST_TEST(res.messages == 3);
  BOOST_REQUIRE(p.i.established() != nullptr);
  BOOST_REQUIRE(p.r.established() != nullptr);
  const auto& a = *p.i.established();
  const auto& b = *p.r.established();
  BOOST_TEST(same(a.keys.skeyid_d, b.keys.skeyid_d));
  BOOST_TEST(same(a.keys.skeyid_a, b.keys.skeyid_a));
  BOOST_TEST(same(a.keys.enc_key, b.keys.enc_key));
  // AM3 went encrypted: both CBC chains now hold its last block.
  BOOST_TEST(p.r.am3_encrypted());
  BOOST_TEST((a.keys.iv == b.keys.iv));
  BOOST_TEST((b.peer_id == satellite));
  BOOST_TEST((a.peer_id == hub));
  BOOST_TEST(b.initial_contact);
  BOOST_TEST((a.agreed == psk_aes()));
}

BOOST_AUTO_TEST_CASE(am3_in_clear_is_accepted_and_keeps_the_first_iv) {
  psk_pair p{am3_encoding::clear};
  // AM1 -->
  auto am1 = p.i.start();
  // <-- AM2
  auto am2 = p.r.receive(am1.send.front());
  BOOST_REQUIRE(am2.send.size() == 1u);
  // AM3 --> in clear: the E flag is off and HASH_I can be read by anyone
  auto am3 = p.i.receive(am2.send.front());
  BOOST_TEST((am3.status == phase1_status::established));
  auto h = decode(am3.send.front());
  BOOST_REQUIRE(h);
  BOOST_TEST(!h->hdr.encrypted());
  BOOST_TEST((h->find<hash_payload>() != nullptr));
  auto done = p.r.receive(am3.send.front());
  BOOST_TEST((done.status == phase1_status::established));
  BOOST_TEST(!p.r.am3_encrypted());
  // No phase-1 message was encrypted: the final IV is still hash(g^xi | g^xr).
  BOOST_TEST((p.i.established()->keys.iv == p.r.established()->keys.iv));
  BOOST_TEST(p.r.established()->initial_contact);
}

BOOST_AUTO_TEST_CASE(am_rsasig_seed_algorithms_complete) {
  auto& k = the_pki();
  phase1_policy pol;
  pol.offers = {seed_rsasig()};
  pol.cas = k.cas("good");
  pol.verify_identifier = true;
  auto rpol = pol;
  rpol.peers_identifier = {*crypto::dn_from_text("C=FR, O=coati test, OU=*, CN=*")};
  auto ipol = pol;
  ipol.peers_identifier = {k.who("good", "rhum").cert->subject_der()};
  auto i = aggressive_mode::initiator(k.who("good", "armagnac"), ipol, ck(1));
  // No PSK lookup is needed for signatures.
  auto r = aggressive_mode::responder(k.who("good", "rhum"), rpol, ck(2));
  auto res = run(i, r);
  BOOST_TEST_MESSAGE(res.last_r.problem + res.last_i.problem);
  BOOST_REQUIRE(i.established() != nullptr);
  BOOST_REQUIRE(r.established() != nullptr);
  BOOST_REQUIRE(!r.established()->peer_cert_subject.empty());
  BOOST_TEST(crypto::dn_to_text(r.established()->peer_cert_subject).find("CN=armagnac") !=
             std::string::npos);
  BOOST_TEST(crypto::dn_to_text(i.established()->peer_cert_subject).find("CN=rhum") !=
             std::string::npos);
  BOOST_TEST(same(i.established()->keys.skeyid_d, r.established()->keys.skeyid_d));
}

BOOST_AUTO_TEST_CASE(am_wrong_psk_fails_at_the_initiator) {
  psk_pair p{am3_encoding::encrypted, "another key"};
  auto res = run(p.i, p.r);
  BOOST_TEST(p.i.established() == nullptr);
  BOOST_TEST((res.last_i.status == phase1_status::failed));
  BOOST_TEST(res.last_i.problem.find("AM2: hash mismatch: wrong pre-shared key?") == 0u);
  BOOST_TEST((res.last_i.notify == notify_type::authentication_failed));
  BOOST_TEST(res.last_i.send.empty());
}

BOOST_AUTO_TEST_CASE(am_unknown_id_is_refused_before_any_key_work) {
  psk_pair p{am3_encoding::encrypted, "satellite key", id_payload::fqdn("stranger.example")};
  auto res = run(p.i, p.r);
  BOOST_TEST(res.messages == 1);
  BOOST_TEST((res.last_r.status == phase1_status::failed));
  BOOST_TEST(res.last_r.problem == "no pre-shared key for peer ID stranger.example");
  BOOST_TEST((res.last_r.notify == notify_type::invalid_id_information));
  BOOST_TEST(p.r.last_sent().empty());
}

BOOST_AUTO_TEST_CASE(am_initiator_id_not_matching_its_certificate_is_refused) {
  auto& k = the_pki();
  phase1_policy pol;
  pol.offers = {seed_rsasig()};
  pol.cas = k.cas("good");
  auto sat = k.who("good", "armagnac");
  sat.id = id_payload::der_asn1_dn(*crypto::dn_from_text("C=FR, O=coati test, OU=rhum, CN=rhum"));
  auto i = aggressive_mode::initiator(sat, pol, ck(3));
  auto r = aggressive_mode::responder(k.who("good", "rhum"), pol, ck(4));
  auto res = run(i, r);
  BOOST_TEST((res.last_r.status == phase1_status::failed));
  BOOST_TEST(res.last_r.problem.find("AM3: ID ") == 0u);
  BOOST_TEST(res.last_r.problem.find("does not match the certificate subject") !=
             std::string::npos);
  BOOST_TEST(r.established() == nullptr);
}

BOOST_AUTO_TEST_CASE(am_responder_from_another_ca_is_refused_by_the_initiator) {
  auto& k = the_pki();
  phase1_policy pol;
  pol.offers = {seed_rsasig()};
  pol.cas = k.cas("good");
  auto i = aggressive_mode::initiator(k.who("good", "armagnac"), pol, ck(5));
  auto r = aggressive_mode::responder(k.who("evil", "mallory"), pol, ck(6));
  auto res = run(i, r);
  BOOST_TEST((res.last_i.status == phase1_status::failed));
  BOOST_TEST(res.last_i.problem.find("not trusted") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(am_no_acceptable_proposal) {
  auto ipol = psk_policy();
  auto rpol = psk_policy();
  rpol.offers = {seed_rsasig()};
  auto i = aggressive_mode::initiator(as(satellite), ipol, ck(7));
  auto r = aggressive_mode::responder(as(hub), rpol, ck(8), hub_keys());
  auto res = run(i, r);
  BOOST_TEST((res.last_r.status == phase1_status::failed));
  BOOST_TEST((res.last_r.notify == notify_type::no_proposal_chosen));
  BOOST_TEST(res.last_r.problem.find("no acceptable phase-1 proposal") == 0u);
}

BOOST_AUTO_TEST_CASE(am_mixed_dh_groups_are_refused_on_both_sides) {
  auto mixed = psk_policy();
  auto modp1024 = psk_aes();
  modp1024.group = ike_attr::group_modp1024;
  mixed.offers.push_back(modp1024);
  // Our own offers: no AM1 at all.
  auto i = aggressive_mode::initiator(as(satellite), mixed, ck(9));
  auto s = i.start();
  BOOST_TEST((s.status == phase1_status::failed));
  BOOST_TEST(s.problem == "our offers have DH groups 14, 2: aggressive mode needs one group for "
                          "every transform (KE travels in AM1)");
  BOOST_TEST(s.send.empty());
  // A peer's AM1 offering two groups (made from a valid AM1 with a second transform).
  auto good = aggressive_mode::initiator(as(satellite), psk_policy(), ck(10));
  auto am1 = edited(good.start().send.front(),
                    [&](message& m) { *m.find<sa_payload>() = make_phase1_sa(mixed.offers); });
  auto r = aggressive_mode::responder(as(hub), mixed, ck(11), hub_keys());
  auto refused = r.receive(am1);
  BOOST_TEST((refused.status == phase1_status::failed));
  BOOST_TEST((refused.notify == notify_type::no_proposal_chosen));
  BOOST_TEST(refused.problem.find("AM1 offers DH groups 14, 2") == 0u);
}

BOOST_AUTO_TEST_CASE(am_duplicates_get_the_stored_reply) {
  psk_pair p;
  // AM1 -->
  auto am1 = p.i.start().send.front();
  // <-- AM2
  auto am2 = p.r.receive(am1);
  // AM1 again (AM2 lost): the same AM2, no second key exchange
  auto again = p.r.receive(am1);
  BOOST_TEST(again.retransmit);
  BOOST_REQUIRE(again.send.size() == 1u);
  BOOST_TEST((again.send.front() == am2.send.front()));
  // AM3 -->
  auto am3 = p.i.receive(am2.send.front());
  BOOST_TEST((am3.status == phase1_status::established));
  // <-- AM2 again (the responder did not get AM3): the same AM3
  auto am3_again = p.i.receive(am2.send.front());
  BOOST_TEST(am3_again.retransmit);
  BOOST_REQUIRE(am3_again.send.size() == 1u);
  BOOST_TEST((am3_again.send.front() == am3.send.front()));
  BOOST_TEST((p.r.receive(am3.send.front()).status == phase1_status::established));
  // AM3 again: nothing to answer, nothing changes
  auto dup = p.r.receive(am3.send.front());
  BOOST_TEST(dup.retransmit);
  BOOST_TEST(dup.send.empty());
  BOOST_TEST((p.i.established()->keys.iv == p.r.established()->keys.iv));
}

BOOST_AUTO_TEST_CASE(am_tampered_am1_sa_is_caught_by_hash_r) {
  psk_pair p;
  // A lifetime changed on the way: the responder hashes another SAi_b.
  auto am1 = edited(p.i.start().send.front(), [](message& m) {
    auto& attrs = m.find<sa_payload>()->proposals[0].transforms[0].attributes;
    for (auto& a : attrs)
      if (a.type == ike_attr::life_duration)
        a = data_attribute::integer(ike_attr::life_duration, 3600);
  });
  auto am2 = p.r.receive(am1);
  BOOST_REQUIRE(am2.send.size() == 1u);
  auto s = p.i.receive(am2.send.front());
  BOOST_TEST((s.status == phase1_status::failed));
  BOOST_TEST(s.problem.find("hash mismatch") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(am_tampered_am2_hash_fails) {
  psk_pair p;
  auto am2 = p.r.receive(p.i.start().send.front()).send.front();
  auto bad = edited(am2, [](message& m) { m.find<hash_payload>()->data[0] ^= 1; });
  auto s = p.i.receive(bad);
  BOOST_TEST((s.status == phase1_status::failed));
  BOOST_TEST((s.notify == notify_type::authentication_failed));
}

BOOST_AUTO_TEST_CASE(am_tampered_am3_fails_encrypted_or_clear) {
  for (auto enc : {am3_encoding::encrypted, am3_encoding::clear}) {
    psk_pair p{enc};
    auto am2 = p.r.receive(p.i.start().send.front()).send.front();
    auto am3 = p.i.receive(am2).send.front();
    // A bit flipped in the first payload after the header: HASH_I in clear; the first
    // cipher block (and so the whole chain) when encrypted.
    am3[header_size + 8] ^= 0x01;
    auto s = p.r.receive(am3);
    BOOST_TEST((s.status == phase1_status::failed));
    BOOST_TEST(s.problem.find("AM3: ") == 0u);
    BOOST_TEST(p.r.established() == nullptr);
  }
}

BOOST_AUTO_TEST_CASE(am_garbage_and_main_mode_are_ignored) {
  auto r = aggressive_mode::responder(as(hub), psk_policy(), ck(12), hub_keys());
  std::vector<std::uint8_t> junk(40, 0xab);
  auto s = r.receive(junk);
  BOOST_TEST((s.status == phase1_status::in_progress));
  BOOST_TEST(s.problem.find("undecodable") == 0u);
  auto mm = main_mode::initiator(as(satellite), psk_policy(), ck(13));
  auto s2 = r.receive(mm.start().send.front());
  BOOST_TEST(s2.problem == "not an aggressive mode message");
  BOOST_TEST(s2.send.empty());
}
