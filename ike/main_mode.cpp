#include "ike/main_mode.hpp"

#include <algorithm>

#include "crypto/dh.hpp"
#include "crypto/random.hpp"
#include "ike/dpd.hpp"
#include "ike/encrypted.hpp"
#include "ike/phase1_proof.hpp"

namespace coati::ike {

using pf = phase1_failure;

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

phase1_step main_mode::fail(phase1_failure r, std::string why, std::optional<notify_type> n) {
  return detail::failed(r, std::move(why), n);
}

phase1_step main_mode::ignore(std::string why) {
  return detail::ignored(std::move(why));
}

phase1_step main_mode::send(bytes wire, phase1_status st) {
  return detail::sending(last_sent_, std::move(wire), st);
}

phase1_step main_mode::start() {
  if (!initiator_ || last_ != 0)
    return fail(pf::internal, "MM1 can only start a new initiator exchange");
  auto sa = make_phase1_sa(pol_.offers);
  auto sab = encode_body(payload{sa});
  if (!sab)
    return fail(pf::internal, "cannot encode our SA: " + sab.error().text);
  sai_b_ = *sab;
  message m{hdr()};
  m.add(std::move(sa));
  for (const auto& v : pol_.vendor_ids)
    m.add(vendor_id_payload{v});
  if (pol_.natt.setting != natt_setting::off)
    for (auto& v : natt_vendor_ids())
      m.add(vendor_id_payload{std::move(v)});
  auto wire = encode(m);
  if (!wire)
    return fail(pf::internal, "cannot encode MM1: " + wire.error().text);
  last_ = 1;
  return send(*wire);
}

std::vector<std::pair<bytes, bytes>> main_mode::take_answers() {
  std::vector<std::pair<bytes, bytes>> out;
  if (!(done_ && initiator_) && !last_received_.empty())
    out.emplace_back(std::move(last_received_), std::move(last_sent_));
  return out;
}

phase1_step main_mode::receive(std::span<const std::uint8_t> datagram) {
  // A retransmitted copy of what we answered last: the same answer, nothing recomputed.
  // That holds after completion too: a responder whose MM6 was lost gets MM5 again.
  if (!(done_ && initiator_) && !last_received_.empty() &&
      std::equal(datagram.begin(), datagram.end(), last_received_.begin(), last_received_.end())) {
    phase1_step s;
    s.retransmit = true;
    if (!last_sent_.empty())
      s.send.push_back(last_sent_);
    return s;
  }
  if (done_)
    return ignore("main mode is already complete");
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
    return fail(pf::malformed, "MM1 without an SA payload", notify_type::payload_malformed);
  sa_.icookie = m.hdr.icookie;
  sa_.peer_dpd = announces_dpd(m);
  auto choice = choose_phase1(*sa, pol_.offers, pol_.check);
  if (auto* why = std::get_if<std::string>(&choice))
    return fail(pf::proposal, *why, notify_type::no_proposal_chosen);
  auto& c = std::get<phase1_choice>(choice);
  sa_.agreed = c.agreed;
  sa_.responder_lifetime = c.responder_lifetime;
  sai_b_ = *encode_body(payload{*sa});
  message out{hdr()};
  out.add(c.reply);
  for (const auto& v : pol_.vendor_ids)
    out.add(vendor_id_payload{v});
  if (pol_.natt.setting != natt_setting::off)
    sa_.natt = best_natt(m);
  if (sa_.natt != natt_version::none) // the best one both speak, alone
    out.add(vendor_id_payload{natt_vendor_id(sa_.natt)});
  auto wire = encode(out);
  if (!wire)
    return fail(pf::internal, "cannot encode MM2: " + wire.error().text);
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
    return fail(pf::proposal, *why, notify_type::no_proposal_chosen);
  sa_.agreed = std::get<phase1_offer>(accepted);
  sa_.rcookie = m.hdr.rcookie;
  sa_.peer_dpd = announces_dpd(m);
  if (pol_.natt.setting != natt_setting::off)
    sa_.natt = best_natt(m);
  auto group = crypto::dh_group_from_id(sa_.agreed.group);
  if (!group)
    return fail(pf::proposal, "DH group " + std::to_string(sa_.agreed.group) + " is not supported");
  dh_ = crypto::dh_keypair::generate(*group);
  gxi_ = dh_->public_value();
  sa_.ni_b = crypto::random_bytes(pol_.nonce_size);
  message out{hdr()};
  out.add(ke_payload{gxi_}).add(nonce_payload{sa_.ni_b});
  // As racoon: ask for the responder's certificate (charon sends it only when asked); a
  // hybrid client asks too, a hybrid server does not (the client has none).
  if (plan_for(sa_.agreed).peer_signs && me_.send_cr)
    out.add(cr_payload{cert_encoding::x509_sig, {}});
  add_nat_d(out);
  auto wire = encode(out);
  if (!wire)
    return fail(pf::internal, "cannot encode MM3: " + wire.error().text);
  last_ = 3;
  return send(*wire);
}

// MM3 -->  (responder)
phase1_step main_mode::on_mm3(const message& m) {
  const auto* ke = m.find<ke_payload>();
  const auto* ni = m.find<nonce_payload>();
  if (ke == nullptr || ni == nullptr)
    return ignore("MM3 without KE or nonce");
  if (ni->data.size() < 8 || ni->data.size() > 256)
    return fail(pf::malformed,
                "nonce of " + std::to_string(ni->data.size()) + " bytes (8 to 256 allowed)",
                notify_type::payload_malformed);
  auto group = crypto::dh_group_from_id(sa_.agreed.group);
  if (!group)
    return fail(pf::proposal, "DH group " + std::to_string(sa_.agreed.group) + " is not supported");
  dh_ = crypto::dh_keypair::generate(*group);
  gxi_ = ke->data;
  gxr_ = dh_->public_value();
  sa_.ni_b = ni->data;
  sa_.nr_b = crypto::random_bytes(pol_.nonce_size);
  if (auto e = derive(gxi_))
    return detail::failed(*e, "MM3: ", notify_type::invalid_key_information);
  message out{hdr()};
  out.add(ke_payload{gxr_}).add(nonce_payload{sa_.nr_b});
  if (plan_for(sa_.agreed).peer_signs && me_.send_cr)
    out.add(cr_payload{cert_encoding::x509_sig, {}});
  read_nat_d(m);
  add_nat_d(out);
  auto wire = encode(out);
  if (!wire)
    return fail(pf::internal, "cannot encode MM4: " + wire.error().text);
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
    return fail(pf::malformed,
                "nonce of " + std::to_string(nr->data.size()) + " bytes (8 to 256 allowed)");
  gxr_ = ke->data;
  sa_.nr_b = nr->data;
  read_nat_d(m);
  if (auto e = derive(gxr_))
    return detail::failed(*e, "MM4: ", notify_type::invalid_key_information);
  auto wire = seal_proof(true);
  if (auto* e = std::get_if<detail::proof_error>(&wire))
    return detail::failed(*e, "MM5: ");
  last_ = 5;
  return send(std::get<bytes>(wire));
}

/// Why MM5/MM6 did not decrypt: with pre-shared keys, almost always a different key.
std::string main_mode::unreadable(const std::string& why) const {
  if (plan_for(sa_.agreed).psk)
    return "does not decrypt with our keys: wrong pre-shared key? (" + why + ")";
  return why;
}

// MM5 -->  (responder)
phase1_step main_mode::on_mm5(const message& m) {
  std::string why;
  auto chain = open(m, why);
  if (!chain)
    return fail(pf::authentication, "MM5: " + unreadable(why), notify_type::payload_malformed);
  if (auto bad = check_proof("MM5: ", *chain, true); bad.status == phase1_status::failed)
    return bad;
  if (detail::has_initial_contact(*chain))
    sa_.initial_contact = true;
  auto wire = seal_proof(false);
  if (auto* e = std::get_if<detail::proof_error>(&wire))
    return detail::failed(*e, "MM6: ", notify_type::authentication_failed);
  last_ = 6;
  done_ = true;
  return send(std::get<bytes>(wire), phase1_status::established);
}

// <-- MM6  (initiator)
phase1_step main_mode::on_mm6(const message& m) {
  std::string why;
  auto chain = open(m, why);
  if (!chain)
    return fail(pf::authentication, "MM6: " + unreadable(why));
  if (auto bad = check_proof("MM6: ", *chain, false); bad.status == phase1_status::failed)
    return bad;
  last_ = 6;
  done_ = true;
  phase1_step s;
  s.status = phase1_status::established;
  return s;
}

/// MM3/MM4: NAT-D(peer), NAT-D(us), when both sides speak NAT-T.
void main_mode::add_nat_d(message& out) const {
  auto h = crypto::hash_from_oakley(sa_.agreed.hash);
  if (sa_.natt == natt_version::none || !h)
    return;
  for (auto& p : nat_d_payloads(sa_.natt, *h, sa_.icookie, sa_.rcookie, pol_.natt))
    out.add(std::move(p));
}

/// MM3/MM4: the peer's NAT-D payloads; none at all: the peer does no NAT-T after all.
void main_mode::read_nat_d(const message& m) {
  auto h = crypto::hash_from_oakley(sa_.agreed.hash);
  if (sa_.natt == natt_version::none || !h)
    return;
  auto d = detect_nat(m, sa_.natt, *h, sa_.icookie, sa_.rcookie, pol_.natt);
  if (!d) {
    sa_.natt = natt_version::none;
    return;
  }
  sa_.nat = *d;
}

std::optional<bytes> main_mode::seal(const header& h, const std::vector<payload>& chain) {
  return ike::seal(h, chain, sa_.keys.cipher, sa_.keys.enc_key, sa_.keys.iv);
}

std::optional<std::vector<payload>> main_mode::open(const message& m, std::string& why) {
  return ike::open(m, sa_.keys.cipher, sa_.keys.enc_key, sa_.keys.iv, why);
}

std::optional<detail::proof_error> main_mode::derive(const bytes& peer_ke) {
  return detail::derive_keys(sa_, *dh_, peer_ke, gxi_, gxr_, pol_.psk ? &*pol_.psk : nullptr);
}

std::variant<bytes, detail::proof_error> main_mode::seal_proof(bool as_initiator) {
  auto proof = detail::prove(me_, sa_, {gxi_, gxr_, sai_b_}, as_initiator);
  if (auto* e = std::get_if<detail::proof_error>(&proof))
    return *e;
  std::vector<payload> chain{me_.id};
  for (auto& p : std::get<std::vector<payload>>(proof))
    chain.push_back(std::move(p));
  if (as_initiator && pol_.initial_contact)
    chain.emplace_back(notify_payload::initial_contact(sa_.icookie, sa_.rcookie));
  auto wire = seal(hdr(), chain);
  if (!wire)
    return detail::proof_error{pf::internal, "cannot encode our message"};
  return std::move(*wire);
}

phase1_step main_mode::check_proof(const char* msg, const std::vector<payload>& chain,
                                   bool from_initiator) {
  const auto* id = message::find_in<id_payload>(chain);
  if (id == nullptr)
    return fail(pf::malformed, std::string{msg} + "no ID payload", notify_type::payload_malformed);
  if (auto e = detail::check_proof(pol_, sa_, {gxi_, gxr_, sai_b_}, *id, chain, from_initiator))
    return detail::failed(*e, msg, notify_type::authentication_failed);
  return {};
}

} // namespace coati::ike
