#include "actors/peer.hpp"

#include <charconv>
#include <cstdio>

#include "config/config.hpp"
#include "crypto/random.hpp"
#include "crypto/secret.hpp"
#include "crypto/x509.hpp"
#include "ike/constants.hpp"
#include "ike/informational.hpp"
#include "kernel/policy_gen.hpp"
#include "util/log.hpp"

namespace coati::actors {

std::string cookie_text(const ike::cookie& i, const ike::cookie& r) {
  return crypto::to_hex(i) + ":" + crypto::to_hex(r);
}

namespace {
outgoing make_out(const peer_endpoints& e, std::vector<std::uint8_t> bytes);
}

std::optional<outgoing> informational_to(const peer_endpoints& ends, const phase1_shared& p1,
                                         const std::vector<ike::payload>& body) {
  ike::phase1_context ctx{&p1.sa.keys, p1.sa.icookie, p1.sa.rcookie};
  auto res = ike::seal_informational(ctx, body);
  if (auto* why = std::get_if<std::string>(&res)) {
    COATI_LOG(error, "peer", "cannot build an informational message: ", *why);
    return std::nullopt;
  }
  return make_out(ends, std::move(std::get<ike::info_datagram>(res).wire));
}

namespace {

using peer_actor_t = caf::stateful_actor<peer_state>;
using child_actor_t = caf::stateful_actor<child_state>;

outgoing make_out(const peer_endpoints& e, std::vector<std::uint8_t> bytes) {
  outgoing o;
  o.local = e.local.to_string();
  o.local_port = e.local_port;
  o.remote = e.remote.to_string();
  o.remote_port = e.remote_port;
  o.natt = e.local_port != 500 && e.remote_port != 500;
  o.bytes = std::move(bytes);
  return o;
}

std::string where(const peer_endpoints& e) {
  return e.remote.to_string() + "[" + std::to_string(e.remote_port) + "]";
}

std::string id_text(const ike::id_payload& id) {
  if (id.kind == ike::id_type::der_asn1_dn)
    return crypto::dn_to_text(id.data);
  return id.to_string();
}

const config::timer_block& timers(const snapshot& s) { return s.cfg->timer; }

// ---------------------------------------------------------------- peer

void count(peer_actor_t* self, const std::string& what) {
  self->send(self->state.args.listener, event_atom_v, what);
}

void send_all(peer_actor_t* self, const std::vector<ike::bytes>& out) {
  const auto& a = self->state.args;
  auto persend = std::max(1U, timers(a.snap).persend);
  for (const auto& d : out)
    for (unsigned i = 0; i < persend; ++i)
      self->send(a.listener, make_out(a.ends, d));
}

void arm_retransmit(peer_actor_t* self) {
  auto& st = self->state;
  st.tries = 0;
  st.timer_gen += 1;
  self->delayed_send(self, timers(st.args.snap).interval, tick_atom_v, st.timer_gen);
}

void report_rows(peer_actor_t* self) {
  auto& st = self->state;
  const auto& a = st.args;
  ike::cookie i = a.initiator ? a.cookie : ike::cookie{};
  ike::cookie r = a.initiator ? ike::cookie{} : a.cookie;
  if (st.p1) {
    i = st.p1->sa.icookie;
    r = st.p1->sa.rcookie;
  }
  auto created = std::chrono::system_clock::to_time_t(st.created);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", std::localtime(&created));
  std::string row = a.ends.local.to_string() + " " + where(a.ends) + " " + cookie_text(i, r) + " " +
                    (a.initiator ? "initiator " : "responder ") + st.state_text + " " + when;
  if (st.p1)
    row += " id=\"" + st.p1->peer_id + "\"";
  std::vector<std::string> esp;
  for (const auto& [addr, rows] : st.child_rows)
    esp.insert(esp.end(), rows.begin(), rows.end());
  self->send(a.listener, sa_rows_atom_v, std::vector<std::string>{row}, std::move(esp));
}

std::vector<std::string> script_env(const peer_state& st) {
  const auto& a = st.args;
  std::vector<std::string> env{
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "LOCAL_ADDR=" + a.ends.local.to_string(),
      "LOCAL_PORT=" + std::to_string(a.ends.local_port),
      "REMOTE_ADDR=" + a.ends.remote.to_string(),
      "REMOTE_PORT=" + std::to_string(a.ends.remote_port),
  };
  if (st.p1) {
    env.push_back("REMOTE_ID=" + st.p1->peer_id);
    env.push_back("IKE_COOKIE=" + cookie_text(st.p1->sa.icookie, st.p1->sa.rcookie));
  }
  return env;
}

void run_script(peer_actor_t* self, const std::string& path) {
  if (path.empty() || !self->state.args.svc.script)
    return;
  self->send(self->state.args.svc.script, script_atom_v, path, script_env(self->state));
}

void spawn_child(peer_actor_t* self, std::uint32_t mid, std::optional<datagram> first,
                 const config::sainfo_block* sainfo) {
  auto& st = self->state;
  child_args ca;
  ca.snap = st.args.snap;
  ca.svc = st.args.svc;
  ca.listener = st.args.listener;
  ca.peer = caf::actor_cast<caf::actor>(self);
  ca.remote = st.args.remote;
  ca.ends = st.args.ends;
  ca.p1 = st.p1;
  ca.message_id = mid;
  ca.initiator = !first.has_value();
  ca.first = std::move(first);
  ca.sainfo = sainfo;
  ca.offer_ipcomp = st.args.acquire_ipcomp;
  if (!first)
    ca.reqid = st.args.acquire_reqid;
  auto child = self->spawn<caf::monitored>(child_actor, std::move(ca));
  st.children[mid] = child;
  if (sainfo != nullptr)
    st.child_sainfo[mid] = sainfo;
}

/// Initiator: start quick mode for each sainfo we can propose (or the one covering an
/// acquired flow).
void start_children(peer_actor_t* self) {
  auto& st = self->state;
  const auto& cfg = *st.args.snap.cfg;
  for (const auto* s : initiator_sainfos(cfg)) {
    bool busy = false;
    for (const auto& [mid, si] : st.child_sainfo)
      busy = busy || si == s;
    if (busy)
      continue; // a quick mode for this sainfo is under way or up
    if (st.args.acquire) {
      auto local = id_of(*s->local);
      auto remote = id_of(*s->remote);
      auto l = local ? kernel::prefix_of(*local) : std::nullopt;
      auto r = remote ? kernel::prefix_of(*remote) : std::nullopt;
      const auto& sel = *st.args.acquire;
      if (!l || !r || l->addr != sel.src || l->prefix != sel.src_prefix || r->addr != sel.dst ||
          r->prefix != sel.dst_prefix)
        continue;
    }
    std::uint32_t mid = 0;
    while (mid == 0 || st.children.contains(mid))
      mid = crypto::random_u32();
    spawn_child(self, mid, std::nullopt, s);
  }
}

void phase1_up(peer_actor_t* self) {
  auto& st = self->state;
  const auto& sa = *st.mm->established();
  auto shared = std::make_shared<phase1_shared>();
  shared->sa = sa;
  shared->peer_id = id_text(sa.peer_id);
  st.p1 = shared;
  st.state_text = "established";
  st.timer_gen += 1; // no more retransmissions
  const auto& r = st.args.snap.cfg->remotes.at(st.args.remote);
  COATI_LOG(notify, "peer", "ISAKMP-SA established ", st.args.ends.local.to_string(), "[",
            st.args.ends.local_port, "]-", where(st.args.ends), " spi:",
            cookie_text(sa.icookie, sa.rcookie), " id \"", st.p1->peer_id, "\"");
  count(self, "phase1_up");
  if (sa.initial_contact)
    self->send(st.args.listener, initial_contact_atom_v, st.args.ends.remote.to_string());
  run_script(self, r.script_phase1_up);
  report_rows(self);
  // The ISAKMP SA's lifetime: gone when it ends (no phase-1 rekey yet).
  // A proposal without a lifetime (0) gets the remote block's.
  auto life = sa.agreed.lifetime != 0 ? std::chrono::seconds{sa.agreed.lifetime} : r.lifetime;
  self->delayed_send(self, life, expire_atom_v, true);
  if (st.args.acquire) // started by traffic: its quick mode now
    start_children(self);
}

void fail_phase1(peer_actor_t* self, const std::string& why, const std::string& counter) {
  auto& st = self->state;
  COATI_LOG(error, "peer", "phase 1 with ", where(st.args.ends), " failed: ", why);
  count(self, "phase1_failed");
  count(self, "phase1_failed." + counter);
  st.state_text = "failed";
  self->quit();
}

/// A short counter name for a phase-1 failure reason.
std::string reason_key(const std::string& why) {
  auto has = [&](const char* s) { return why.find(s) != std::string::npos; };
  if (has("proposal"))
    return "no_proposal";
  if (has("does not match the certificate") || has("peers_identifier"))
    return "identity";
  if (has("expired") || has("not yet valid"))
    return "certificate_expired";
  if (has("certificate") || has("CA") || has("issuer") || has("verify"))
    return "certificate";
  if (has("ID") || has("identifier") || has("identity"))
    return "identity";
  if (has("pre-shared") || has("HASH") || has("hash") || has("signature") || has("decrypt"))
    return "authentication";
  return "other";
}

std::string notify_name(ike::notify_type t) {
  switch (t) {
  case ike::notify_type::no_proposal_chosen:
    return "NO-PROPOSAL-CHOSEN";
  case ike::notify_type::authentication_failed:
    return "AUTHENTICATION-FAILED";
  case ike::notify_type::invalid_id_information:
    return "INVALID-ID-INFORMATION";
  case ike::notify_type::initial_contact:
    return "INITIAL-CONTACT";
  default:
    return "notify " + std::to_string(static_cast<unsigned>(t));
  }
}

/// An informational exchange: Delete, INITIAL-CONTACT, DPD, error notifies.
void on_informational(peer_actor_t* self, std::span<const std::uint8_t> body) {
  auto& st = self->state;
  const auto& peer = where(st.args.ends);
  if (!st.p1) {
    // Before phase 1 has keys, only a failing responder's error notify can come, in clear.
    auto res = ike::open_unprotected_informational(body);
    if (auto* rej = std::get_if<ike::info_rejection>(&res)) {
      if (rej->reason == ike::info_reject::encrypted && !st.args.initiator) {
        // Encrypted with keys we do not share: the initiator derived other keys from a
        // different pre-shared key and is telling us so (charon: AUTHENTICATION-FAILED).
        fail_phase1(self,
                    "the initiator sent an encrypted notification we cannot read: it could "
                    "not authenticate us (a different pre-shared key?)",
                    "authentication");
        return;
      }
      count(self, std::string{"informational_rejected."} + ike::to_string(rej->reason));
      return;
    }
    const auto& info = std::get<ike::unprotected_informational>(res);
    for (const auto& n : info.notifies) {
      auto t = static_cast<unsigned>(n.message);
      COATI_LOG(warning, "peer", peer, " says ", notify_name(n.message),
                " (unauthenticated, during phase 1)");
      count(self, "notify_received");
      if (st.args.initiator && t >= 1 && t < 16384) {
        fail_phase1(self, "the responder refused: " + notify_name(n.message),
                    n.message == ike::notify_type::no_proposal_chosen ? "no_proposal"
                                                                     : "refused_by_peer");
        return;
      }
    }
    if (!info.unauthenticated_deletes.empty())
      count(self, "unauthenticated_delete_ignored");
    return;
  }
  ike::phase1_context ctx{&st.p1->sa.keys, st.p1->sa.icookie, st.p1->sa.rcookie};
  auto res = ike::open_informational(ctx, body);
  if (auto* rej = std::get_if<ike::info_rejection>(&res)) {
    COATI_LOG(warning, "peer", peer, ": informational refused: ", rej->text);
    count(self, std::string{"informational_rejected."} + ike::to_string(rej->reason));
    return;
  }
  const auto& info = std::get<ike::informational>(res);
  for (const auto& n : info.notifies) {
    if (auto ack = ike::dpd_ack_for(n, st.p1->sa.icookie, st.p1->sa.rcookie)) {
      if (auto out = informational_to(st.args.ends, *st.p1, {*ack}))
        self->send(st.args.listener, std::move(*out));
      count(self, "dpd_answered");
      continue;
    }
    if (n.message == ike::notify_type::initial_contact) {
      self->send(st.args.listener, initial_contact_atom_v, st.args.ends.remote.to_string());
      continue;
    }
    COATI_LOG(warning, "peer", peer, " says ", notify_name(n.message));
    count(self, "notify_received");
  }
  for (const auto& d : info.deletes) {
    if (ike::deletes_isakmp_sa(d, st.p1->sa.icookie, st.p1->sa.rcookie)) {
      COATI_LOG(notify, "peer", peer, " deleted the ISAKMP-SA ",
                cookie_text(st.p1->sa.icookie, st.p1->sa.rcookie),
                ": removing it and its IPsec-SAs");
      count(self, "isakmp_deleted_by_peer");
      st.remote_deleted = true;
      for (const auto& [mid, child] : st.children)
        self->send(child, delete_atom_v, std::uint32_t{0});
      self->quit();
      return;
    }
    for (auto spi : ike::ipsec_spis(d)) {
      count(self, "ipsec_deleted_by_peer");
      for (const auto& [mid, child] : st.children)
        self->send(child, delete_atom_v, spi);
    }
  }
}

void on_datagram(peer_actor_t* self, datagram& d) {
  auto& st = self->state;
  std::span<const std::uint8_t> body{d.bytes};
  if (d.natt && body.size() >= 4)
    body = body.subspan(4);
  auto h = ike::decode_header(body);
  if (!h)
    return;
  switch (h.value().exchange) {
  case ike::exchange_type::identity_protection:
  case ike::exchange_type::aggressive: {
    bool agg = h.value().exchange == ike::exchange_type::aggressive;
    if (!st.mm || st.mm->aggressive() != agg) {
      count(self, "unexpected_exchange");
      return;
    }
    bool was_up = st.mm->established() != nullptr;
    auto step = st.mm->receive(body);
    send_all(self, step.send);
    if (step.status == ike::phase1_status::failed) {
      fail_phase1(self, step.problem, reason_key(step.problem));
      return;
    }
    if (!step.problem.empty())
      COATI_LOG(info, "peer", where(st.args.ends), ": ignored: ", step.problem);
    if (step.retransmit || step.send.empty()) {
      if (!step.problem.empty())
        count(self, "ignored");
    } else if (step.status == ike::phase1_status::in_progress) {
      arm_retransmit(self);
    }
    if (!was_up && st.mm->established())
      phase1_up(self);
    return;
  }
  case ike::exchange_type::quick: {
    if (!st.p1) {
      count(self, "quick_before_phase1");
      return;
    }
    auto mid = h.value().message_id;
    auto i = st.children.find(mid);
    if (i != st.children.end()) {
      self->send(i->second, std::move(d));
      return;
    }
    if (st.args.initiator) {
      count(self, "unexpected_quick");
      return;
    }
    spawn_child(self, mid, std::move(d), nullptr);
    return;
  }
  case ike::exchange_type::informational:
    on_informational(self, body);
    return;
  default:
    count(self, "unexpected_exchange");
    return;
  }
}

} // namespace

peer_state::~peer_state() {
  if (p1 && !remote_deleted) // tell the peer (its IPsec-SAs' Deletes come from the children)
    if (auto out = informational_to(args.ends, *p1,
                                    {ike::delete_isakmp_sa(p1->sa.icookie, p1->sa.rcookie)}))
      caf::anon_send(args.listener, std::move(*out));
  if (p1) {
    const auto& r = args.snap.cfg->remotes.at(args.remote);
    COATI_LOG(notify, "peer", "ISAKMP-SA deleted ", args.ends.local.to_string(), "-",
              where(args.ends), " spi:", cookie_text(p1->sa.icookie, p1->sa.rcookie));
    if (!r.script_phase1_down.empty() && args.svc.script)
      caf::anon_send(args.svc.script, script_atom_v, r.script_phase1_down, script_env(*this));
    caf::anon_send(args.listener, event_atom_v, std::string{"phase1_down"});
  }
  for (const auto& [mid, child] : children)
    caf::anon_send_exit(child, caf::exit_reason::user_shutdown);
}

caf::behavior peer_actor(peer_actor_t* self, peer_args args) {
  self->set_exception_handler(exit_reason_of);
  auto& st = self->state;
  st.args = std::move(args);
  const auto& cfg = *st.args.snap.cfg;
  std::string why;
  auto setup = make_phase1(cfg, st.args.remote, *st.args.snap.creds, st.args.ends.local,
                           st.args.ends.remote, why);
  if (!setup) {
    fail_phase1(self, why, "config");
    return {};
  }
  if (!why.empty())
    COATI_LOG(warning, "peer", why);
  const char* mode = st.args.aggressive ? "aggressive mode" : "main mode";
  if (st.args.initiator) {
    if (st.args.aggressive)
      st.mm.emplace(ike::aggressive_mode::initiator(setup->me, setup->policy, st.args.cookie));
    else
      st.mm.emplace(ike::main_mode::initiator(setup->me, setup->policy, st.args.cookie));
    auto step = st.mm->start();
    send_all(self, step.send);
    arm_retransmit(self);
    COATI_LOG(notify, "peer", "initiate new phase 1 negotiation (", mode, "): ",
              st.args.ends.local.to_string(), "[", st.args.ends.local_port, "]<=>",
              where(st.args.ends));
  } else {
    if (st.args.aggressive) {
      // The initiator's ID comes with AM1: its pre-shared key is looked up by that ID.
      auto creds = st.args.snap.creds;
      auto lookup = [creds](const ike::id_payload& id) -> std::optional<crypto::secret_bytes> {
        auto i = creds->psk.find(id.to_string());
        if (i == creds->psk.end())
          return std::nullopt;
        return i->second;
      };
      st.mm.emplace(
          ike::aggressive_mode::responder(setup->me, setup->policy, st.args.cookie, lookup));
    } else {
      st.mm.emplace(ike::main_mode::responder(setup->me, setup->policy, st.args.cookie));
    }
    COATI_LOG(notify, "peer", "respond new phase 1 negotiation (", mode, "): ",
              st.args.ends.local.to_string(), "[", st.args.ends.local_port, "]<=>",
              where(st.args.ends));
  }
  count(self, st.args.initiator ? "phase1_initiated" : "phase1_responded");
  self->delayed_send(self, timers(st.args.snap).phase1, expire_atom_v, false);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& s = self->state;
    for (auto i = s.children.begin(); i != s.children.end(); ++i)
      if (i->second.address() == dm.source) {
        s.child_sainfo.erase(i->first);
        s.children.erase(i);
        break;
      }
    if (s.child_rows.erase(dm.source) > 0)
      report_rows(self);
  });
  if (st.args.first) {
    auto d = std::move(*st.args.first);
    st.args.first.reset();
    on_datagram(self, d);
  }
  report_rows(self);
  return {
      [self](datagram& d) { on_datagram(self, d); },
      [self](tick_atom, std::uint64_t gen) {
        auto& s = self->state;
        if (gen != s.timer_gen || !s.mm || s.mm->established())
          return;
        if (++s.tries >= std::max(1U, timers(s.args.snap).counter)) {
          fail_phase1(self, "no answer after " + std::to_string(s.tries) + " transmissions",
                      "timeout");
          return;
        }
        COATI_LOG(info, "peer", where(s.args.ends), ": retransmitting (", s.tries, ")");
        count(self, "retransmitted");
        send_all(self, {s.mm->last_sent()});
        self->delayed_send(self, timers(s.args.snap).interval, tick_atom_v, gen);
      },
      [self](expire_atom, bool established_lifetime) {
        auto& s = self->state;
        if (!established_lifetime) {
          if (!s.p1)
            fail_phase1(self, "phase 1 not complete within the phase1 timer", "timeout");
          return;
        }
        COATI_LOG(notify, "peer", where(s.args.ends), ": ISAKMP-SA expired");
        self->quit();
      },
      [](crash_atom) -> caf::unit_t { throw std::runtime_error("peer: test crash requested"); },
      [self](const kernel_event& ke) {
        auto& s = self->state;
        const auto* acq = ke.ev ? std::get_if<kernel::acquire_event>(ke.ev.get()) : nullptr;
        if (acq == nullptr)
          return;
        s.args.acquire = acq->sel;
        s.args.acquire_ipcomp = acq->ipcomp;
        s.args.acquire_reqid = acq->reqid;
        if (s.p1)
          start_children(self);
      },
      [self](sa_rows_atom, std::vector<std::string>&, std::vector<std::string>& esp) {
        auto sender = self->current_sender();
        if (!sender)
          return;
        self->state.child_rows[caf::actor_cast<caf::actor_addr>(sender)] = std::move(esp);
        report_rows(self);
      },
      [self](expire_atom, std::uint32_t mid) {
        // A child's SAs are about to expire: as initiator, negotiate their successor.
        auto& s = self->state;
        auto i = s.child_sainfo.find(mid);
        if (i == s.child_sainfo.end() || !s.args.initiator || !s.p1)
          return;
        COATI_LOG(info, "peer", where(s.args.ends), ": rekeying the IPsec-SA of quick mode ",
                  mid);
        count(self, "phase2_rekeyed");
        std::uint32_t next = 0;
        while (next == 0 || s.children.contains(next))
          next = crypto::random_u32();
        spawn_child(self, next, std::nullopt, i->second);
      },
  };
}

// ---------------------------------------------------------------- child

namespace {

std::string enc_name(std::uint8_t t) {
  switch (t) {
  case ike::transform_id::esp_3des:
    return "cbc(des3_ede)";
  case ike::transform_id::esp_des:
    return "cbc(des)";
  case ike::transform_id::esp_aes_cbc:
    return "cbc(aes)";
  case ike::transform_id::esp_blowfish:
    return "cbc(blowfish)";
  case ike::transform_id::esp_cast:
    return "cbc(cast5)";
  case ike::transform_id::esp_null:
    return "ecb(cipher_null)";
  case ike::transform_id::esp_camellia:
    return "cbc(camellia)";
  case ike::transform_id::esp_twofish:
    return "cbc(twofish)";
  default:
    return {};
  }
}

std::string auth_name(std::uint16_t a) {
  switch (a) {
  case ike::ipsec_attr::auth_hmac_md5:
    return "hmac(md5)";
  case ike::ipsec_attr::auth_hmac_sha1:
    return "hmac(sha1)";
  case ike::ipsec_attr::auth_hmac_sha2_256:
    return "hmac(sha256)";
  case ike::ipsec_attr::auth_hmac_sha2_384:
    return "hmac(sha384)";
  case ike::ipsec_attr::auth_hmac_sha2_512:
    return "hmac(sha512)";
  default:
    return {};
  }
}

std::string short_enc(const ike::esp_offer& o) {
  switch (o.enc) {
  case ike::transform_id::esp_3des:
    return "3des";
  case ike::transform_id::esp_aes_cbc:
    return "aes" + std::to_string(o.key_bits == 0 ? 128 : o.key_bits);
  default:
    return "enc" + std::to_string(o.enc);
  }
}

std::string short_auth(const ike::esp_offer& o) {
  auto n = auth_name(o.auth);
  if (n.size() > 6)
    return "hmac_" + n.substr(5, n.size() - 6);
  return "auth" + std::to_string(o.auth);
}

std::string hex32(std::uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08x", v);
  return b;
}

void child_count(child_actor_t* self, const std::string& what) {
  self->send(self->state.args.listener, event_atom_v, what);
}

void child_rows(child_actor_t* self) {
  auto& st = self->state;
  std::vector<std::string> rows;
  bool up = st.qm && st.qm->established();
  if (st.qm && (up || (!st.args.initiator && st.qm->negotiated().outbound.spi != 0))) {
    const auto& c = st.qm->negotiated();
    auto l = st.args.ends.local.to_string(), r = st.args.ends.remote.to_string();
    std::string tail = " enc=" + short_enc(c.agreed) + " auth=" + short_auth(c.agreed) +
                       " pfs=" + std::to_string(c.pfs_group.value_or(0)) +
                       " ipcomp=" + (c.ipcomp ? "yes" : "no") +
                       " lifetime=" + std::to_string(c.lifetime) + " ids=" + c.id_i.to_string() +
                       "<->" + c.id_r.to_string();
    std::string inst = !up ? std::string{" state=larval"}
                       : st.install_error.empty()
                           ? std::string{" state=mature kernel=installed"}
                           : " state=mature kernel=failed (" + st.install_error + ")";
    rows.push_back(r + " " + l + " esp spi=" + hex32(c.inbound.spi) + " in" + tail + inst);
    rows.push_back(l + " " + r + " esp spi=" + hex32(c.outbound.spi) + " out" + tail + inst);
  }
  self->send(st.args.peer, sa_rows_atom_v, std::vector<std::string>{}, std::move(rows));
}

void child_send(child_actor_t* self, const std::vector<ike::bytes>& out) {
  for (const auto& d : out)
    self->send(self->state.args.listener, make_out(self->state.args.ends, d));
}

void child_arm(child_actor_t* self) {
  auto& st = self->state;
  st.tries = 0;
  st.timer_gen += 1;
  self->delayed_send(self, timers(st.args.snap).interval, tick_atom_v, st.timer_gen);
}

kernel::sa_spec sa_for(const child_state& st, const ike::child_established& c, bool inbound) {
  kernel::sa_spec sa;
  const auto& keys = inbound ? c.inbound : c.outbound;
  sa.src = inbound ? st.args.ends.remote : st.args.ends.local;
  sa.dst = inbound ? st.args.ends.local : st.args.ends.remote;
  sa.spi = keys.spi;
  sa.proto = kernel::xfrm_proto::esp;
  sa.mode = c.ipcomp ? kernel::xfrm_mode::transport : kernel::xfrm_mode::tunnel;
  sa.reqid = st.args.reqid.value_or(c.inbound.spi);
  sa.enc_alg = enc_name(c.agreed.enc);
  sa.enc_key = kernel::key_bytes{std::vector<std::uint8_t>(keys.enc_key.data(),
                                                           keys.enc_key.data() + keys.enc_key.size())};
  sa.auth_alg = auth_name(c.agreed.auth);
  // RFC 4868: SHA-2 HMACs are truncated to half their length (the kernel's own default
  // for hmac(sha256) is the pre-standard 96 bits, which no peer uses).
  switch (c.agreed.auth) {
  case ike::ipsec_attr::auth_hmac_sha2_256:
    sa.auth_trunc_bits = 128;
    break;
  case ike::ipsec_attr::auth_hmac_sha2_384:
    sa.auth_trunc_bits = 192;
    break;
  case ike::ipsec_attr::auth_hmac_sha2_512:
    sa.auth_trunc_bits = 256;
    break;
  default:
    sa.auth_trunc_bits = 96;
    break;
  }
  sa.auth_key = kernel::key_bytes{std::vector<std::uint8_t>(
      keys.auth_key.data(), keys.auth_key.data() + keys.auth_key.size())};
  sa.hard_seconds = c.lifetime;
  sa.soft_seconds = c.lifetime > 10 ? c.lifetime * 9 / 10 : 0;
  return sa;
}

kernel::sa_spec comp_for(const child_state& st, const ike::child_established& c, bool inbound) {
  kernel::sa_spec sa;
  sa.src = inbound ? st.args.ends.remote : st.args.ends.local;
  sa.dst = inbound ? st.args.ends.local : st.args.ends.remote;
  sa.spi = inbound ? c.inbound.cpi : c.outbound.cpi;
  sa.proto = kernel::xfrm_proto::comp;
  sa.mode = kernel::xfrm_mode::tunnel;
  sa.reqid = st.args.reqid.value_or(c.inbound.spi);
  sa.comp_alg = "deflate";
  sa.hard_seconds = c.lifetime;
  return sa;
}

void install(child_actor_t* self) {
  auto& st = self->state;
  const auto& c = *st.qm->established();
  std::vector<kernel::sa_spec> sas{sa_for(st, c, true), sa_for(st, c, false)};
  if (c.ipcomp) {
    sas.push_back(comp_for(st, c, true));
    sas.push_back(comp_for(st, c, false));
  }
  auto pending = std::make_shared<std::size_t>(sas.size());
  for (auto& sa : sas) {
    kernel_request rq;
    rq.what = kernel_request::op::add_sa;
    kernel_request del;
    del.what = kernel_request::op::delete_sa;
    del.dst = sa.dst;
    del.spi = sa.spi;
    del.proto = sa.proto;
    st.to_remove.push_back(del);
    rq.sa = std::make_shared<const kernel::sa_spec>(std::move(sa));
    self->request(st.args.svc.kernel, std::chrono::seconds{10}, std::move(rq))
        .then(
            [self, pending](kernel_reply& r) {
              if (!r.ok && self->state.install_error.empty()) {
                self->state.install_error = r.error;
                child_count(self, r.unsupported ? "sa_add_unsupported" : "sa_add_failed");
              }
              if (--*pending == 0)
                child_rows(self);
            },
            [self, pending](caf::error& e) {
              if (self->state.install_error.empty())
                self->state.install_error = self->system().render(e);
              if (--*pending == 0)
                child_rows(self);
            });
  }
}

/// generate_policy: as racoon does, the responder installs the tunnel's policies built
/// from the initiator's IDs as soon as it has answered QM1 (they go with the child).
void generate(child_actor_t* self) {
  auto& st = self->state;
  const auto& c = st.qm->negotiated();
  const auto& r = st.args.snap.cfg->remotes.at(st.args.remote);
  if (!st.args.initiator && r.generate_policy != config::generate_policy_mode::off) {
    kernel::generated_tunnel t;
    t.initiator_id = c.id_i;
    t.responder_id = c.id_r;
    t.local_outer = st.args.ends.local;
    t.peer_outer = st.args.ends.remote;
    t.reqid = c.inbound.spi;
    t.ipcomp = c.ipcomp;
    auto gen = kernel::generate_policies(t);
    if (auto* why = std::get_if<std::string>(&gen)) {
      COATI_LOG(error, "child", "generate_policy: ", *why);
      child_count(self, "policy_generate_failed");
    } else {
      policy_set ps;
      ps.owner = self->address();
      ps.specs = std::make_shared<const std::vector<kernel::policy_spec>>(
          std::move(std::get<std::vector<kernel::policy_spec>>(gen)));
      st.policies = true;
      self->request(st.args.svc.policy, std::chrono::seconds{10}, std::move(ps))
          .then(
              [self](kernel_reply& rep) {
                if (!rep.ok) {
                  COATI_LOG(error, "child", "generated policies not installed: ", rep.error);
                  child_count(self, "policy_add_failed");
                } else {
                  child_count(self, "policies_generated");
                }
              },
              [self](caf::error& e) {
                COATI_LOG(error, "child", "policy actor: ", self->system().render(e));
              });
    }
  }
}

void child_established_now(child_actor_t* self) {
  auto& st = self->state;
  const auto& c = *st.qm->established();
  st.timer_gen += 1;
  COATI_LOG(notify, "child", "IPsec-SA established: ESP/", c.ipcomp ? "Transport+IPComp" : "Tunnel",
            " ", st.args.ends.remote.to_string(), "->", st.args.ends.local.to_string(),
            " spi=", hex32(c.inbound.spi), " ", st.args.ends.local.to_string(), "->",
            st.args.ends.remote.to_string(), " spi=", hex32(c.outbound.spi), " (",
            short_enc(c.agreed), "/", short_auth(c.agreed), ")");
  child_count(self, "phase2_up");
  install(self);
  child_rows(self);
  auto life = std::chrono::seconds{std::max<std::uint32_t>(c.lifetime, 2)};
  if (st.args.initiator)
    self->delayed_send(self, life * 9 / 10, expire_atom_v, std::uint32_t{1});
  self->delayed_send(self, life, expire_atom_v, true);
}

void child_fail(child_actor_t* self, const std::string& why) {
  COATI_LOG(error, "child", "quick mode with ", where(self->state.args.ends), " failed: ", why);
  child_count(self, "phase2_failed");
  self->quit();
}

void child_receive(child_actor_t* self, datagram& d) {
  auto& st = self->state;
  std::span<const std::uint8_t> body{d.bytes};
  if (d.natt && body.size() >= 4)
    body = body.subspan(4);
  bool was_up = st.qm->established() != nullptr;
  auto step = st.qm->receive(body);
  child_send(self, step.send);
  if (step.status == ike::child_status::failed) {
    child_fail(self, step.problem);
    return;
  }
  if (!step.problem.empty())
    COATI_LOG(info, "child", where(st.args.ends), ": ignored: ", step.problem);
  if (!step.retransmit && !step.send.empty() && !st.qm->established()) {
    child_arm(self);
    if (!st.args.initiator && !st.policies) { // QM2 sent
      generate(self);
      child_rows(self);
    }
  }
  if (!was_up && st.qm->established())
    child_established_now(self);
}

ike::phase1_context context_of(const child_state& st) {
  return ike::phase1_context{&st.args.p1->sa.keys, st.args.p1->sa.icookie, st.args.p1->sa.rcookie};
}

/// SPIs are here: build the exchange and run what was waiting.
void child_start(child_actor_t* self) {
  auto& st = self->state;
  if (st.args.initiator) {
    auto p2 = phase2_of(*st.args.sainfo, st.args.snap.cfg->remotes.at(st.args.remote));
    p2.ipcomp = p2.ipcomp && st.args.offer_ipcomp;
    st.sainfo = st.args.sainfo;
    st.qm.emplace(ike::quick_mode::initiator(context_of(st), p2, *id_of(*st.sainfo->local),
                                             *id_of(*st.sainfo->remote), st.args.message_id,
                                             st.spi, st.cpi));
    auto step = st.qm->start();
    child_send(self, step.send);
    child_arm(self);
  } else {
    auto snap = st.args.snap;
    auto remote = st.args.remote;
    auto lookup = [self, snap, remote](const ike::id_payload& idci,
                                       const ike::id_payload& idcr)
        -> std::optional<ike::phase2_policy> {
      const auto* s = find_sainfo(*snap.cfg, idci, idcr);
      if (s == nullptr) {
        COATI_LOG(error, "child", "no sainfo for ", idci.to_string(), " <-> ", idcr.to_string());
        return std::nullopt;
      }
      self->state.sainfo = s;
      return phase2_of(*s, snap.cfg->remotes.at(remote));
    };
    st.qm.emplace(ike::quick_mode::responder(context_of(st), lookup, st.args.message_id, st.spi,
                                             st.cpi));
  }
  auto waiting = std::move(st.waiting);
  st.waiting.clear();
  for (auto& d : waiting) {
    if (!st.qm)
      return;
    child_receive(self, d);
  }
}

} // namespace

child_state::~child_state() {
  // Remove what we installed (each SA once), then our policies.
  std::vector<std::pair<std::uint32_t, kernel::xfrm_proto>> seen;
  for (auto& rq : to_remove) {
    auto key = std::make_pair(rq.spi, rq.proto);
    if (std::find(seen.begin(), seen.end(), key) != seen.end())
      continue;
    seen.push_back(key);
    caf::anon_send(args.svc.kernel, rq);
  }
  if (policies)
    caf::anon_send(args.svc.policy, policy_remove_atom_v, self_addr);
  if (qm && qm->established() && !remote_deleted) {
    // Delete names our inbound SPI (RFC 2408 §3.15), like racoon.
    std::uint32_t in_spi = qm->established()->inbound.spi;
    if (auto out = informational_to(args.ends, *args.p1,
                                    {ike::delete_ipsec_sas(ike::protocol_id::esp, {&in_spi, 1})}))
      caf::anon_send(args.listener, std::move(*out));
  }
  if (qm && qm->established()) {
    COATI_LOG(notify, "child", "IPsec-SA removed: spi ", hex32(qm->established()->inbound.spi),
              "/", hex32(qm->established()->outbound.spi), " with ", where(args.ends));
    caf::anon_send(args.listener, event_atom_v, std::string{"phase2_down"});
  }
}

caf::behavior child_actor(child_actor_t* self, child_args args) {
  self->set_exception_handler(exit_reason_of);
  auto& st = self->state;
  st.args = std::move(args);
  st.self_addr = self->address();
  if (st.args.first) {
    st.waiting.push_back(std::move(*st.args.first));
    st.args.first.reset();
  }
  // Our inbound SPI (and an IPComp CPI) from the kernel, before anything else.
  auto ask = [self](kernel::xfrm_proto proto) {
    kernel_request rq;
    rq.what = kernel_request::op::alloc_spi;
    rq.src = self->state.args.ends.remote;
    rq.dst = self->state.args.ends.local;
    rq.proto = proto;
    return rq;
  };
  self->request(st.args.svc.kernel, std::chrono::seconds{10}, ask(kernel::xfrm_proto::esp))
      .then(
          [self, ask](kernel_reply& r) {
            auto& s = self->state;
            if (!r.ok) {
              child_fail(self, "no SPI from the kernel: " + r.error);
              return;
            }
            s.spi = r.value;
            kernel_request larval;
            larval.what = kernel_request::op::delete_sa;
            larval.dst = s.args.ends.local;
            larval.spi = r.value;
            s.to_remove.push_back(larval);
            self->request(s.args.svc.kernel, std::chrono::seconds{10},
                          ask(kernel::xfrm_proto::comp))
                .then(
                    [self](kernel_reply& c) {
                      auto& s2 = self->state;
                      if (c.ok) {
                        s2.cpi = static_cast<std::uint16_t>(c.value);
                        kernel_request l2;
                        l2.what = kernel_request::op::delete_sa;
                        l2.dst = s2.args.ends.local;
                        l2.spi = c.value;
                        l2.proto = kernel::xfrm_proto::comp;
                        s2.to_remove.push_back(l2);
                      } else {
                        // No IPComp in this kernel: propose a CPI anyway; the SA add will
                        // report the kernel's error.
                        s2.cpi = static_cast<std::uint16_t>(0x100 + (crypto::random_u32() % 0xfe00));
                      }
                      child_start(self);
                    },
                    [self](caf::error& e) {
                      child_fail(self, "kernel actor: " + self->system().render(e));
                    });
          },
          [self](caf::error& e) { child_fail(self, "kernel actor: " + self->system().render(e)); });
  self->delayed_send(self, timers(st.args.snap).phase2, expire_atom_v, false);
  return {
      [self](datagram& d) {
        if (!self->state.qm) {
          self->state.waiting.push_back(std::move(d));
          return;
        }
        child_receive(self, d);
      },
      [self](tick_atom, std::uint64_t gen) {
        auto& s = self->state;
        if (gen != s.timer_gen || !s.qm || s.qm->established())
          return;
        if (++s.tries >= std::max(1U, timers(s.args.snap).counter)) {
          child_fail(self, "no answer after " + std::to_string(s.tries) + " transmissions");
          return;
        }
        child_count(self, "retransmitted");
        child_send(self, {s.qm->last_sent()});
        self->delayed_send(self, timers(s.args.snap).interval, tick_atom_v, gen);
      },
      [self](delete_atom, std::uint32_t spi) {
        auto& s = self->state;
        bool ours = spi == 0 || (s.qm && s.qm->negotiated().outbound.spi == spi);
        if (!ours)
          return;
        COATI_LOG(notify, "child", where(s.args.ends), " deleted the IPsec-SA",
                  spi != 0 ? " with SPI " + hex32(spi) : std::string{});
        s.remote_deleted = true;
        self->quit();
      },
      [self](expire_atom, std::uint32_t) {
        // Soft lifetime (initiator): ask the peer for a successor; this one lives on
        // until its hard lifetime.
        self->send(self->state.args.peer, expire_atom_v, self->state.args.message_id);
      },
      [self](expire_atom, bool hard) {
        auto& s = self->state;
        if (!hard) { // the phase2 timer
          if (!s.qm || !s.qm->established())
            child_fail(self, "quick mode not complete within the phase2 timer");
          return;
        }
        COATI_LOG(notify, "child", where(s.args.ends), ": IPsec-SA expired");
        child_count(self, "phase2_expired");
        self->quit();
      },
  };
}

} // namespace coati::actors
