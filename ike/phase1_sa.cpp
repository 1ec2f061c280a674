#include "ike/phase1_sa.hpp"

namespace coati::ike {
namespace {

std::string describe(const phase1_offer& o) {
  return "enc " + std::to_string(o.enc) +
         (o.key_bits != 0 ? "/" + std::to_string(o.key_bits) : "") + " hash " +
         std::to_string(o.hash) + " auth " + std::to_string(o.auth) + " group " +
         std::to_string(o.group) + " lifetime " + std::to_string(o.lifetime) + "s";
}

transform make_transform(std::uint8_t number, const phase1_offer& o) {
  transform t;
  t.number = number;
  t.id = transform_id::key_ike;
  t.attributes.push_back(data_attribute::tv(ike_attr::encryption, o.enc));
  if (o.key_bits != 0)
    t.attributes.push_back(data_attribute::tv(ike_attr::key_length, o.key_bits));
  else if (o.enc == ike_attr::enc_aes)
    t.attributes.push_back(data_attribute::tv(ike_attr::key_length, 128));
  t.attributes.push_back(data_attribute::tv(ike_attr::hash, o.hash));
  t.attributes.push_back(data_attribute::tv(ike_attr::auth_method, initiator_auth(o)));
  t.attributes.push_back(data_attribute::tv(ike_attr::group_description, o.group));
  t.attributes.push_back(data_attribute::tv(ike_attr::life_type, ike_attr::life_seconds));
  t.attributes.push_back(data_attribute::integer(ike_attr::life_duration, o.lifetime));
  return t;
}

/// Same algorithms (lifetime aside); AES without a length means 128.
bool same_algorithms(const phase1_offer& a, const phase1_offer& b) {
  auto bits = [](const phase1_offer& o) -> std::uint16_t {
    return o.key_bits != 0 ? o.key_bits : (o.enc == ike_attr::enc_aes ? 128 : 0);
  };
  return a.enc == b.enc && bits(a) == bits(b) && a.hash == b.hash &&
         auth_family(a.auth) == auth_family(b.auth) && a.group == b.group;
}

/// Hybrid 64221..64224 and XAuth 65001..65010 come as (Init, Resp) pairs, Init odd.
bool in_pairs(std::uint16_t auth) {
  return (auth >= ike_attr::auth_hybrid_rsa_i && auth <= ike_attr::auth_hybrid_dss_r) ||
         (auth >= ike_attr::auth_xauth_psk_i && auth <= ike_attr::auth_xauth_rsa_rev_r);
}

} // namespace

std::uint16_t auth_family(std::uint16_t auth) {
  if (in_pairs(auth) && auth % 2 == 0)
    return static_cast<std::uint16_t>(auth - 1);
  return auth;
}

bool needs_xauth(std::uint16_t auth) {
  return in_pairs(auth);
}

bool is_hybrid(std::uint16_t auth) {
  return auth >= ike_attr::auth_hybrid_rsa_i && auth <= ike_attr::auth_hybrid_dss_r;
}

proof_plan plan_for(const phase1_offer& o) {
  proof_plan p;
  bool server = o.xauth == xauth_role::server;
  bool client = o.xauth == xauth_role::client;
  switch (auth_family(o.auth)) {
  case ike_attr::auth_psk:
    p.supported = p.psk = true;
    break;
  case ike_attr::auth_xauth_psk_i:
    p.supported = p.psk = server || client;
    break;
  case ike_attr::auth_rsa_sig:
    p.supported = p.we_sign = p.peer_signs = true;
    break;
  case ike_attr::auth_xauth_rsa_i:
    p.supported = p.we_sign = p.peer_signs = server || client;
    break;
  case ike_attr::auth_hybrid_rsa_i:
    p.supported = server || client;
    p.we_sign = server;
    p.peer_signs = client;
    break;
  default:
    break; // DSS, RSA encryption, GSSAPI: not in coati
  }
  return p;
}

std::uint16_t initiator_auth(const phase1_offer& o) {
  auto init = auth_family(o.auth);
  if (needs_xauth(init) && o.xauth == xauth_role::server)
    return static_cast<std::uint16_t>(init + 1);
  return o.auth;
}

sa_payload make_phase1_sa(std::span<const phase1_offer> offers) {
  sa_payload sa;
  proposal p;
  p.number = 1;
  p.protocol = protocol_id::isakmp;
  std::uint8_t n = 1;
  for (const auto& o : offers)
    p.transforms.push_back(make_transform(n++, o));
  sa.proposals.push_back(std::move(p));
  return sa;
}

std::optional<phase1_offer> read_phase1_transform(const transform& t, std::string* why) {
  auto fail = [&](const std::string& text) -> std::optional<phase1_offer> {
    if (why != nullptr)
      *why = "transform " + std::to_string(t.number) + ": " + text;
    return std::nullopt;
  };
  if (t.id != transform_id::key_ike)
    return fail("transform ID " + std::to_string(t.id) + " is not KEY_IKE");
  phase1_offer o;
  o.lifetime = 28800; // RFC 2407 default when no lifetime is given
  bool enc = false, hash = false, auth = false, group = false;
  std::uint16_t life_type = 0;
  for (const auto& a : t.attributes) {
    auto v = a.as_integer();
    if (!v)
      return fail("attribute " + std::to_string(a.type) + " has no integer value");
    switch (a.type) {
    case ike_attr::encryption:
      o.enc = static_cast<std::uint16_t>(*v);
      enc = true;
      break;
    case ike_attr::key_length:
      o.key_bits = static_cast<std::uint16_t>(*v);
      break;
    case ike_attr::hash:
      o.hash = static_cast<std::uint16_t>(*v);
      hash = true;
      break;
    case ike_attr::auth_method:
      o.auth = static_cast<std::uint16_t>(*v);
      auth = true;
      break;
    case ike_attr::group_description:
      o.group = static_cast<std::uint16_t>(*v);
      group = true;
      break;
    case ike_attr::life_type:
      life_type = static_cast<std::uint16_t>(*v);
      break;
    case ike_attr::life_duration:
      if (life_type == ike_attr::life_seconds)
        o.lifetime = static_cast<std::uint32_t>(std::min<std::uint64_t>(*v, UINT32_MAX));
      else if (life_type != ike_attr::life_kilobytes)
        return fail("life duration without a known life type");
      break;
    default:
      break; // racoon ignores attributes it does not use (e.g. PRF)
    }
  }
  if (!enc || !hash || !auth || !group)
    return fail("encryption, hash, authentication method and group are all required");
  return o;
}

std::variant<phase1_choice, std::string> choose_phase1(const sa_payload& received,
                                                       std::span<const phase1_offer> ours,
                                                       proposal_check check) {
  if (received.doi != doi::ipsec)
    return std::string{"SA: DOI is not IPsec"};
  const proposal* prop = nullptr;
  for (const auto& p : received.proposals)
    if (p.protocol == protocol_id::isakmp) {
      prop = &p;
      break;
    }
  if (prop == nullptr)
    return std::string{"SA: no ISAKMP proposal"};
  std::string reasons;
  for (const auto& t : prop->transforms) {
    std::string why;
    auto theirs = read_phase1_transform(t, &why);
    if (!theirs) {
      reasons += (reasons.empty() ? "" : "; ") + why;
      continue;
    }
    for (std::size_t i = 0; i < ours.size(); ++i) {
      const auto& mine = ours[i];
      if (!same_algorithms(*theirs, mine))
        continue;
      phase1_choice c;
      c.agreed = *theirs;
      c.agreed.xauth = mine.xauth;
      c.local_index = i;
      bool ok = true;
      switch (check) {
      case proposal_check::obey:
        break;
      case proposal_check::strict:
        ok = theirs->lifetime <= mine.lifetime;
        break;
      case proposal_check::exact:
        ok = theirs->lifetime == mine.lifetime;
        break;
      case proposal_check::claim:
        if (theirs->lifetime > mine.lifetime) {
          c.agreed.lifetime = mine.lifetime;
          c.responder_lifetime = true;
        }
        break;
      }
      if (!ok) {
        reasons += (reasons.empty() ? "" : "; ") +
                   ("transform " + std::to_string(t.number) + ": lifetime " +
                    std::to_string(theirs->lifetime) + "s refused by proposal_check (ours " +
                    std::to_string(mine.lifetime) + "s)");
        continue;
      }
      // The reply carries the initiator's transform as it was sent (RFC 2409 §5).
      c.reply.doi = received.doi;
      c.reply.situation = received.situation;
      proposal rp = *prop;
      rp.transforms = {t};
      c.reply.proposals = {rp};
      return c;
    }
    reasons += (reasons.empty() ? "" : "; ") + ("transform " + std::to_string(t.number) + " (" +
                                                describe(*theirs) + ") matches none of ours");
  }
  return "no acceptable phase-1 proposal: " +
         (reasons.empty() ? std::string{"no transforms"} : reasons);
}

std::variant<phase1_offer, std::string> accept_phase1_reply(const sa_payload& reply,
                                                            std::span<const phase1_offer> offered) {
  if (reply.proposals.size() != 1 || reply.proposals[0].transforms.size() != 1)
    return std::string{"the responder must answer with exactly one proposal and one transform"};
  std::string why;
  auto chosen = read_phase1_transform(reply.proposals[0].transforms[0], &why);
  if (!chosen)
    return "the responder's transform: " + why;
  for (const auto& o : offered)
    if (same_algorithms(*chosen, o)) {
      if (chosen->lifetime > o.lifetime)
        return std::string{"the responder chose a longer lifetime than offered"};
      chosen->xauth = o.xauth;
      return *chosen;
    }
  return "the responder chose a transform we did not offer (" + describe(*chosen) + ")";
}

} // namespace coati::ike
