// Phase-1 proposal choice: the seed hub's two proposals against what peers offer.
#include <boost/test/unit_test.hpp>

#include <vector>

#include "ike/phase1_sa.hpp"

using namespace coati::ike;

namespace {

/// The seed hub (rhum): rsasig 3des/md5 and hybrid 3des/sha1, both modp1024, 1440 min.
std::vector<phase1_offer> rhum() {
  phase1_offer sat{ike_attr::enc_3des,       0,    ike_attr::hash_md5, ike_attr::auth_rsa_sig,
                   ike_attr::group_modp1024, 86400};
  phase1_offer rw{ike_attr::enc_3des,       0,    ike_attr::hash_sha1, ike_attr::auth_hybrid_rsa_i,
                  ike_attr::group_modp1024, 86400};
  return {sat, rw};
}

phase1_offer offer(std::uint16_t enc, std::uint16_t bits, std::uint16_t hash, std::uint16_t auth,
                   std::uint16_t group, std::uint32_t life) {
  return {enc, bits, hash, auth, group, life};
}

} // namespace

BOOST_AUTO_TEST_SUITE(phase1_sa)

BOOST_AUTO_TEST_CASE(build_and_read_back) {
  auto mine = rhum();
  auto sa = make_phase1_sa(mine);
  BOOST_REQUIRE(sa.proposals.size() == 1u);
  BOOST_TEST((sa.proposals[0].protocol == protocol_id::isakmp));
  BOOST_REQUIRE(sa.proposals[0].transforms.size() == 2u);
  BOOST_TEST(sa.proposals[0].transforms[1].number == 2);
  auto back = read_phase1_transform(sa.proposals[0].transforms[1]);
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST((*back == mine[1]));
  // 86400 does not fit 16 bits: racoon's form is a 4-byte TLV.
  const auto* life = sa.proposals[0].transforms[0].find(ike_attr::life_duration);
  BOOST_REQUIRE(life != nullptr);
  BOOST_TEST(!life->basic);
  BOOST_TEST(life->value.size() == 4u);
}

BOOST_AUTO_TEST_CASE(picks_by_what_the_peer_offers) {
  auto mine = rhum();
  // A roadwarrior (hybrid) first offers something we lack, then what we have.
  std::vector<phase1_offer> peer{
      offer(ike_attr::enc_aes, 256, ike_attr::hash_sha256, ike_attr::auth_hybrid_rsa_i,
            ike_attr::group_modp2048, 28800),
      offer(ike_attr::enc_3des, 0, ike_attr::hash_sha1, ike_attr::auth_hybrid_rsa_i,
            ike_attr::group_modp1024, 28800)};
  auto r = choose_phase1(make_phase1_sa(peer), mine, proposal_check::obey);
  BOOST_REQUIRE(r.index() == 0);
  const auto& c = std::get<0>(r);
  BOOST_TEST(c.local_index == 1u);
  BOOST_TEST(c.agreed.lifetime == 28800u); // obey: the initiator's
  BOOST_REQUIRE(c.reply.proposals[0].transforms.size() == 1u);
  BOOST_TEST(c.reply.proposals[0].transforms[0].number == 2); // echoed as sent
  // The initiator accepts that answer.
  auto back = accept_phase1_reply(c.reply, peer);
  BOOST_REQUIRE(back.index() == 0);
  BOOST_TEST(std::get<0>(back).hash == ike_attr::hash_sha1);
}

BOOST_AUTO_TEST_CASE(proposal_check_lifetimes) {
  auto mine = rhum();
  std::vector<phase1_offer> longer{offer(ike_attr::enc_3des, 0, ike_attr::hash_md5,
                                         ike_attr::auth_rsa_sig, ike_attr::group_modp1024, 100000)};
  std::vector<phase1_offer> shorter = longer;
  shorter[0].lifetime = 3600;
  auto sa_long = make_phase1_sa(longer);
  auto sa_short = make_phase1_sa(shorter);
  BOOST_TEST(choose_phase1(sa_long, mine, proposal_check::obey).index() == 0u);
  BOOST_TEST(choose_phase1(sa_short, mine, proposal_check::strict).index() == 0u);
  auto strict = choose_phase1(sa_long, mine, proposal_check::strict);
  BOOST_REQUIRE(strict.index() == 1u);
  BOOST_TEST(std::get<1>(strict).find("refused by proposal_check") != std::string::npos);
  BOOST_TEST(choose_phase1(sa_short, mine, proposal_check::exact).index() == 1u);
  auto claim = choose_phase1(sa_long, mine, proposal_check::claim);
  BOOST_REQUIRE(claim.index() == 0u);
  BOOST_TEST(std::get<0>(claim).agreed.lifetime == 86400u);
  BOOST_TEST(std::get<0>(claim).responder_lifetime);
}

BOOST_AUTO_TEST_CASE(nothing_acceptable_says_why) {
  auto mine = rhum();
  std::vector<phase1_offer> peer{offer(ike_attr::enc_aes, 128, ike_attr::hash_sha1,
                                       ike_attr::auth_psk, ike_attr::group_modp2048, 28800)};
  auto r = choose_phase1(make_phase1_sa(peer), mine, proposal_check::obey);
  BOOST_REQUIRE(r.index() == 1u);
  BOOST_TEST(std::get<1>(r).find("no acceptable phase-1 proposal: transform 1 (enc 7/128") == 0u);
  // AES with no key length and with 128 are the same thing.
  std::vector<phase1_offer> aes{offer(ike_attr::enc_aes, 0, ike_attr::hash_sha1, ike_attr::auth_psk,
                                      ike_attr::group_modp2048, 28800)};
  auto r2 = choose_phase1(make_phase1_sa(peer), aes, proposal_check::obey);
  BOOST_TEST(r2.index() == 0u);
}

BOOST_AUTO_TEST_CASE(bad_replies_are_refused) {
  auto mine = rhum();
  auto two = make_phase1_sa(mine);
  BOOST_TEST(accept_phase1_reply(two, mine).index() == 1u); // two transforms back
  std::vector<phase1_offer> other{offer(ike_attr::enc_aes, 128, ike_attr::hash_sha1,
                                        ike_attr::auth_psk, ike_attr::group_modp2048, 100)};
  BOOST_TEST(accept_phase1_reply(make_phase1_sa(other), mine).index() == 1u);
  transform t;
  t.attributes.push_back(data_attribute::tv(ike_attr::encryption, ike_attr::enc_3des));
  std::string why;
  BOOST_TEST(!read_phase1_transform(t, &why));
  BOOST_TEST(why.find("are all required") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(hybrid_and_xauth_numbers_pair_up) {
  // Init and Resp numbers of each method are one family; PSK and RSA stand alone.
  BOOST_TEST(auth_family(ike_attr::auth_hybrid_rsa_r) == ike_attr::auth_hybrid_rsa_i);
  BOOST_TEST(auth_family(ike_attr::auth_hybrid_rsa_i) == ike_attr::auth_hybrid_rsa_i);
  BOOST_TEST(auth_family(ike_attr::auth_xauth_psk_r) == ike_attr::auth_xauth_psk_i);
  BOOST_TEST(auth_family(ike_attr::auth_xauth_rsa_r) == ike_attr::auth_xauth_rsa_i);
  BOOST_TEST(auth_family(ike_attr::auth_rsa_sig) == ike_attr::auth_rsa_sig);
  BOOST_TEST(needs_xauth(ike_attr::auth_xauth_rsa_r));
  BOOST_TEST(!needs_xauth(ike_attr::auth_rsa_sig));
  BOOST_TEST(is_hybrid(ike_attr::auth_hybrid_rsa_r));
  BOOST_TEST(!is_hybrid(ike_attr::auth_xauth_psk_i));
  // A client initiates with Init, a server with Resp.
  auto o = offer(ike_attr::enc_3des, 0, ike_attr::hash_sha1, ike_attr::auth_hybrid_rsa_i,
                 ike_attr::group_modp1024, 28800);
  o.xauth = xauth_role::client;
  BOOST_TEST(initiator_auth(o) == ike_attr::auth_hybrid_rsa_i);
  o.xauth = xauth_role::server;
  BOOST_TEST(initiator_auth(o) == ike_attr::auth_hybrid_rsa_r);
}

BOOST_AUTO_TEST_CASE(the_hub_takes_either_hybrid_number_and_keeps_its_role) {
  auto hub = rhum();
  hub[1].xauth = xauth_role::server; // hybrid_rsa_server
  for (auto auth : {ike_attr::auth_hybrid_rsa_i, ike_attr::auth_hybrid_rsa_r}) {
    std::vector<phase1_offer> client{
        offer(ike_attr::enc_3des, 0, ike_attr::hash_sha1, auth, ike_attr::group_modp1024, 3600)};
    auto r = choose_phase1(make_phase1_sa(client), hub, proposal_check::obey);
    BOOST_TEST_REQUIRE(r.index() == 0u);
    const auto& c = std::get<phase1_choice>(r);
    BOOST_TEST(c.local_index == 1u);
    BOOST_TEST(c.agreed.auth == auth); // as the initiator sent it
    BOOST_TEST((c.agreed.xauth == xauth_role::server));
    // The client reads the hub's reply back with its own role.
    client[0].xauth = xauth_role::client;
    auto back = accept_phase1_reply(c.reply, client);
    BOOST_TEST_REQUIRE(back.index() == 0u);
    BOOST_TEST((std::get<phase1_offer>(back).xauth == xauth_role::client));
  }
}

BOOST_AUTO_TEST_SUITE_END()
