#include "ike/aggressive_mode.hpp"

#include <algorithm>

#include "crypto/random.hpp"
#include "ike/dpd.hpp"
#include "ike/encrypted.hpp"
#include "ike/phase1_proof.hpp"

namespace coati::ike {
namespace {

using detail::failed;
using detail::ignored;

using detail::sending;
using pf = phase1_failure;

/// RFC 3947's port, where AM3 goes once AM2 showed a NAT.
constexpr std::uint16_t natt_port = 4500;

std::string list_groups(const std::vector<std::uint16_t>& groups) {
  std::string s;
  for (auto g : groups)
    s += (s.empty() ? "" : ", ") + std::to_string(g);
  return s;
}

/// The one DH group of a set of offers, or why there is none.
std::variant<std::uint16_t, std::string> one_group(const std::vector<std::uint16_t>& groups,
                                                   const char* whose) {
  if (groups.empty())
    return std::string{whose} + " no phase-1 transform";
  if (std::any_of(groups.begin(), groups.end(), [&](auto g) { return g != groups.front(); }))
    return std::string{whose} + " DH groups " + list_groups(groups) +
           ": aggressive mode needs one group for every transform (KE travels in AM1)";
  return groups.front();
}

/// The groups of the received ISAKMP proposal's readable transforms.
std::vector<std::uint16_t> offered_groups(const sa_payload& sa) {
  std::vector<std::uint16_t> groups;
  for (const auto& p : sa.proposals)
    if (p.protocol == protocol_id::isakmp)
      for (const auto& t : p.transforms)
        if (auto o = read_phase1_transform(t))
          groups.push_back(o->group);
  return groups;
}

std::string nonce_problem(const nonce_payload& n) {
  if (n.data.size() >= 8 && n.data.size() <= 256)
    return {};
  return "nonce of " + std::to_string(n.data.size()) + " bytes (8 to 256 allowed)";
}

} // namespace

aggressive_mode::aggressive_mode(bool initiator, phase1_identity me, phase1_policy policy)
    : initiator_(initiator), me_(std::move(me)), pol_(std::move(policy)) {}

aggressive_mode aggressive_mode::initiator(phase1_identity me, phase1_policy policy, cookie icookie,
                                           am3_encoding am3) {
  aggressive_mode am{true, std::move(me), std::move(policy)};
  am.sa_.icookie = icookie;
  am.am3_ = am3;
  am.psk_ = am.pol_.psk;
  return am;
}

aggressive_mode aggressive_mode::responder(phase1_identity me, phase1_policy policy, cookie rcookie,
                                           psk_lookup psk_for) {
  aggressive_mode am{false, std::move(me), std::move(policy)};
  am.sa_.rcookie = rcookie;
  am.psk_for_ = std::move(psk_for);
  return am;
}

/// AM2 / AM3: NAT-D(peer), NAT-D(us) for the endpoints `ends`.
std::vector<payload> aggressive_mode::nat_d(const natt_config& ends) const {
  auto h = crypto::hash_from_oakley(sa_.agreed.hash);
  if (sa_.natt == natt_version::none || !h)
    return {};
  return nat_d_payloads(sa_.natt, *h, sa_.icookie, sa_.rcookie, ends);
}

/// AM2 / AM3: the peer's NAT-D payloads; none at all: the peer does no NAT-T after all.
void aggressive_mode::read_nat_d(const std::vector<payload>& chain, std::uint16_t floated_port) {
  auto h = crypto::hash_from_oakley(sa_.agreed.hash);
  if (sa_.natt == natt_version::none || !h)
    return;
  message m;
  m.payloads = chain;
  auto d = detect_nat(m, sa_.natt, *h, sa_.icookie, sa_.rcookie, pol_.natt, floated_port);
  if (!d) {
    sa_.natt = natt_version::none;
    return;
  }
  sa_.nat = *d;
}

header aggressive_mode::hdr() const {
  return header::make(exchange_type::aggressive, sa_.icookie, sa_.rcookie);
}

std::optional<std::string> aggressive_mode::start_dh(std::uint16_t group) {
  auto g = crypto::dh_group_from_id(group);
  if (!g)
    return "DH group " + std::to_string(group) + " is not supported";
  dh_ = crypto::dh_keypair::generate(*g);
  return std::nullopt;
}

phase1_step aggressive_mode::start() {
  if (!initiator_ || last_ != 0)
    return failed(pf::internal, "AM1 can only start a new initiator exchange");
  std::vector<std::uint16_t> groups;
  for (const auto& o : pol_.offers)
    groups.push_back(o.group);
  auto group = one_group(groups, "our offers have");
  if (auto* why = std::get_if<std::string>(&group))
    return failed(pf::proposal, *why);
  if (auto why = start_dh(std::get<std::uint16_t>(group)))
    return failed(pf::proposal, *why);
  auto sa = make_phase1_sa(pol_.offers);
  auto sab = encode_body(payload{sa});
  if (!sab)
    return failed(pf::internal, "cannot encode our SA: " + sab.error().text);
  sai_b_ = *sab;
  gxi_ = dh_->public_value();
  sa_.ni_b = crypto::random_bytes(pol_.nonce_size);
  message m{hdr()};
  m.add(std::move(sa)).add(ke_payload{gxi_}).add(nonce_payload{sa_.ni_b}).add(me_.id);
  // A CR when the responder may sign: RSA, XAuth-RSA, hybrid as its client.
  bool signatures = std::any_of(pol_.offers.begin(), pol_.offers.end(),
                                [](const phase1_offer& o) { return plan_for(o).peer_signs; });
  if (signatures && me_.send_cr)
    m.add(cr_payload{cert_encoding::x509_sig, {}});
  for (const auto& v : pol_.vendor_ids)
    m.add(vendor_id_payload{v});
  if (pol_.natt.setting != natt_setting::off)
    for (auto& v : natt_vendor_ids())
      m.add(vendor_id_payload{std::move(v)});
  auto wire = encode(m);
  if (!wire)
    return failed(pf::internal, "cannot encode AM1: " + wire.error().text);
  last_ = 1;
  return sending(last_sent_, *wire);
}

phase1_step aggressive_mode::receive(std::span<const std::uint8_t> datagram) {
  // A copy of something already handled: the same answer (if any), nothing recomputed.
  for (const auto& [in, out] : answered_)
    if (std::equal(datagram.begin(), datagram.end(), in.begin(), in.end())) {
      phase1_step s;
      s.retransmit = true;
      if (!out.empty())
        s.send.push_back(out);
      return s;
    }
  if (done_)
    return ignored("aggressive mode is already complete");
  auto m = decode(datagram);
  if (!m)
    return ignored("undecodable: " + m.error().text);
  if (m->hdr.exchange != exchange_type::aggressive)
    return ignored("not an aggressive mode message");
  if (m->hdr.icookie != sa_.icookie && !(last_ == 0 && !initiator_))
    return ignored("initiator cookie does not belong to this exchange");
  phase1_step s;
  if (initiator_ && last_ == 1)
    s = on_am2(*m);
  else if (!initiator_ && last_ == 0)
    s = on_am1(*m);
  else if (!initiator_ && last_ == 2)
    s = on_am3(*m);
  else
    return ignored(std::string{"unexpected message from the "} +
                   (initiator_ ? "responder" : "initiator"));
  if (!s.send.empty() || s.status == phase1_status::established)
    answered_.emplace_back(bytes(datagram.begin(), datagram.end()),
                           s.send.empty() ? bytes{} : s.send.front());
  return s;
}

// AM1 -->  (responder)
phase1_step aggressive_mode::on_am1(const message& m) {
  if (m.hdr.rcookie != cookie{})
    return ignored("AM1 with a responder cookie");
  if (m.hdr.encrypted())
    return failed(pf::malformed, "AM1 is encrypted", notify_type::payload_malformed);
  const auto* sa = m.find<sa_payload>();
  const auto* ke = m.find<ke_payload>();
  const auto* ni = m.find<nonce_payload>();
  const auto* id = m.find<id_payload>();
  if (sa == nullptr || ke == nullptr || ni == nullptr || id == nullptr)
    return failed(pf::malformed, "AM1 needs SA, KE, nonce and ID payloads",
                  notify_type::payload_malformed);
  if (auto why = nonce_problem(*ni); !why.empty())
    return failed(pf::malformed, "AM1: " + why, notify_type::payload_malformed);
  sa_.icookie = m.hdr.icookie;
  sa_.peer_dpd = announces_dpd(m);
  auto group = one_group(offered_groups(*sa), "AM1 offers");
  if (auto* why = std::get_if<std::string>(&group))
    return failed(pf::proposal, *why, notify_type::no_proposal_chosen);
  auto choice = choose_phase1(*sa, pol_.offers, pol_.check);
  if (auto* why = std::get_if<std::string>(&choice))
    return failed(pf::proposal, *why, notify_type::no_proposal_chosen);
  auto& c = std::get<phase1_choice>(choice);
  sa_.agreed = c.agreed;
  sa_.responder_lifetime = c.responder_lifetime;
  peer_id_ = *id;
  if (plan_for(sa_.agreed).psk) {
    psk_ = psk_for_ ? psk_for_(*id) : pol_.psk;
    if (!psk_)
      return failed(pf::credentials, "no pre-shared key for peer ID " + id->to_string(),
                    notify_type::invalid_id_information);
  }
  if (auto why = start_dh(sa_.agreed.group))
    return failed(pf::proposal, *why, notify_type::invalid_key_information);
  sai_b_ = *encode_body(payload{*sa});
  gxi_ = ke->data;
  gxr_ = dh_->public_value();
  sa_.ni_b = ni->data;
  sa_.nr_b = crypto::random_bytes(pol_.nonce_size);
  if (auto e = detail::derive_keys(sa_, *dh_, gxi_, gxi_, gxr_, psk_ ? &*psk_ : nullptr))
    return failed(*e, "AM1: ", notify_type::invalid_key_information);
  auto proof = detail::prove(me_, sa_, {gxi_, gxr_, sai_b_}, false);
  if (auto* e = std::get_if<detail::proof_error>(&proof))
    return failed(*e, "AM2: ", notify_type::authentication_failed);
  message out{hdr()};
  out.add(c.reply).add(ke_payload{gxr_}).add(nonce_payload{sa_.nr_b}).add(me_.id);
  for (auto& p : std::get<std::vector<payload>>(proof))
    out.payloads.push_back(std::move(p));
  if (plan_for(sa_.agreed).peer_signs && me_.send_cr)
    out.add(cr_payload{cert_encoding::x509_sig, {}});
  for (const auto& v : pol_.vendor_ids)
    out.add(vendor_id_payload{v});
  if (pol_.natt.setting != natt_setting::off)
    sa_.natt = best_natt(m);
  if (sa_.natt != natt_version::none) { // the best one both speak, alone; then NAT-D
    out.add(vendor_id_payload{natt_vendor_id(sa_.natt)});
    for (auto& p : nat_d(pol_.natt))
      out.add(std::move(p));
  }
  auto wire = encode(out);
  if (!wire)
    return failed(pf::internal, "cannot encode AM2: " + wire.error().text);
  last_ = 2;
  return sending(last_sent_, *wire);
}

// <-- AM2  (initiator)
phase1_step aggressive_mode::on_am2(const message& m) {
  if (m.hdr.encrypted())
    return ignored("AM2 is encrypted");
  const auto* sa = m.find<sa_payload>();
  const auto* ke = m.find<ke_payload>();
  const auto* nr = m.find<nonce_payload>();
  const auto* id = m.find<id_payload>();
  if (sa == nullptr || m.hdr.rcookie == cookie{})
    return ignored("AM2 without an SA payload or a responder cookie");
  if (ke == nullptr || nr == nullptr || id == nullptr)
    return failed(pf::malformed, "AM2 needs KE, nonce and ID payloads",
                  notify_type::payload_malformed);
  if (auto why = nonce_problem(*nr); !why.empty())
    return failed(pf::malformed, "AM2: " + why, notify_type::payload_malformed);
  auto accepted = accept_phase1_reply(*sa, pol_.offers);
  if (auto* why = std::get_if<std::string>(&accepted))
    return failed(pf::proposal, *why, notify_type::no_proposal_chosen);
  sa_.agreed = std::get<phase1_offer>(accepted);
  sa_.rcookie = m.hdr.rcookie;
  sa_.peer_dpd = announces_dpd(m);
  gxr_ = ke->data;
  sa_.nr_b = nr->data;
  if (auto e = detail::derive_keys(sa_, *dh_, gxr_, gxi_, gxr_, psk_ ? &*psk_ : nullptr))
    return failed(*e, "AM2: ", notify_type::invalid_key_information);
  if (auto e = detail::check_proof(pol_, sa_, {gxi_, gxr_, sai_b_}, *id, m.payloads, false))
    return failed(*e, "AM2: ", notify_type::authentication_failed);
  if (pol_.natt.setting != natt_setting::off)
    sa_.natt = best_natt(m);
  read_nat_d(m.payloads, 0);
  auto proof = detail::prove(me_, sa_, {gxi_, gxr_, sai_b_}, true);
  if (auto* e = std::get_if<detail::proof_error>(&proof))
    return failed(*e, "AM3: ", notify_type::authentication_failed);
  auto chain = std::move(std::get<std::vector<payload>>(proof));
  if (sa_.natt != natt_version::none) {
    // A NAT: AM3 leaves from port 4500 to port 4500 (the session floats first), and its
    // NAT-D name those ports, as charon expects.
    auto ends = pol_.natt;
    if (sa_.udp_encap())
      ends.local.port = ends.remote.port = natt_port;
    for (auto& p : nat_d(ends))
      chain.push_back(std::move(p));
  }
  if (pol_.initial_contact)
    chain.emplace_back(notify_payload::initial_contact(sa_.icookie, sa_.rcookie));
  std::optional<bytes> wire;
  if (am3_ == am3_encoding::encrypted) {
    wire = seal(hdr(), chain, sa_.keys.cipher, sa_.keys.enc_key, sa_.keys.iv);
  } else {
    message out{hdr()};
    out.payloads = std::move(chain);
    if (auto w = encode(out))
      wire = std::move(*w);
  }
  if (!wire)
    return failed(pf::internal, "cannot encode AM3");
  last_ = 3;
  done_ = true;
  return sending(last_sent_, *wire, phase1_status::established);
}

// AM3 -->  (responder)
phase1_step aggressive_mode::on_am3(const message& m) {
  if (m.hdr.rcookie != sa_.rcookie)
    return ignored("AM3 for another responder cookie");
  std::vector<payload> chain;
  if (m.hdr.encrypted()) {
    std::string why;
    auto opened = open(m, sa_.keys.cipher, sa_.keys.enc_key, sa_.keys.iv, why);
    if (!opened)
      return failed(pf::authentication, "AM3: " + why, notify_type::payload_malformed);
    chain = std::move(*opened);
    am3_ = am3_encoding::encrypted;
  } else {
    chain = m.payloads;
    am3_ = am3_encoding::clear;
  }
  if (auto e = detail::check_proof(pol_, sa_, {gxi_, gxr_, sai_b_}, peer_id_, chain, true))
    return failed(*e, "AM3: ", notify_type::authentication_failed);
  read_nat_d(chain, natt_port);
  sa_.initial_contact = detail::has_initial_contact(chain);
  last_ = 3;
  done_ = true;
  phase1_step s;
  s.status = phase1_status::established;
  return s;
}

} // namespace coati::ike
