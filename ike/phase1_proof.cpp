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

std::optional<proof_error> derive_keys(phase1_established& sa, const crypto::dh_keypair& dh,
                                       const bytes& peer_ke, const bytes& gxi, const bytes& gxr,
                                       const crypto::secret_bytes* psk) {
  auto cipher = crypto::cipher_from_oakley(sa.agreed.enc, sa.agreed.key_bits);
  auto hash = crypto::hash_from_oakley(sa.agreed.hash);
  if (!cipher || !hash)
    return proof_error{phase1_failure::proposal, "negotiated cipher or hash is not supported"};
  auto plan = plan_for(sa.agreed);
  if (!plan.supported)
    return proof_error{
        phase1_failure::proposal,
        "authentication method " + std::to_string(sa.agreed.auth) +
            (needs_xauth(sa.agreed.auth) ? " without an XAuth role" : " is not supported")};
  if (plan.psk && psk == nullptr)
    return proof_error{phase1_failure::credentials, "no pre-shared key for this peer"};
  auto gxy = dh.derive(peer_ke);
  if (!gxy)
    return proof_error{phase1_failure::malformed,
                       "the peer's KE is not a valid public value of the group"};
  ks::phase1_input in;
  in.hash = *hash;
  in.cipher = *cipher;
  if (plan.psk) {
    in.kind = ks::skeyid_kind::pre_shared_key;
    in.psk = psk->view();
  } else {
    in.kind = is_hybrid(sa.agreed.auth) ? ks::skeyid_kind::hybrid : ks::skeyid_kind::signature;
  }
  in.gxy = gxy->view();
  in.gxi = gxi;
  in.gxr = gxr;
  in.ni_b = sa.ni_b;
  in.nr_b = sa.nr_b;
  in.cky_i = sa.icookie;
  in.cky_r = sa.rcookie;
  sa.keys = ks::derive_phase1(in);
  return std::nullopt;
}

std::variant<std::vector<payload>, proof_error> prove(const phase1_identity& me,
                                                      const phase1_established& sa,
                                                      const phase1_transcript& t,
                                                      bool as_initiator) {
  bytes h = expected_hash(sa, t, me.id, as_initiator);
  std::vector<payload> chain;
  if (!plan_for(sa.agreed).we_sign) {
    chain.emplace_back(hash_payload{h});
    return chain;
  }
  if (!me.key)
    return proof_error{phase1_failure::credentials, "authentication method " +
                                                        std::to_string(sa.agreed.auth) +
                                                        " has us sign, and we have no private key"};
  if (me.send_cert && me.cert)
    chain.emplace_back(cert_payload{cert_encoding::x509_sig, me.cert->der()});
  chain.emplace_back(sig_payload{crypto::sign_ikev1(*me.key, h)});
  return chain;
}

namespace {

std::optional<proof_error> check_hash(const phase1_established& sa, const bytes& h,
                                      std::span<const payload> chain) {
  const auto* hp = find<hash_payload>(chain);
  if (hp == nullptr)
    return proof_error{phase1_failure::malformed, "no HASH payload"};
  if (crypto::constant_time_equal(hp->data, h))
    return std::nullopt;
  return proof_error{phase1_failure::authentication,
                     plan_for(sa.agreed).psk
                         ? "hash mismatch: wrong pre-shared key?"
                         : "hash mismatch: the peer's keys differ from ours (hybrid: no secret "
                           "is involved, so a damaged or foreign exchange)"};
}

std::optional<proof_error> check_signature(const phase1_policy& pol, phase1_established& sa,
                                           const bytes& h, const id_payload& id,
                                           std::span<const payload> chain) {
  using enum phase1_failure;
  const auto* sig = find<sig_payload>(chain);
  if (sig == nullptr)
    return proof_error{malformed, "no SIG payload"};
  const auto* cp = find<cert_payload>(chain);
  if (cp == nullptr || cp->encoding != cert_encoding::x509_sig)
    return proof_error{certificate,
                       "the peer sent no X.509 certificate (peers_certfile is not supported yet)"};
  auto cert = crypto::certificate::from_der(cp->data);
  if (!cert)
    return proof_error{certificate, "the peer's certificate does not parse"};
  if (pol.verify_cert) {
    if (!pol.cas)
      return proof_error{credentials, "no CA store to check the peer's certificate"};
    auto v = pol.cas->verify(*cert);
    if (!v.ok)
      return proof_error{v.out_of_validity() ? certificate_expired : certificate,
                         "certificate " + cert->subject_text() + " not trusted: " + v.reason};
  }
  auto pub = cert->public_key();
  if (!pub || !crypto::verify_ikev1(*pub, h, sig->data))
    return proof_error{authentication, "signature by " + cert->subject_text() + " does not verify"};
  if (id.kind == id_type::der_asn1_dn && !cert->subject_is(id.data))
    return proof_error{identity, "ID " + crypto::dn_to_text(id.data) +
                                     " does not match the certificate subject " +
                                     cert->subject_text()};
  sa.peer_cert_subject = cert->subject_der();
  return std::nullopt;
}

} // namespace

std::optional<proof_error> check_proof(const phase1_policy& pol, phase1_established& sa,
                                       const phase1_transcript& t, const id_payload& id,
                                       std::span<const payload> chain, bool from_initiator) {
  bytes h = expected_hash(sa, t, id, from_initiator);
  sa.peer_id = id;
  auto bad = plan_for(sa.agreed).peer_signs ? check_signature(pol, sa, h, id, chain)
                                            : check_hash(sa, h, chain);
  if (bad)
    return bad;
  if (pol.verify_identifier && !pol.peers_identifier.empty()) {
    bool ok = id.kind == id_type::der_asn1_dn &&
              std::any_of(pol.peers_identifier.begin(), pol.peers_identifier.end(),
                          [&](const bytes& p) { return crypto::dn_match(p, id.data); });
    if (!ok)
      return proof_error{
          phase1_failure::identity,
          "peer ID " +
              (id.kind == id_type::der_asn1_dn ? crypto::dn_to_text(id.data) : id.to_string()) +
              " is not one of peers_identifier"};
  }
  return std::nullopt;
}

phase1_step failed(phase1_failure r, std::string why, std::optional<notify_type> n) {
  phase1_step s;
  s.status = phase1_status::failed;
  s.problem = std::move(why);
  s.notify = n;
  s.reason = r;
  return s;
}

phase1_step failed(const proof_error& e, const std::string& prefix, std::optional<notify_type> n) {
  return failed(e.reason, prefix + e.why, n);
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
