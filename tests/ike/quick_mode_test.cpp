// Quick mode between two coati state machines, on top of a real main mode: the seed's
// satellite sainfo (3des/hmac_md5, PFS modp1024, IPComp deflate, 3 min), key agreement
// in both directions, and the refusals.
#include <boost/test/unit_test.hpp>

#include "ike/main_mode.hpp"
#include "ike/quick_mode.hpp"

using namespace coati;
using namespace coati::ike;

namespace {

/// Two ends with an established PSK phase 1.
struct phase1_pair {
  main_mode i, r;
  phase1_pair()
      : i(main_mode::initiator(id(), policy(), cookie{1, 2, 3, 4, 5, 6, 7, 8})),
        r(main_mode::responder(id(), policy(), cookie{8, 7, 6, 5, 4, 3, 2, 1})) {
    auto s = i.start();
    for (bool to_r = true; !s.send.empty(); to_r = !to_r)
      s = to_r ? r.receive(s.send.front()) : i.receive(s.send.front());
    BOOST_REQUIRE(i.established() && r.established());
  }
  static phase1_identity id() {
    phase1_identity me;
    me.id = id_payload::ipv4({198, 51, 100, 3});
    return me;
  }
  static phase1_policy policy() {
    phase1_policy p;
    p.offers = {{ike_attr::enc_3des, 0, ike_attr::hash_md5, ike_attr::auth_psk,
                 ike_attr::group_modp1024, 86400}};
    p.psk = crypto::secret_bytes::from_string("seed");
    return p;
  }
  phase1_context ctx_i() const {
    return {&i.established()->keys, i.established()->icookie, i.established()->rcookie};
  }
  phase1_context ctx_r() const {
    return {&r.established()->keys, r.established()->icookie, r.established()->rcookie};
  }
};

/// The seed's satellite sainfo.
phase2_policy seed_sainfo() {
  phase2_policy p;
  p.offers = {{transform_id::esp_3des, 0, ipsec_attr::auth_hmac_md5}};
  p.pfs_group = ike_attr::group_modp1024;
  p.lifetime = 180;
  p.ipcomp = true;
  return p;
}

id_payload sat_lan() {
  return id_payload::ipv4_subnet({192, 168, 3, 0}, {255, 255, 255, 0});
}
id_payload company() {
  return id_payload::ipv4_subnet({192, 168, 0, 0}, {255, 255, 0, 0});
}

/// The hub's sainfo table: the star entry for armagnac only.
sainfo_lookup hub_sainfos(phase2_policy p) {
  return [p](const id_payload& idci, const id_payload& idcr) -> std::optional<phase2_policy> {
    if (idci == sat_lan() && idcr == company())
      return p;
    return std::nullopt;
  };
}

struct qm_run {
  child_step last_r, last_i;
};

qm_run run(quick_mode& i, quick_mode& r) {
  qm_run out;
  auto qm1 = i.start();
  BOOST_REQUIRE(qm1.send.size() == 1u);
  out.last_r = r.receive(qm1.send.front()); // QM1 -->
  if (out.last_r.send.empty())
    return out;
  out.last_i = i.receive(out.last_r.send.front()); // <-- QM2
  if (out.last_i.send.empty())
    return out;
  out.last_r = r.receive(out.last_i.send.front()); // QM3 -->
  return out;
}

bool same(const crypto::secret_bytes& a, const crypto::secret_bytes& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

} // namespace

BOOST_AUTO_TEST_SUITE(quick_mode_suite)

BOOST_AUTO_TEST_CASE(seed_sainfo_with_pfs_and_ipcomp) {
  phase1_pair p1;
  auto i = quick_mode::initiator(p1.ctx_i(), seed_sainfo(), sat_lan(), company(), 0x1234abcd,
                                 0xc0000001, 0x4001);
  auto r =
      quick_mode::responder(p1.ctx_r(), hub_sainfos(seed_sainfo()), 0x1234abcd, 0xd0000002, 0x4002);
  auto res = run(i, r);
  BOOST_TEST_MESSAGE(res.last_r.problem + res.last_i.problem);
  BOOST_REQUIRE(i.established() != nullptr);
  BOOST_REQUIRE(r.established() != nullptr);
  const auto& a = *i.established();
  const auto& b = *r.established();
  // Each side's inbound SA is the other's outbound, with the same keys.
  BOOST_TEST(a.inbound.spi == 0xc0000001u);
  BOOST_TEST(b.outbound.spi == 0xc0000001u);
  BOOST_TEST(b.inbound.spi == 0xd0000002u);
  BOOST_TEST(a.outbound.spi == 0xd0000002u);
  BOOST_TEST(same(a.inbound.enc_key, b.outbound.enc_key));
  BOOST_TEST(same(a.inbound.auth_key, b.outbound.auth_key));
  BOOST_TEST(same(a.outbound.enc_key, b.inbound.enc_key));
  BOOST_TEST(!same(a.inbound.enc_key, a.outbound.enc_key));
  BOOST_TEST(a.inbound.enc_key.size() == 24u);  // 3DES
  BOOST_TEST(a.inbound.auth_key.size() == 16u); // HMAC-MD5
  BOOST_TEST(a.ipcomp);
  BOOST_TEST(b.ipcomp);
  BOOST_TEST(a.outbound.cpi == 0x4002);
  BOOST_TEST(b.outbound.cpi == 0x4001);
  BOOST_TEST((b.pfs_group == std::optional<std::uint16_t>{ike_attr::group_modp1024}));
  BOOST_TEST(b.lifetime == 180u);
  BOOST_TEST((b.id_i == sat_lan()));
  BOOST_TEST((b.id_r == company()));
}

BOOST_AUTO_TEST_CASE(without_pfs_keys_still_agree) {
  phase1_pair p1;
  auto pol = seed_sainfo();
  pol.pfs_group.reset();
  pol.ipcomp = false;
  auto i = quick_mode::initiator(p1.ctx_i(), pol, sat_lan(), company(), 7, 0x1111, 0);
  auto r = quick_mode::responder(p1.ctx_r(), hub_sainfos(pol), 7, 0x2222, 0);
  run(i, r);
  BOOST_REQUIRE(i.established() && r.established());
  BOOST_TEST(same(i.established()->inbound.enc_key, r.established()->outbound.enc_key));
  BOOST_TEST(!i.established()->ipcomp);
}

BOOST_AUTO_TEST_CASE(no_sainfo_for_the_ids) {
  phase1_pair p1;
  auto other = id_payload::ipv4_subnet({192, 168, 9, 0}, {255, 255, 255, 0});
  auto i = quick_mode::initiator(p1.ctx_i(), seed_sainfo(), other, company(), 9, 1, 2);
  auto r = quick_mode::responder(p1.ctx_r(), hub_sainfos(seed_sainfo()), 9, 3, 4);
  auto res = run(i, r);
  BOOST_TEST((res.last_r.status == child_status::failed));
  BOOST_TEST((res.last_r.notify == notify_type::invalid_id_information));
  BOOST_TEST(res.last_r.problem.find("no sainfo for 192.168.9.0/24") == 0u);
}

BOOST_AUTO_TEST_CASE(pfs_group_mismatch_is_refused) {
  phase1_pair p1;
  auto mine = seed_sainfo();
  mine.pfs_group = ike_attr::group_modp2048;
  auto i = quick_mode::initiator(p1.ctx_i(), seed_sainfo(), sat_lan(), company(), 10, 1, 2);
  auto r = quick_mode::responder(p1.ctx_r(), hub_sainfos(mine), 10, 3, 4);
  auto res = run(i, r);
  BOOST_TEST((res.last_r.notify == notify_type::no_proposal_chosen));
  BOOST_TEST(res.last_r.problem.find("PFS group differs") != std::string::npos);
  BOOST_TEST(r.established() == nullptr);
}

BOOST_AUTO_TEST_CASE(strict_refuses_longer_claim_shortens) {
  phase1_pair p1;
  auto asked = seed_sainfo();
  asked.lifetime = 3600;
  auto i = quick_mode::initiator(p1.ctx_i(), asked, sat_lan(), company(), 11, 1, 2);
  auto r = quick_mode::responder(p1.ctx_r(), hub_sainfos(seed_sainfo()), 11, 3, 4);
  BOOST_TEST((run(i, r).last_r.status == child_status::failed));

  auto claim = seed_sainfo();
  claim.check = proposal_check::claim;
  auto i2 = quick_mode::initiator(p1.ctx_i(), asked, sat_lan(), company(), 12, 1, 2);
  auto r2 = quick_mode::responder(p1.ctx_r(), hub_sainfos(claim), 12, 3, 4);
  run(i2, r2);
  BOOST_REQUIRE(i2.established() && r2.established());
  BOOST_TEST(r2.established()->responder_lifetime);
  BOOST_TEST(r2.established()->lifetime == 180u);
  BOOST_TEST(i2.established()->lifetime == 180u); // from RESPONDER-LIFETIME
}

BOOST_AUTO_TEST_CASE(duplicate_qm1_gets_the_same_qm2) {
  phase1_pair p1;
  auto i = quick_mode::initiator(p1.ctx_i(), seed_sainfo(), sat_lan(), company(), 13, 1, 2);
  auto r = quick_mode::responder(p1.ctx_r(), hub_sainfos(seed_sainfo()), 13, 3, 4);
  auto qm1 = i.start().send.front();
  auto qm2 = r.receive(qm1);
  auto again = r.receive(qm1);
  BOOST_TEST(again.retransmit);
  BOOST_REQUIRE(again.send.size() == 1u);
  BOOST_TEST((again.send.front() == qm2.send.front()));
}

BOOST_AUTO_TEST_CASE(tampered_qm1_does_not_verify) {
  phase1_pair p1;
  auto i = quick_mode::initiator(p1.ctx_i(), seed_sainfo(), sat_lan(), company(), 14, 1, 2);
  auto r = quick_mode::responder(p1.ctx_r(), hub_sainfos(seed_sainfo()), 14, 3, 4);
  auto qm1 = i.start().send.front();
  qm1[qm1.size() - 9] ^= 0x01; // flip a bit in the last full cipher block but one
  auto s = r.receive(qm1);
  BOOST_TEST((s.status != child_status::established));
  BOOST_TEST(r.established() == nullptr);
  BOOST_TEST(!s.problem.empty());
}

BOOST_AUTO_TEST_SUITE_END()
