#include "ike/main_mode.hpp"

#include <algorithm>

#include "crypto/dh.hpp"
#include "crypto/random.hpp"
#include "ike/encrypted.hpp"

namespace coati::ike {
namespace {

namespace ks = crypto::ikev1;

bool uses_signatures(std::uint16_t auth) {
  return auth == ike_attr::auth_rsa_sig;
}

} // namespace

main_mode::main_mode(bool initiator, phase1_identity me, phase1_policy policy)
    : initiator_(initiator), me_(std::move(me)), pol_(std::move(policy)) {}

main_mode main_mode::initiator(phase1_identity me, phase1_policy policy, cookie icookie) {
  main_mode mm{true, std::move(me), std::move(policy)};
  mm.sa_.icookie = icookie;
  return mm;
}

main_mode main_mode::responder(phase1_identity me, phase1_policy policy, cookie rcookie) {
  main_mode mm{false, std::move(me), std::move(policy)};
  mm.sa_.rcookie = rcookie;
  return mm;
}

header main_mode::hdr() const {
  return header::make(exchange_type::identity_protection, sa_.icookie, sa_.rcookie);
}

phase1_step main_mode::fail(std::string why, std::optional<notify_type> n) {
  phase1_step s;
  s.status = phase1_status::failed;
  s.problem = std::move(why);
  s.notify = n;
  return s;
}

phase1_step main_mode::ignore(std::string why) {
  phase1_step s;
  s.problem = std::move(why);
  return s;
}

phase1_step main_mode::send(bytes wire, phase1_status st) {
  last_sent_ = wire;
  phase1_step s;
  s.status = st;
  s.send.push_back(std::move(wire));
  return s;
}

phase1_step main_mode::start() {
  if (!initiator_ || last_ != 0)
    return fail("MM1 can only start a new initiator exchange");
  auto sa = make_phase1_sa(pol_.offers);
  auto sab = encode_body(payload{sa});
  if (!sab)
    return fail("cannot encode our SA: " + sab.error().text);
  sai_b_ = *sab;
  message m{hdr()};
  m.add(std::move(sa));
  for (const auto& v : pol_.vendor_ids)
    m.add(vendor_id_payload{v});
  auto wire = encode(m);
  if (!wire)
    return fail("cannot encode MM1: " + wire.error().text);
  last_ = 1;
  return send(*wire);
}

phase1_step main_mode::receive(std::span<const std::uint8_t> datagram) {
  if (done_)
    return ignore("main mode is already complete");
  // A retransmitted copy of what we answered last: the same answer, nothing recomputed.
  if (!last_received_.empty() &&
      std::equal(datagram.begin(), datagram.end(), last_received_.begin(), last_received_.end())) {
    phase1_step s;
    s.retransmit = true;
    if (!last_sent_.empty())
      s.send.push_back(last_sent_);
    return s;
  }
  auto m = decode(datagram);
  if (!m)
    return ignore("undecodable: " + m.error().text);
  if (m->hdr.exchange != exchange_type::identity_protection)
    return ignore("not a main mode message");
  if (m->hdr.icookie != sa_.icookie && !(last_ == 0 && !initiator_))
    return ignore("initiator cookie does not belong to this exchange");
  phase1_step s;
  if (initiator_) {
    switch (last_) {
    case 1:
      s = on_mm2(*m);
      break;
    case 3:
      s = on_mm4(*m);
      break;
    case 5:
      s = on_mm6(*m);
      break;
    default:
      return ignore("unexpected message from the responder");
    }
  } else {
    switch (last_) {
    case 0:
      s = on_mm1(*m);
      break;
    case 2:
      s = on_mm3(*m);
      break;
    case 4:
      s = on_mm5(*m);
      break;
    default:
      return ignore("unexpected message from the initiator");
    }
  }
  if (!s.send.empty() || s.status == phase1_status::established)
    last_received_.assign(datagram.begin(), datagram.end());
  return s;
}

// MM1 -->  (responder)
phase1_step main_mode::on_mm1(const message& m) {
  if (m.hdr.rcookie != cookie{})
    return ignore("MM1 with a responder cookie");
  const auto* sa = m.find<sa_payload>();
  if (sa == nullptr)
    return fail("MM1 without an SA payload", notify_type::payload_malformed);
  sa_.icookie = m.hdr.icookie;
  auto choice = choose_phase1(*sa, pol_.offers, pol_.check);
  if (auto* why = std::get_if<std::string>(&choice))
    return fail(*why, notify_type::no_proposal_chosen);
  auto& c = std::get<phase1_choice>(choice);
  sa_.agreed = c.agreed;
  sa_.responder_lifetime = c.responder_lifetime;
  sai_b_ = *encode_body(payload{*sa});
  message out{hdr()};
  out.add(c.reply);
  for (const auto& v : pol_.vendor_ids)
    out.add(vendor_id_payload{v});
  auto wire = encode(out);
  if (!wire)
    return fail("cannot encode MM2: " + wire.error().text);
  last_ = 2;
  return send(*wire);
}

// <-- MM2  (initiator)
phase1_step main_mode::on_mm2(const message& m) {
  const auto* sa = m.find<sa_payload>();
  if (sa == nullptr || m.hdr.rcookie == cookie{})
    return ignore("MM2 without an SA payload or a responder cookie");
  auto accepted = accept_phase1_reply(*sa, pol_.offers);
  if (auto* why = std::get_if<std::string>(&accepted))
    return fail(*why, notify_type::no_proposal_chosen);
  sa_.agreed = std::get<phase1_offer>(accepted);
  sa_.rcookie = m.hdr.rcookie;
  auto group = crypto::dh_group_from_id(sa_.agreed.group);
  if (!group)
    return fail("DH group " + std::to_string(sa_.agreed.group) + " is not supported");
  dh_ = crypto::dh_keypair::generate(*group);
  gxi_ = dh_->public_value();
  sa_.ni_b = crypto::random_bytes(pol_.nonce_size);
  message out{hdr()};
  out.add(ke_payload{gxi_}).add(nonce_payload{sa_.ni_b});
  auto wire = encode(out);
  if (!wire)
    return fail("cannot encode MM3: " + wire.error().text);
  last_ = 3;
  return send(*wire);
}

bool main_mode::derive(const bytes& peer_ke, std::string& why) {
  auto cipher = crypto::cipher_from_oakley(sa_.agreed.enc, sa_.agreed.key_bits);
  auto hash = crypto::hash_from_oakley(sa_.agreed.hash);
  if (!cipher || !hash) {
    why = "negotiated cipher or hash is not supported";
    return false;
  }
  auto gxy = dh_->derive(peer_ke);
  if (!gxy) {
    why = "the peer's KE is not a valid public value of the group";
    return false;
  }
  ks::phase1_input in;
  in.hash = *hash;
  in.cipher = *cipher;
  if (sa_.agreed.auth == ike_attr::auth_psk) {
    if (!pol_.psk) {
      why = "no pre-shared key for this peer";
      return false;
    }
    in.kind = ks::skeyid_kind::pre_shared_key;
    in.psk = pol_.psk->view();
  } else if (uses_signatures(sa_.agreed.auth)) {
    in.kind = ks::skeyid_kind::signature;
  } else {
    why = "authentication method " + std::to_string(sa_.agreed.auth) +
          " is not supported in main mode yet";
    return false;
  }
  in.gxy = gxy->view();
  in.gxi = gxi_;
  in.gxr = gxr_;
  in.ni_b = sa_.ni_b;
  in.nr_b = sa_.nr_b;
  in.cky_i = sa_.icookie;
  in.cky_r = sa_.rcookie;
  sa_.keys = ks::derive_phase1(in);
  return true;
}

// MM3 -->  (responder)
phase1_step main_mode::on_mm3(const message& m) {
  const auto* ke = m.find<ke_payload>();
  const auto* ni = m.find<nonce_payload>();
  if (ke == nullptr || ni == nullptr)
    return ignore("MM3 without KE or nonce");
  if (ni->data.size() < 8 || ni->data.size() > 256)
    return fail("nonce of " + std::to_string(ni->data.size()) + " bytes (8 to 256 allowed)",
                notify_type::payload_malformed);
  auto group = crypto::dh_group_from_id(sa_.agreed.group);
  if (!group)
    return fail("DH group " + std::to_string(sa_.agreed.group) + " is not supported");
  dh_ = crypto::dh_keypair::generate(*group);
  gxi_ = ke->data;
  gxr_ = dh_->public_value();
  sa_.ni_b = ni->data;
  sa_.nr_b = crypto::random_bytes(pol_.nonce_size);
  std::string why;
  if (!derive(gxi_, why))
    return fail(why, notify_type::invalid_key_information);
  message out{hdr()};
  out.add(ke_payload{gxr_}).add(nonce_payload{sa_.nr_b});
  if (uses_signatures(sa_.agreed.auth) && me_.send_cr)
    out.add(cr_payload{cert_encoding::x509_sig, {}});
  auto wire = encode(out);
  if (!wire)
    return fail("cannot encode MM4: " + wire.error().text);
  last_ = 4;
  return send(*wire);
}

// <-- MM4  (initiator)
phase1_step main_mode::on_mm4(const message& m) {
  const auto* ke = m.find<ke_payload>();
  const auto* nr = m.find<nonce_payload>();
  if (ke == nullptr || nr == nullptr)
    return ignore("MM4 without KE or nonce");
  if (nr->data.size() < 8 || nr->data.size() > 256)
    return fail("nonce of " + std::to_string(nr->data.size()) + " bytes (8 to 256 allowed)");
  gxr_ = ke->data;
  sa_.nr_b = nr->data;
  std::string why;
  if (!derive(gxr_, why))
    return fail(why, notify_type::invalid_key_information);
  auto chain = prove(true);
  if (pol_.initial_contact)
    chain.emplace_back(notify_payload::initial_contact(sa_.icookie, sa_.rcookie));
  auto wire = seal(hdr(), chain);
  if (!wire)
    return fail("cannot encode MM5");
  last_ = 5;
  return send(*wire);
}

// MM5 -->  (responder)
phase1_step main_mode::on_mm5(const message& m) {
  std::string why;
  auto chain = open(m, why);
  if (!chain)
    return fail("MM5: " + why, notify_type::payload_malformed);
  if (auto problem = check_proof(*chain, true))
    return fail("MM5: " + *problem, notify_type::authentication_failed);
  for (const auto& p : *chain)
    if (const auto* n = std::get_if<notify_payload>(&p);
        n != nullptr && n->message == notify_type::initial_contact)
      sa_.initial_contact = true;
  auto wire = seal(hdr(), prove(false));
  if (!wire)
    return fail("cannot encode MM6");
  last_ = 6;
  done_ = true;
  return send(*wire, phase1_status::established);
}

// <-- MM6  (initiator)
phase1_step main_mode::on_mm6(const message& m) {
  std::string why;
  auto chain = open(m, why);
  if (!chain)
    return fail("MM6: " + why);
  if (auto problem = check_proof(*chain, false))
    return fail("MM6: " + *problem, notify_type::authentication_failed);
  last_ = 6;
  done_ = true;
  phase1_step s;
  s.status = phase1_status::established;
  return s;
}

std::optional<bytes> main_mode::seal(const header& h, const std::vector<payload>& chain) {
  return ike::seal(h, chain, sa_.keys.cipher, sa_.keys.enc_key, sa_.keys.iv);
}

std::optional<std::vector<payload>> main_mode::open(const message& m, std::string& why) {
  return ike::open(m, sa_.keys.cipher, sa_.keys.enc_key, sa_.keys.iv, why);
}

std::vector<payload> main_mode::prove(bool as_initiator) {
  bytes idb = *encode_body(payload{me_.id});
  const auto& k = sa_.keys;
  bytes h = as_initiator
                ? ks::hash_i(k.hash, k.skeyid, gxi_, gxr_, sa_.icookie, sa_.rcookie, sai_b_, idb)
                : ks::hash_r(k.hash, k.skeyid, gxi_, gxr_, sa_.icookie, sa_.rcookie, sai_b_, idb);
  std::vector<payload> chain{me_.id};
  if (!uses_signatures(sa_.agreed.auth)) {
    chain.emplace_back(hash_payload{h});
    return chain;
  }
  if (me_.send_cert && me_.cert)
    chain.emplace_back(cert_payload{cert_encoding::x509_sig, me_.cert->der()});
  bytes sig = me_.key ? crypto::sign_ikev1(*me_.key, h) : bytes{};
  chain.emplace_back(sig_payload{sig});
  return chain;
}

std::optional<std::string> main_mode::check_proof(const std::vector<payload>& chain,
                                                  bool from_initiator) {
  const auto* id = message::find_in<id_payload>(chain);
  if (id == nullptr)
    return "no ID payload";
  bytes idb = *encode_body(payload{*id});
  const auto& k = sa_.keys;
  bytes h = from_initiator
                ? ks::hash_i(k.hash, k.skeyid, gxi_, gxr_, sa_.icookie, sa_.rcookie, sai_b_, idb)
                : ks::hash_r(k.hash, k.skeyid, gxi_, gxr_, sa_.icookie, sa_.rcookie, sai_b_, idb);
  sa_.peer_id = *id;
  if (!uses_signatures(sa_.agreed.auth)) {
    const auto* hp = message::find_in<hash_payload>(chain);
    if (hp == nullptr)
      return std::string{"no HASH payload"};
    if (!crypto::constant_time_equal(hp->data, h))
      return std::string{"hash mismatch: wrong pre-shared key?"};
  } else {
    const auto* sig = message::find_in<sig_payload>(chain);
    if (sig == nullptr)
      return std::string{"no SIG payload"};
    const auto* cp = message::find_in<cert_payload>(chain);
    if (cp == nullptr || cp->encoding != cert_encoding::x509_sig)
      return std::string{
          "the peer sent no X.509 certificate (peers_certfile is not supported yet)"};
    auto cert = crypto::certificate::from_der(cp->data);
    if (!cert)
      return std::string{"the peer's certificate does not parse"};
    if (pol_.verify_cert) {
      if (!pol_.cas)
        return std::string{"no CA store to check the peer's certificate"};
      auto v = pol_.cas->verify(*cert);
      if (!v.ok)
        return "certificate " + cert->subject_text() + " not trusted: " + v.reason;
    }
    auto pub = cert->public_key();
    if (!pub || !crypto::verify_ikev1(*pub, h, sig->data))
      return "signature by " + cert->subject_text() + " does not verify";
    if (id->kind == id_type::der_asn1_dn && !crypto::dn_equal(id->data, cert->subject_der()))
      return "ID " + crypto::dn_to_text(id->data) + " does not match the certificate subject " +
             cert->subject_text();
    sa_.peer_cert = std::move(cert);
  }
  if (pol_.verify_identifier && !pol_.peers_identifier.empty()) {
    bool ok = id->kind == id_type::der_asn1_dn &&
              std::any_of(pol_.peers_identifier.begin(), pol_.peers_identifier.end(),
                          [&](const bytes& p) { return crypto::dn_match(p, id->data); });
    if (!ok)
      return "peer ID " + id->to_string() + " is not one of peers_identifier";
  }
  return std::nullopt;
}

} // namespace coati::ike
