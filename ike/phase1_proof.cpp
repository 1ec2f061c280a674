#include "ike/phase1_proof.hpp"

#include <algorithm>

#include "crypto/keyschedule.hpp"
#include "crypto/x509.hpp"

namespace coati::ike::detail {
namespace {

namespace ks = crypto::ikev1;

bytes expected_hash(const phase1_established& sa, const phase1_transcript& t, const id_payload& id,
                    bool of_initiator) {
  bytes idb = *encode_body(payload{id});
  const auto& k = sa.keys;
  return of_initiator
             ? ks::hash_i(k.hash, k.skeyid, t.gxi, t.gxr, sa.icookie, sa.rcookie, t.sai_b, idb)
             : ks::hash_r(k.hash, k.skeyid, t.gxi, t.gxr, sa.icookie, sa.rcookie, t.sai_b, idb);
}

} // namespace

bool uses_signatures(std::uint16_t auth) {
  return auth == ike_attr::auth_rsa_sig;
}

bool derive_keys(phase1_established& sa, const crypto::dh_keypair& dh, const bytes& peer_ke,
                 const bytes& gxi, const bytes& gxr, const crypto::secret_bytes* psk,
                 std::string& why) {
  auto cipher = crypto::cipher_from_oakley(sa.agreed.enc, sa.agreed.key_bits);
  auto hash = crypto::hash_from_oakley(sa.agreed.hash);
  if (!cipher || !hash) {
    why = "negotiated cipher or hash is not supported";
    return false;
  }
  auto gxy = dh.derive(peer_ke);
  if (!gxy) {
    why = "the peer's KE is not a valid public value of the group";
    return false;
  }
  ks::phase1_input in;
  in.hash = *hash;
  in.cipher = *cipher;
  if (sa.agreed.auth == ike_attr::auth_psk) {
    if (psk == nullptr) {
      why = "no pre-shared key for this peer";
      return false;
    }
    in.kind = ks::skeyid_kind::pre_shared_key;
    in.psk = psk->view();
  } else if (uses_signatures(sa.agreed.auth)) {
    in.kind = ks::skeyid_kind::signature;
  } else {
    why = "authentication method " + std::to_string(sa.agreed.auth) + " is not supported yet";
    return false;
  }
  in.gxy = gxy->view();
  in.gxi = gxi;
  in.gxr = gxr;
  in.ni_b = sa.ni_b;
  in.nr_b = sa.nr_b;
  in.cky_i = sa.icookie;
  in.cky_r = sa.rcookie;
  sa.keys = ks::derive_phase1(in);
  return true;
}

std::vector<payload> prove(const phase1_identity& me, const phase1_established& sa,
                           const phase1_transcript& t, bool as_initiator) {
  bytes h = expected_hash(sa, t, me.id, as_initiator);
  std::vector<payload> chain;
  if (!uses_signatures(sa.agreed.auth)) {
    chain.emplace_back(hash_payload{h});
    return chain;
  }
  if (me.send_cert && me.cert)
    chain.emplace_back(cert_payload{cert_encoding::x509_sig, me.cert->der()});
  bytes sig = me.key ? crypto::sign_ikev1(*me.key, h) : bytes{};
  chain.emplace_back(sig_payload{sig});
  return chain;
}

std::optional<std::string> check_proof(const phase1_policy& pol, phase1_established& sa,
                                       const phase1_transcript& t, const id_payload& id,
                                       std::span<const payload> chain, bool from_initiator) {
  bytes h = expected_hash(sa, t, id, from_initiator);
  sa.peer_id = id;
  if (!uses_signatures(sa.agreed.auth)) {
    const auto* hp = find<hash_payload>(chain);
    if (hp == nullptr)
      return std::string{"no HASH payload"};
    if (!crypto::constant_time_equal(hp->data, h))
      return std::string{"hash mismatch: wrong pre-shared key?"};
  } else {
    const auto* sig = find<sig_payload>(chain);
    if (sig == nullptr)
      return std::string{"no SIG payload"};
    const auto* cp = find<cert_payload>(chain);
    if (cp == nullptr || cp->encoding != cert_encoding::x509_sig)
      return std::string{
          "the peer sent no X.509 certificate (peers_certfile is not supported yet)"};
    auto cert = crypto::certificate::from_der(cp->data);
    if (!cert)
      return std::string{"the peer's certificate does not parse"};
    if (pol.verify_cert) {
      if (!pol.cas)
        return std::string{"no CA store to check the peer's certificate"};
      auto v = pol.cas->verify(*cert);
      if (!v.ok)
        return "certificate " + cert->subject_text() + " not trusted: " + v.reason;
    }
    auto pub = cert->public_key();
    if (!pub || !crypto::verify_ikev1(*pub, h, sig->data))
      return "signature by " + cert->subject_text() + " does not verify";
    if (id.kind == id_type::der_asn1_dn && !crypto::dn_equal(id.data, cert->subject_der()))
      return "ID " + crypto::dn_to_text(id.data) + " does not match the certificate subject " +
             cert->subject_text();
    sa.peer_cert = std::move(cert);
  }
  if (pol.verify_identifier && !pol.peers_identifier.empty()) {
    bool ok = id.kind == id_type::der_asn1_dn &&
              std::any_of(pol.peers_identifier.begin(), pol.peers_identifier.end(),
                          [&](const bytes& p) { return crypto::dn_match(p, id.data); });
    if (!ok)
      return "peer ID " +
             (id.kind == id_type::der_asn1_dn ? crypto::dn_to_text(id.data) : id.to_string()) +
             " is not one of peers_identifier";
  }
  return std::nullopt;
}

phase1_step failed(std::string why, std::optional<notify_type> n) {
  phase1_step s;
  s.status = phase1_status::failed;
  s.problem = std::move(why);
  s.notify = n;
  return s;
}

phase1_step ignored(std::string why) {
  phase1_step s;
  s.problem = std::move(why);
  return s;
}

phase1_step sending(bytes& last_sent, bytes wire, phase1_status st) {
  last_sent = wire;
  phase1_step s;
  s.status = st;
  s.send.push_back(std::move(wire));
  return s;
}

bool has_initial_contact(std::span<const payload> chain) {
  return std::any_of(chain.begin(), chain.end(), [](const payload& p) {
    const auto* n = std::get_if<notify_payload>(&p);
    return n != nullptr && n->message == notify_type::initial_contact;
  });
}

} // namespace coati::ike::detail
