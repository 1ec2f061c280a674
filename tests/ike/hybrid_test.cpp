// Hybrid RSA and XAuth methods in phase 1, coati's state machines on both ends: a hybrid
// client (no certificate, no key: HASH_I only) against a hybrid server (CERT + SIG_R), in
// main and aggressive mode, message by message; the refusals (server from another CA,
// a client HASH made with other keys, a server without its key); one responder policy
// serving an rsasig satellite and a hybrid roadwarrior; XAuth-PSK and XAuth-RSA with the
// XAuth server as responder and as initiator.
#include <boost/test/unit_test.hpp>

#include <deque>
#include <string>

#include "crypto/cipher.hpp"
#include "ike/aggressive_mode.hpp"
#include "ike/encrypted.hpp"
#include "ike/main_mode.hpp"
#include "phase1_fixtures.hpp"

using namespace coati;
using namespace coati::ike;
using namespace coati::ike::testing;

namespace {

/// The seed hub's roadwarrior proposal (3des/sha1/modp1024) with method `auth` and our role.
phase1_offer offer(std::uint16_t auth, xauth_role role) {
  phase1_offer o{ike_attr::enc_3des, 0, ike_attr::hash_sha1, auth, ike_attr::group_modp1024, 28800};
  o.xauth = role;
  return o;
}

phase1_offer hybrid_offer(xauth_role role) {
  return offer(ike_attr::auth_hybrid_rsa_i, role);
}

/// A roadwarrior: an FQDN and nothing else (no certificate, no key).
phase1_identity roadwarrior() {
  phase1_identity me;
  me.id = id_payload::fqdn("roadwarrior.example");
  return me;
}

/// The hub's side of hybrid: its certificate and key; no CA needed to check a HASH.
phase1_policy server_policy() {
  phase1_policy p;
  p.offers = {hybrid_offer(xauth_role::server)};
  return p;
}

/// The client's side: the CA that signed the hub.
phase1_policy client_policy(const std::string& ca = "good") {
  phase1_policy p;
  p.offers = {hybrid_offer(xauth_role::client)};
  p.cas = the_pki().cas(ca);
  return p;
}

message clear(const bytes& wire) {
  auto m = decode(wire);
  BOOST_REQUIRE(static_cast<bool>(m));
  return *m;
}

/// The auth method of the single transform of a clear message's SA payload.
std::uint16_t sa_auth(const bytes& wire) {
  auto m = clear(wire);
  const auto* sa = m.find<sa_payload>();
  BOOST_REQUIRE(sa != nullptr);
  auto o = read_phase1_transform(sa->proposals.at(0).transforms.at(0));
  BOOST_REQUIRE(o.has_value());
  return o->auth;
}

/// Reads the encrypted phase-1 messages of an established SA in order, from IV0 on.
struct reader {
  const phase1_established& sa;
  std::vector<std::uint8_t> iv;
  reader(const phase1_established& s, const bytes& gxi, const bytes& gxr)
      : sa(s),
        iv(crypto::ikev1::phase1_iv(s.keys.hash, gxi, gxr, crypto::block_size(s.keys.cipher))) {}
  std::vector<payload> next(const bytes& wire) {
    std::string why;
    auto chain = open(clear(wire), sa.keys.cipher, sa.keys.enc_key, iv, why);
    BOOST_REQUIRE_MESSAGE(chain.has_value(), why);
    return *chain;
  }
};

bool same(const crypto::secret_bytes& a, const crypto::secret_bytes& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

} // namespace

BOOST_AUTO_TEST_SUITE(hybrid)

BOOST_AUTO_TEST_CASE(mm_hybrid_client_against_hybrid_server) {
  auto hub = the_pki().who("good", "rhum");
  auto i = main_mode::initiator(roadwarrior(), client_policy(), ck(0x41));
  auto r = main_mode::responder(hub, server_policy(), ck(0x42));
  // MM1 -->  the client proposes HybridInitRSA (64221)
  auto mm1 = i.start().send.at(0);
  BOOST_TEST(sa_auth(mm1) == ike_attr::auth_hybrid_rsa_i);
  // <-- MM2  the hub takes it
  auto mm2 = r.receive(mm1).send.at(0);
  BOOST_TEST(sa_auth(mm2) == ike_attr::auth_hybrid_rsa_i);
  // MM3 -->  KE, Ni and a CR: the client wants the hub's certificate
  auto mm3 = i.receive(mm2).send.at(0);
  BOOST_TEST(clear(mm3).find<cr_payload>() != nullptr);
  // <-- MM4  KE, Nr, no CR: the client has no certificate to send
  auto mm4 = r.receive(mm3).send.at(0);
  BOOST_TEST(clear(mm4).find<cr_payload>() == nullptr);
  // MM5 -->  *IDii, HASH_I
  auto mm5 = i.receive(mm4).send.at(0);
  // <-- MM6  *IDir, CERT, SIG_R: the hub is established, the client must still do XAuth
  auto s6 = r.receive(mm5);
  BOOST_TEST_REQUIRE((s6.status == phase1_status::established), s6.problem);
  auto s = i.receive(s6.send.at(0));
  BOOST_TEST_REQUIRE((s.status == phase1_status::established), s.problem);
  const auto& c = *i.established();
  const auto& h = *r.established();
  BOOST_TEST(same(c.keys.skeyid_a, h.keys.skeyid_a));
  BOOST_TEST(c.agreed.auth == ike_attr::auth_hybrid_rsa_i);
  BOOST_TEST(needs_xauth(c));
  BOOST_TEST(needs_xauth(h));
  BOOST_TEST(is_xauth_server(h));
  BOOST_TEST(!is_xauth_server(c));
  BOOST_TEST(h.peer_cert_subject.empty());
  BOOST_TEST((h.peer_id == id_payload::fqdn("roadwarrior.example")));
  BOOST_REQUIRE(!c.peer_cert_subject.empty());
  BOOST_TEST(crypto::dn_to_text(c.peer_cert_subject).find("CN=rhum") != std::string::npos);
  // What MM5 and MM6 carried, decrypted with the client's keys.
  reader rd{c, clear(mm3).find<ke_payload>()->data, clear(mm4).find<ke_payload>()->data};
  auto in5 = rd.next(mm5);
  BOOST_TEST(find<hash_payload>(in5) != nullptr);
  BOOST_TEST(find<cert_payload>(in5) == nullptr);
  BOOST_TEST(find<sig_payload>(in5) == nullptr);
  auto in6 = rd.next(s6.send.at(0));
  BOOST_TEST(find<cert_payload>(in6) != nullptr);
  BOOST_TEST(find<sig_payload>(in6) != nullptr);
  BOOST_TEST(find<hash_payload>(in6) == nullptr);
}

BOOST_AUTO_TEST_CASE(am_hybrid_client_against_hybrid_server) {
  auto hub = the_pki().who("good", "rhum");
  auto i =
      aggressive_mode::initiator(roadwarrior(), client_policy(), ck(0x43), am3_encoding::clear);
  auto r = aggressive_mode::responder(hub, server_policy(), ck(0x44));
  // AM1 -->  SA (64221), KE, Ni, IDii, CR
  auto am1 = i.start().send.at(0);
  BOOST_TEST(sa_auth(am1) == ike_attr::auth_hybrid_rsa_i);
  BOOST_TEST(clear(am1).find<cr_payload>() != nullptr);
  // <-- AM2  SA, KE, Nr, IDir, CERT, SIG_R, no CR
  auto am2 = r.receive(am1).send.at(0);
  auto m2 = clear(am2);
  BOOST_TEST(m2.find<cert_payload>() != nullptr);
  BOOST_TEST(m2.find<sig_payload>() != nullptr);
  BOOST_TEST(m2.find<hash_payload>() == nullptr);
  BOOST_TEST(m2.find<cr_payload>() == nullptr);
  // AM3 -->  HASH_I (in clear here, as racoon sends it)
  auto s3 = i.receive(am2);
  BOOST_TEST_REQUIRE((s3.status == phase1_status::established), s3.problem);
  auto m3 = clear(s3.send.at(0));
  BOOST_TEST(m3.find<hash_payload>() != nullptr);
  BOOST_TEST(m3.find<sig_payload>() == nullptr);
  auto s = r.receive(s3.send.at(0));
  BOOST_TEST_REQUIRE((s.status == phase1_status::established), s.problem);
  BOOST_TEST(is_xauth_server(*r.established()));
  BOOST_TEST(!is_xauth_server(*i.established()));
  BOOST_TEST(needs_xauth(*i.established()));
  BOOST_TEST(same(i.established()->keys.skeyid_e, r.established()->keys.skeyid_e));
  // The same with AM3 encrypted (charon, vpnc).
  auto i2 = aggressive_mode::initiator(roadwarrior(), client_policy(), ck(0x45));
  auto r2 = aggressive_mode::responder(hub, server_policy(), ck(0x46));
  auto res = run(i2, r2);
  BOOST_TEST_REQUIRE(r2.established() != nullptr, res.last_r.problem + res.last_i.problem);
  BOOST_TEST(r2.am3_encrypted());
}

BOOST_AUTO_TEST_CASE(hybrid_client_refuses_a_server_from_another_ca) {
  auto mallory = the_pki().who("evil", "mallory");
  auto i = main_mode::initiator(roadwarrior(), client_policy("good"), ck(0x47));
  auto r = main_mode::responder(mallory, server_policy(), ck(0x48));
  auto res = run(i, r);
  BOOST_TEST(i.established() == nullptr);
  BOOST_TEST((res.last_i.status == phase1_status::failed));
  BOOST_TEST((res.last_i.reason == phase1_failure::certificate));
  BOOST_TEST(res.last_i.problem.find("MM6: certificate") == 0u);
  BOOST_TEST(res.last_i.problem.find("not trusted") != std::string::npos);
  auto ai = aggressive_mode::initiator(roadwarrior(), client_policy("good"), ck(0x49));
  auto ar = aggressive_mode::responder(mallory, server_policy(), ck(0x4a));
  auto ares = run(ai, ar);
  BOOST_TEST((ares.last_i.reason == phase1_failure::certificate));
  BOOST_TEST(ares.last_i.send.empty()); // no AM3 for an untrusted hub
}

BOOST_AUTO_TEST_CASE(hybrid_server_refuses_a_hash_made_with_other_keys) {
  auto hub = the_pki().who("good", "rhum");
  // Two exchanges with the same cookies: the second client's AM3 carries a HASH_I made
  // with the second exchange's keys and reaches the first hub.
  auto i1 =
      aggressive_mode::initiator(roadwarrior(), client_policy(), ck(0x4b), am3_encoding::clear);
  auto r1 = aggressive_mode::responder(hub, server_policy(), ck(0x4c));
  auto i2 =
      aggressive_mode::initiator(roadwarrior(), client_policy(), ck(0x4b), am3_encoding::clear);
  auto r2 = aggressive_mode::responder(hub, server_policy(), ck(0x4c));
  auto am2 = r1.receive(i1.start().send.at(0)).send.at(0);
  auto foreign = i2.receive(r2.receive(i2.start().send.at(0)).send.at(0)).send.at(0);
  BOOST_TEST_REQUIRE(!i1.receive(am2).send.empty());
  auto s = r1.receive(foreign);
  BOOST_TEST((s.status == phase1_status::failed));
  BOOST_TEST((s.reason == phase1_failure::authentication));
  BOOST_TEST(s.problem.find("AM3: hash mismatch") == 0u);
  BOOST_TEST(r1.established() == nullptr);
  // Main mode: MM5 from another exchange does not even decrypt.
  auto mi1 = main_mode::initiator(roadwarrior(), client_policy(), ck(0x4d));
  auto mr1 = main_mode::responder(hub, server_policy(), ck(0x4e));
  auto mi2 = main_mode::initiator(roadwarrior(), client_policy(), ck(0x4d));
  auto mr2 = main_mode::responder(hub, server_policy(), ck(0x4e));
  auto mm2 = mr1.receive(mi1.start().send.at(0)).send.at(0);
  auto mm4 = mr1.receive(mi1.receive(mm2).send.at(0)).send.at(0);
  BOOST_TEST_REQUIRE(!mi1.receive(mm4).send.empty());
  auto other2 = mr2.receive(mi2.start().send.at(0)).send.at(0);
  auto other4 = mr2.receive(mi2.receive(other2).send.at(0)).send.at(0);
  auto mm5b = mi2.receive(other4).send.at(0);
  auto ms = mr1.receive(mm5b);
  BOOST_TEST((ms.status == phase1_status::failed));
  BOOST_TEST((ms.reason == phase1_failure::authentication), ms.problem);
}

BOOST_AUTO_TEST_CASE(hybrid_server_without_its_key_says_so) {
  auto hub = the_pki().who("good", "rhum");
  hub.key.reset();
  auto i = main_mode::initiator(roadwarrior(), client_policy(), ck(0x50));
  auto r = main_mode::responder(hub, server_policy(), ck(0x51));
  auto res = run(i, r);
  BOOST_TEST((res.last_r.status == phase1_status::failed));
  BOOST_TEST((res.last_r.reason == phase1_failure::credentials));
  BOOST_TEST(res.last_r.problem.find("no private key") != std::string::npos);
}

namespace {

/// Runs initiator `i` against responder `r`, kept in `keep`: both results (null if not
/// established).
template <class Exchange>
std::pair<const phase1_established*, const phase1_established*> play(std::deque<Exchange>& keep,
                                                                     Exchange i, Exchange r) {
  auto& a = keep.emplace_back(std::move(i));
  auto& b = keep.emplace_back(std::move(r));
  auto res = run(a, b);
  BOOST_TEST_MESSAGE(res.last_i.problem + res.last_r.problem);
  return {a.established(), b.established()};
}

} // namespace

BOOST_AUTO_TEST_CASE(one_policy_serves_rsasig_satellites_and_hybrid_roadwarriors) {
  auto& k = the_pki();
  // The seed hub's `remote anonymous`: rsasig (3des/md5) then hybrid_rsa_server (3des/sha1).
  phase1_policy hub_pol;
  hub_pol.offers = {seed_rsasig(), hybrid_offer(xauth_role::server)};
  hub_pol.cas = k.cas("good");
  auto hub = k.who("good", "rhum");
  phase1_policy sat_pol;
  sat_pol.offers = {seed_rsasig()};
  sat_pol.cas = k.cas("good");
  for (bool mm : {true, false}) {
    BOOST_TEST_CONTEXT((mm ? "main mode" : "aggressive mode")) {
      std::deque<main_mode> mms;
      std::deque<aggressive_mode> ams;
      auto both = [&](phase1_identity who, const phase1_policy& p, std::uint8_t c) {
        if (mm)
          return play(mms, main_mode::initiator(std::move(who), p, ck(c)),
                      main_mode::responder(hub, hub_pol, ck(c + 1)));
        return play(ams, aggressive_mode::initiator(std::move(who), p, ck(c)),
                    aggressive_mode::responder(hub, hub_pol, ck(c + 1)));
      };
      // A satellite with its certificate: rsasig, no XAuth.
      auto [si, sr] = both(k.who("good", "armagnac"), sat_pol, 0x60);
      BOOST_TEST_REQUIRE((si != nullptr && sr != nullptr));
      BOOST_TEST(sr->agreed.auth == ike_attr::auth_rsa_sig);
      BOOST_TEST(!needs_xauth(*sr));
      BOOST_TEST(!sr->peer_cert_subject.empty());
      // A roadwarrior: hybrid, and the hub is the XAuth server.
      auto [ci, cr] = both(roadwarrior(), client_policy(), 0x62);
      BOOST_TEST_REQUIRE((ci != nullptr && cr != nullptr));
      BOOST_TEST(cr->agreed.auth == ike_attr::auth_hybrid_rsa_i);
      BOOST_TEST(is_xauth_server(*cr));
      BOOST_TEST(cr->peer_cert_subject.empty());
      // A client offering both picks in its own order: hybrid first here.
      auto both_pol = client_policy();
      both_pol.offers.push_back(seed_rsasig());
      auto [bi, br] = both(k.who("good", "armagnac"), both_pol, 0x64);
      BOOST_TEST_REQUIRE((bi != nullptr && br != nullptr));
      BOOST_TEST(br->agreed.auth == ike_attr::auth_hybrid_rsa_i);
    }
  }
}

namespace {

/// An XAuth-`auth` exchange in main mode; `server_initiates` swaps the roles.
struct xauth_pair {
  main_mode i, r;
  xauth_pair(std::uint16_t auth, bool server_initiates, const phase1_identity& a,
             const phase1_identity& b, const char* psk_i = "group key",
             const char* psk_r = "group key")
      : i(main_mode::initiator(a, policy(auth, server_initiates, psk_i), ck(0x70))),
        r(main_mode::responder(b, policy(auth, !server_initiates, psk_r), ck(0x71))) {}
  static phase1_policy policy(std::uint16_t auth, bool server, const char* psk) {
    phase1_policy p;
    p.offers = {offer(auth, server ? xauth_role::server : xauth_role::client)};
    p.psk = crypto::secret_bytes::from_string(psk);
    p.cas = the_pki().cas("good");
    return p;
  }
};

} // namespace

BOOST_AUTO_TEST_CASE(xauth_psk_both_ways) {
  phase1_identity a, b;
  a.id = id_payload::fqdn("a.example");
  b.id = id_payload::fqdn("b.example");
  // The usual way: the client initiates with 65001, the hub is XAuth server.
  xauth_pair look{ike_attr::auth_xauth_psk_i, false, a, b};
  BOOST_TEST(sa_auth(look.i.start().send.at(0)) == ike_attr::auth_xauth_psk_i);
  xauth_pair usual{ike_attr::auth_xauth_psk_i, false, a, b};
  auto res = run(usual.i, usual.r);
  BOOST_TEST_REQUIRE(usual.r.established() != nullptr, res.last_r.problem + res.last_i.problem);
  BOOST_TEST_REQUIRE(usual.i.established() != nullptr);
  BOOST_TEST(is_xauth_server(*usual.r.established()));
  BOOST_TEST(!is_xauth_server(*usual.i.established()));
  BOOST_TEST(clear(usual.r.last_sent()).hdr.encrypted());
  // The server initiates: it sends the Resp number (65002), the client responder takes it.
  xauth_pair look2{ike_attr::auth_xauth_psk_i, true, a, b};
  BOOST_TEST(sa_auth(look2.i.start().send.at(0)) == ike_attr::auth_xauth_psk_r);
  xauth_pair swapped{ike_attr::auth_xauth_psk_i, true, a, b};
  res = run(swapped.i, swapped.r);
  BOOST_TEST_REQUIRE(swapped.i.established() != nullptr, res.last_r.problem + res.last_i.problem);
  BOOST_TEST(swapped.i.established()->agreed.auth == ike_attr::auth_xauth_psk_r);
  BOOST_TEST(is_xauth_server(*swapped.i.established()));
  BOOST_TEST(!is_xauth_server(*swapped.r.established()));
  // A different group key fails as PSK does.
  xauth_pair wrong{ike_attr::auth_xauth_psk_i, false, a, b, "group key", "other key"};
  res = run(wrong.i, wrong.r);
  BOOST_TEST((res.last_r.reason == phase1_failure::authentication));
  BOOST_TEST(res.last_r.problem.find("wrong pre-shared key") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(xauth_rsa_both_ways) {
  auto& k = the_pki();
  auto hub = k.who("good", "rhum");
  auto sat = k.who("good", "armagnac");
  for (bool server_initiates : {false, true}) {
    BOOST_TEST_CONTEXT("server initiates: " << server_initiates) {
      const auto& a = server_initiates ? hub : sat;
      const auto& b = server_initiates ? sat : hub;
      xauth_pair p{ike_attr::auth_xauth_rsa_i, server_initiates, a, b};
      auto res = run(p.i, p.r);
      BOOST_TEST_REQUIRE(p.i.established() != nullptr, res.last_r.problem + res.last_i.problem);
      BOOST_TEST_REQUIRE(p.r.established() != nullptr);
      // Both signed: each has the other's certificate.
      BOOST_TEST(!p.i.established()->peer_cert_subject.empty());
      BOOST_TEST(!p.r.established()->peer_cert_subject.empty());
      const auto& server = server_initiates ? *p.i.established() : *p.r.established();
      const auto& client = server_initiates ? *p.r.established() : *p.i.established();
      BOOST_TEST(is_xauth_server(server));
      BOOST_TEST(!is_xauth_server(client));
      BOOST_TEST(needs_xauth(client));
      BOOST_TEST(server.agreed.auth ==
                 (server_initiates ? ike_attr::auth_xauth_rsa_r : ike_attr::auth_xauth_rsa_i));
    }
  }
  // A client without a certificate cannot do XAuth-RSA (that is what hybrid is for).
  xauth_pair nokey{ike_attr::auth_xauth_rsa_i, false, roadwarrior(), hub};
  auto res = run(nokey.i, nokey.r);
  BOOST_TEST((res.last_i.reason == phase1_failure::credentials));
}

BOOST_AUTO_TEST_SUITE_END()
