#include "ike/quick_mode.hpp"

#include <algorithm>

#include "crypto/random.hpp"
#include "ike/encrypted.hpp"

namespace coati::ike {
namespace {

namespace ks = crypto::ikev1;

bytes spi_bytes(std::uint32_t spi) {
  return {static_cast<std::uint8_t>(spi >> 24), static_cast<std::uint8_t>(spi >> 16),
          static_cast<std::uint8_t>(spi >> 8), static_cast<std::uint8_t>(spi)};
}

std::uint32_t spi_value(const bytes& b) {
  std::uint32_t v = 0;
  for (auto x : b)
    v = (v << 8) | x;
  return v;
}

transform esp_transform(std::uint8_t number, const esp_offer& o, const phase2_policy& p,
                        std::optional<std::uint16_t> group, std::uint16_t mode) {
  transform t;
  t.number = number;
  t.id = o.enc;
  t.attributes.push_back(data_attribute::tv(ipsec_attr::life_type, ike_attr::life_seconds));
  t.attributes.push_back(data_attribute::integer(ipsec_attr::life_duration, p.lifetime));
  if (group)
    t.attributes.push_back(data_attribute::tv(ipsec_attr::group_description, *group));
  t.attributes.push_back(data_attribute::tv(ipsec_attr::encapsulation_mode, mode));
  t.attributes.push_back(data_attribute::tv(ipsec_attr::auth_algorithm, o.auth));
  if (o.key_bits != 0 || o.enc == transform_id::esp_aes_cbc)
    t.attributes.push_back(
        data_attribute::tv(ipsec_attr::key_length, o.key_bits != 0 ? o.key_bits : 128));
  return t;
}

/// What one received ESP transform asks for.
struct esp_read {
  esp_offer offer;
  std::uint32_t lifetime = 28800;
  std::optional<std::uint16_t> group;
  std::uint16_t mode = ipsec_attr::mode_tunnel;
};

std::optional<esp_read> read_esp(const transform& t) {
  esp_read r;
  r.offer.enc = t.id;
  r.offer.auth = 0;
  std::uint16_t life_type = 0;
  for (const auto& a : t.attributes) {
    auto v = a.as_integer();
    if (!v)
      return std::nullopt;
    switch (a.type) {
    case ipsec_attr::life_type:
      life_type = static_cast<std::uint16_t>(*v);
      break;
    case ipsec_attr::life_duration:
      if (life_type == ike_attr::life_seconds)
        r.lifetime = static_cast<std::uint32_t>(std::min<std::uint64_t>(*v, UINT32_MAX));
      break;
    case ipsec_attr::group_description:
      r.group = static_cast<std::uint16_t>(*v);
      break;
    case ipsec_attr::encapsulation_mode:
      r.mode = static_cast<std::uint16_t>(*v);
      break;
    case ipsec_attr::auth_algorithm:
      r.offer.auth = static_cast<std::uint16_t>(*v);
      break;
    case ipsec_attr::key_length:
      r.offer.key_bits = static_cast<std::uint16_t>(*v);
      break;
    default:
      return std::nullopt; // unknown attributes make the transform unacceptable
    }
  }
  if (r.offer.enc == transform_id::esp_aes_cbc && r.offer.key_bits == 0)
    r.offer.key_bits = 128;
  return r;
}

bool same(const esp_offer& a, const esp_offer& b) {
  auto bits = [](const esp_offer& o) -> std::uint16_t {
    return o.enc == transform_id::esp_aes_cbc && o.key_bits == 0 ? 128 : o.key_bits;
  };
  return a.enc == b.enc && a.auth == b.auth && bits(a) == bits(b);
}

} // namespace

std::pair<std::size_t, std::size_t> esp_key_lengths(const esp_offer& o) {
  std::size_t enc = 0;
  switch (o.enc) {
  case transform_id::esp_3des:
    enc = 24;
    break;
  case transform_id::esp_des:
    enc = 8;
    break;
  case transform_id::esp_aes_cbc:
    enc = (o.key_bits != 0 ? o.key_bits : 128) / 8;
    break;
  case transform_id::esp_null:
    enc = 0;
    break;
  default:
    enc = (o.key_bits != 0 ? o.key_bits : 128) / 8;
    break;
  }
  std::size_t auth = 0;
  switch (o.auth) {
  case ipsec_attr::auth_hmac_md5:
    auth = 16;
    break;
  case ipsec_attr::auth_hmac_sha1:
    auth = 20;
    break;
  case ipsec_attr::auth_hmac_sha2_256:
    auth = 32;
    break;
  case ipsec_attr::auth_hmac_sha2_384:
    auth = 48;
    break;
  case ipsec_attr::auth_hmac_sha2_512:
    auth = 64;
    break;
  default:
    auth = 0;
    break;
  }
  return {enc, auth};
}

quick_mode::quick_mode(bool initiator, phase1_context p1, std::uint32_t mid, std::uint32_t spi,
                       std::uint16_t cpi)
    : initiator_(initiator), p1_(p1) {
  child_.message_id = mid;
  child_.inbound.spi = spi;
  child_.inbound.cpi = cpi;
  iv_ = ks::exchange_iv(p1.keys->hash, p1.keys->iv, mid, crypto::block_size(p1.keys->cipher));
}

quick_mode quick_mode::initiator(phase1_context p1, phase2_policy policy, id_payload idci,
                                 id_payload idcr, std::uint32_t message_id, std::uint32_t spi,
                                 std::uint16_t cpi) {
  quick_mode q{true, p1, message_id, spi, cpi};
  q.pol_ = std::move(policy);
  q.child_.id_i = std::move(idci);
  q.child_.id_r = std::move(idcr);
  q.ids_sent_ = true;
  return q;
}

quick_mode quick_mode::responder(phase1_context p1, sainfo_lookup lookup, std::uint32_t message_id,
                                 std::uint32_t spi, std::uint16_t cpi) {
  quick_mode q{false, p1, message_id, spi, cpi};
  q.lookup_ = std::move(lookup);
  return q;
}

child_step quick_mode::fail(std::string why, std::optional<notify_type> n) {
  child_step s;
  s.status = child_status::failed;
  s.problem = std::move(why);
  s.notify = n;
  return s;
}

child_step quick_mode::send_chain(std::vector<payload> after_hash, int which) {
  const auto& k = *p1_.keys;
  auto rest = encode_payloads(after_hash);
  if (!rest && !after_hash.empty())
    return fail("cannot encode QM" + std::to_string(which) + ": " + rest.error().text);
  bytes h;
  std::uint32_t mid = child_.message_id;
  if (which == 1)
    h = ks::qm_hash1(k.hash, k.skeyid_a, mid, *rest);
  else if (which == 2)
    h = ks::qm_hash2(k.hash, k.skeyid_a, mid, ni_b_, *rest);
  else
    h = ks::qm_hash3(k.hash, k.skeyid_a, mid, ni_b_, nr_b_);
  std::vector<payload> chain{hash_payload{h}};
  chain.insert(chain.end(), after_hash.begin(), after_hash.end());
  auto wire = seal(header::make(exchange_type::quick, p1_.icookie, p1_.rcookie, mid), chain,
                   k.cipher, k.enc_key, iv_);
  if (!wire)
    return fail("cannot encode QM" + std::to_string(which));
  last_sent_ = *wire;
  last_ = which;
  child_step s;
  s.send.push_back(*wire);
  return s;
}

std::optional<std::vector<payload>> quick_mode::open(const message& m, std::string& why) {
  const auto& k = *p1_.keys;
  auto saved = iv_;
  auto chain = ike::open(m, k.cipher, k.enc_key, iv_, why);
  if (chain && (chain->empty() || !std::holds_alternative<hash_payload>(chain->front()))) {
    iv_ = saved; // not ours or damaged: leave the chain as it was
    why = "first payload is not HASH";
    return std::nullopt;
  }
  return chain;
}

child_step quick_mode::start() {
  if (!initiator_ || last_ != 0)
    return fail("QM1 can only start a new initiator exchange");
  sa_payload sa;
  proposal esp;
  esp.number = 1;
  esp.protocol = protocol_id::esp;
  esp.spi = spi_bytes(child_.inbound.spi);
  std::uint8_t n = 1;
  for (const auto& o : pol_.offers)
    esp.transforms.push_back(esp_transform(n++, o, pol_, pol_.pfs_group, tunnel_mode()));
  if (pol_.ipcomp) {
    proposal comp;
    comp.number = 1; // same number: a bundle with the ESP proposal
    comp.protocol = protocol_id::ipcomp;
    comp.spi = {static_cast<std::uint8_t>(child_.inbound.cpi >> 8),
                static_cast<std::uint8_t>(child_.inbound.cpi)};
    transform t;
    t.id = transform_id::ipcomp_deflate;
    t.attributes.push_back(data_attribute::tv(ipsec_attr::life_type, ike_attr::life_seconds));
    t.attributes.push_back(data_attribute::integer(ipsec_attr::life_duration, pol_.lifetime));
    t.attributes.push_back(data_attribute::tv(ipsec_attr::encapsulation_mode, tunnel_mode()));
    comp.transforms.push_back(t);
    sa.proposals.push_back(comp);
  }
  sa.proposals.push_back(esp);
  ni_b_ = crypto::random_bytes(pol_.nonce_size);
  std::vector<payload> chain{sa, nonce_payload{ni_b_}};
  if (pol_.pfs_group) {
    auto g = crypto::dh_group_from_id(*pol_.pfs_group);
    if (!g)
      return fail("PFS group " + std::to_string(*pol_.pfs_group) + " is not supported");
    dh_ = crypto::dh_keypair::generate(*g);
    chain.emplace_back(ke_payload{dh_->public_value()});
  }
  chain.emplace_back(child_.id_i);
  chain.emplace_back(child_.id_r);
  return send_chain(std::move(chain), 1);
}

child_step quick_mode::receive(std::span<const std::uint8_t> datagram) {
  if (!last_received_.empty() &&
      std::equal(datagram.begin(), datagram.end(), last_received_.begin(), last_received_.end())) {
    child_step s;
    s.retransmit = true;
    if (!last_sent_.empty() && !(initiator_ && done_))
      s.send.push_back(last_sent_);
    return s;
  }
  if (done_ && initiator_)
    return child_step{child_status::established, {}, "quick mode already complete", false, {}};
  auto m = decode(datagram);
  if (!m)
    return child_step{child_status::in_progress, {}, "undecodable: " + m.error().text, false, {}};
  if (m->hdr.exchange != exchange_type::quick || m->hdr.message_id != child_.message_id)
    return child_step{child_status::in_progress, {}, "not this quick mode", false, {}};
  std::string why;
  auto chain = open(*m, why);
  if (!chain)
    return child_step{child_status::in_progress, {}, why, false, {}};
  child_step s;
  if (!initiator_ && last_ == 0)
    s = on_qm1(*chain);
  else if (initiator_ && last_ == 1)
    s = on_qm2(*chain);
  else if (!initiator_ && last_ == 2)
    s = on_qm3(*chain);
  else
    return child_step{child_status::in_progress, {}, "unexpected quick mode message", false, {}};
  if (s.status != child_status::failed)
    last_received_.assign(datagram.begin(), datagram.end());
  return s;
}

// QM1 -->  (responder)
child_step quick_mode::on_qm1(const std::vector<payload>& chain) {
  const auto& k = *p1_.keys;
  std::vector<payload> after(chain.begin() + 1, chain.end());
  auto rest = encode_payloads(after);
  if (!rest ||
      !crypto::constant_time_equal(std::get<hash_payload>(chain.front()).data,
                                   ks::qm_hash1(k.hash, k.skeyid_a, child_.message_id, *rest)))
    return fail("QM1: HASH(1) does not verify", notify_type::invalid_hash_information);
  const auto* sa = find<sa_payload>(after);
  const auto* ni = find<nonce_payload>(after);
  const auto* ke = find<ke_payload>(after);
  std::vector<const id_payload*> ids;
  for (const auto& p : after)
    if (const auto* id = std::get_if<id_payload>(&p))
      ids.push_back(id);
  if (sa == nullptr || ni == nullptr)
    return fail("QM1 without SA or nonce", notify_type::payload_malformed);
  if (ids.size() != 2)
    return fail("QM1 without client IDs (a tunnel between the gateways themselves is not "
                "supported yet)",
                notify_type::invalid_id_information);
  child_.id_i = *ids[0];
  child_.id_r = *ids[1];
  auto policy = lookup_(child_.id_i, child_.id_r);
  if (!policy)
    return fail("no sainfo for " + child_.id_i.to_string() + " <-> " + child_.id_r.to_string(),
                notify_type::invalid_id_information);
  pol_ = *policy;
  ni_b_ = ni->data;

  std::string reasons;
  auto note = [&](const std::string& r) { reasons += (reasons.empty() ? "" : "; ") + r; };
  for (std::size_t i = 0; i < sa->proposals.size();) {
    // Proposals sharing a number are one bundle (IPComp AND ESP).
    std::size_t j = i;
    const proposal *esp = nullptr, *comp = nullptr;
    bool other = false;
    while (j < sa->proposals.size() && sa->proposals[j].number == sa->proposals[i].number) {
      const auto& p = sa->proposals[j];
      if (p.protocol == protocol_id::esp && p.spi.size() == 4)
        esp = &p;
      else if (p.protocol == protocol_id::ipcomp && !p.spi.empty() && p.spi.size() <= 2 &&
               !p.transforms.empty() && p.transforms[0].id == transform_id::ipcomp_deflate)
        comp = &p;
      else
        other = true;
      ++j;
    }
    std::uint8_t number = sa->proposals[i].number;
    i = j;
    if (esp == nullptr || other || (comp != nullptr && !pol_.ipcomp)) {
      note("proposal " + std::to_string(number) + ": not an ESP (+ IPComp) bundle we accept");
      continue;
    }
    for (const auto& t : esp->transforms) {
      auto r = read_esp(t);
      bool udp = p1_.udp_mode != 0 && (r && (r->mode == ipsec_attr::mode_udp_tunnel ||
                                             r->mode == ipsec_attr::mode_udp_tunnel_draft));
      if (!r || (r->mode != ipsec_attr::mode_tunnel && !udp)) {
        note("transform " + std::to_string(t.number) + ": attributes or mode not supported");
        continue;
      }
      auto match = std::find_if(pol_.offers.begin(), pol_.offers.end(),
                                [&](const esp_offer& o) { return same(o, r->offer); });
      if (match == pol_.offers.end()) {
        note("transform " + std::to_string(t.number) + ": algorithms not in sainfo");
        continue;
      }
      if (r->group && ke == nullptr) {
        note("transform " + std::to_string(t.number) + ": PFS group without KE");
        continue;
      }
      if (pol_.pfs_group && r->group != pol_.pfs_group) {
        note("transform " + std::to_string(t.number) + ": PFS group differs from sainfo's");
        continue;
      }
      std::uint32_t life = r->lifetime;
      bool claim = false;
      if (pol_.check == proposal_check::strict && life > pol_.lifetime) {
        note("transform " + std::to_string(t.number) + ": lifetime longer than sainfo's");
        continue;
      }
      if (pol_.check == proposal_check::exact && life != pol_.lifetime) {
        note("transform " + std::to_string(t.number) + ": lifetime differs from sainfo's");
        continue;
      }
      if (pol_.check == proposal_check::claim && life > pol_.lifetime) {
        life = pol_.lifetime;
        claim = true;
      }
      // Accepted.
      child_.agreed = r->offer;
      child_.udp_encap = udp;
      child_.lifetime = life;
      child_.responder_lifetime = claim;
      child_.pfs_group = r->group;
      child_.outbound.spi = spi_value(esp->spi);
      sa_payload reply;
      reply.doi = sa->doi;
      reply.situation = sa->situation;
      if (comp != nullptr) {
        child_.ipcomp = true;
        child_.outbound.cpi = static_cast<std::uint16_t>(spi_value(comp->spi));
        proposal c = *comp;
        c.spi = {static_cast<std::uint8_t>(child_.inbound.cpi >> 8),
                 static_cast<std::uint8_t>(child_.inbound.cpi)};
        c.transforms = {comp->transforms[0]};
        reply.proposals.push_back(c);
      }
      proposal e = *esp;
      e.spi = spi_bytes(child_.inbound.spi);
      e.transforms = {t};
      reply.proposals.push_back(e);
      nr_b_ = crypto::random_bytes(pol_.nonce_size);
      std::vector<payload> out{reply, nonce_payload{nr_b_}};
      if (r->group) {
        auto g = crypto::dh_group_from_id(*r->group);
        if (!g)
          return fail("PFS group " + std::to_string(*r->group) + " is not supported",
                      notify_type::no_proposal_chosen);
        dh_ = crypto::dh_keypair::generate(*g);
        peer_ke_ = ke->data;
        out.emplace_back(ke_payload{dh_->public_value()});
      }
      out.emplace_back(child_.id_i);
      out.emplace_back(child_.id_r);
      if (claim)
        out.emplace_back(notify_payload::responder_lifetime(protocol_id::esp,
                                                            spi_bytes(child_.inbound.spi), life));
      std::string why;
      if (!derive_keys(why))
        return fail("QM1: " + why, notify_type::invalid_key_information);
      return send_chain(std::move(out), 2);
    }
  }
  return fail("no acceptable phase-2 proposal: " + (reasons.empty() ? "none offered" : reasons),
              notify_type::no_proposal_chosen);
}

// <-- QM2  (initiator)
std::uint16_t quick_mode::tunnel_mode() const {
  return p1_.udp_mode != 0 ? p1_.udp_mode : ipsec_attr::mode_tunnel;
}

child_step quick_mode::on_qm2(const std::vector<payload>& chain) {
  const auto& k = *p1_.keys;
  const auto* nr = find<nonce_payload>(chain);
  if (nr == nullptr)
    return fail("QM2 without a nonce", notify_type::payload_malformed);
  std::vector<payload> after(chain.begin() + 1, chain.end());
  auto rest = encode_payloads(after);
  if (!rest || !crypto::constant_time_equal(
                   std::get<hash_payload>(chain.front()).data,
                   ks::qm_hash2(k.hash, k.skeyid_a, child_.message_id, ni_b_, *rest)))
    return fail("QM2: HASH(2) does not verify", notify_type::invalid_hash_information);
  nr_b_ = nr->data;
  const auto* sa = find<sa_payload>(after);
  if (sa == nullptr)
    return fail("QM2 without SA", notify_type::payload_malformed);
  const proposal* esp = nullptr;
  for (const auto& p : sa->proposals) {
    if (p.protocol == protocol_id::esp && p.spi.size() == 4 && p.transforms.size() == 1)
      esp = &p;
    else if (p.protocol == protocol_id::ipcomp && !p.spi.empty() && p.spi.size() <= 2 &&
             pol_.ipcomp) {
      child_.ipcomp = true;
      child_.outbound.cpi = static_cast<std::uint16_t>(spi_value(p.spi));
    } else {
      return fail("QM2: the responder answered with a proposal we did not make",
                  notify_type::bad_proposal_syntax);
    }
  }
  if (esp == nullptr)
    return fail("QM2: no ESP proposal with one transform", notify_type::bad_proposal_syntax);
  auto r = read_esp(esp->transforms[0]);
  if (!r || std::none_of(pol_.offers.begin(), pol_.offers.end(),
                         [&](const esp_offer& o) { return same(o, r->offer); }))
    return fail("QM2: the responder chose a transform we did not offer",
                notify_type::no_proposal_chosen);
  if (r->group != pol_.pfs_group)
    return fail("QM2: the responder changed the PFS group", notify_type::no_proposal_chosen);
  if (r->mode != tunnel_mode())
    return fail("QM2: the responder changed the encapsulation mode to " + std::to_string(r->mode),
                notify_type::no_proposal_chosen);
  child_.agreed = r->offer;
  child_.udp_encap = tunnel_mode() != ipsec_attr::mode_tunnel;
  // A responder may not lengthen the lifetime (RFC 2409 §5.5), yet charon answers with
  // its own: keep ours, the shorter one, as racoon does.
  child_.lifetime = r->lifetime != 0 ? std::min(r->lifetime, pol_.lifetime) : pol_.lifetime;
  for (const auto& p : after)
    if (const auto* n = std::get_if<notify_payload>(&p);
        n != nullptr && n->message == notify_type::responder_lifetime && n->data.size() >= 8)
      child_.lifetime = std::min<std::uint32_t>(
          child_.lifetime,
          static_cast<std::uint32_t>(spi_value(bytes(n->data.end() - 4, n->data.end()))));
  child_.pfs_group = r->group;
  child_.outbound.spi = spi_value(esp->spi);
  if (pol_.pfs_group) {
    const auto* ke = find<ke_payload>(after);
    if (ke == nullptr)
      return fail("QM2 without KE although PFS was proposed", notify_type::payload_malformed);
    peer_ke_ = ke->data;
  }
  std::string why;
  if (!derive_keys(why))
    return fail("QM2: " + why, notify_type::invalid_key_information);
  auto s = send_chain({}, 3);
  if (s.status == child_status::failed)
    return s;
  done_ = true;
  s.status = child_status::established;
  return s;
}

// QM3 -->  (responder)
child_step quick_mode::on_qm3(const std::vector<payload>& chain) {
  const auto& k = *p1_.keys;
  if (chain.size() != 1 || !crypto::constant_time_equal(
                               std::get<hash_payload>(chain.front()).data,
                               ks::qm_hash3(k.hash, k.skeyid_a, child_.message_id, ni_b_, nr_b_)))
    return fail("QM3: HASH(3) does not verify", notify_type::invalid_hash_information);
  done_ = true;
  last_ = 3;
  child_step s;
  s.status = child_status::established;
  return s;
}

bool quick_mode::derive_keys(std::string& why) {
  const auto& k = *p1_.keys;
  crypto::secret_bytes gxy;
  if (dh_) {
    auto d = dh_->derive(peer_ke_);
    if (!d) {
      why = "the peer's PFS KE is not a valid public value";
      return false;
    }
    gxy = std::move(*d);
  }
  const auto lengths = esp_key_lengths(child_.agreed);
  const std::size_t enc = lengths.first, auth = lengths.second;
  auto make = [&](child_sa_keys& sa) {
    auto km =
        ks::keymat(k.hash, k.skeyid_d, gxy.view(), static_cast<std::uint8_t>(protocol_id::esp),
                   spi_bytes(sa.spi), ni_b_, nr_b_, enc + auth);
    sa.enc_key = crypto::secret_bytes{km.view().subspan(0, enc)};
    sa.auth_key = crypto::secret_bytes{km.view().subspan(enc, auth)};
  };
  make(child_.inbound);
  make(child_.outbound);
  return true;
}

} // namespace coati::ike
