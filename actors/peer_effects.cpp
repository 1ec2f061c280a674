#include "actors/peer_parts.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "actors/child.hpp"
#include "actors/peer_natt.hpp"
#include "actors/rekey.hpp"
#include "actors/roadwarrior.hpp"
#include "actors/setup.hpp"
#include "config/config.hpp"
#include "crypto/random.hpp"
#include "crypto/x509.hpp"
#include "ike/informational.hpp"
#include "kernel/policy_gen.hpp"
#include "util/log.hpp"

namespace coati::actors {

namespace {

std::string id_text(const ike::id_payload& id) {
  if (id.kind == ike::id_type::der_asn1_dn)
    return crypto::dn_to_text(id.data);
  // A key ID that is text (vpnc's group name) reads as that text, not as hex.
  auto plain = [](std::uint8_t c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; };
  if (id.kind == ike::id_type::key_id && !id.data.empty() &&
      std::all_of(id.data.begin(), id.data.end(), plain))
    return std::string(id.data.begin(), id.data.end());
  return id.to_string();
}

} // namespace

const config::timer_block& timers(const peer_state& st) {
  return st.args.snap.cfg->timer;
}

/// An event of `kind` for the bus, about this peer (its identity, user and lease as known).
bus_event peer_event(const peer_state& st, std::string kind) {
  auto e =
      make_event(std::move(kind), st.link.ends.remote.to_string(), st.link.ends.local.to_string());
  e.user = st.xauth_user();
  if (st.lease())
    e.lease = st.lease()->to_string();
  if (st.p1)
    e.id = st.p1->peer_id;
  return e;
}

void count(peer_self self, std::string what) {
  self->state.link.count(self, std::move(what));
}

/// Our ISAKMP SA's show-sa row.
std::string isakmp_row(const peer_state& st) {
  const auto& a = st.args;
  ike::cookie i = a.initiator ? a.cookie : ike::cookie{};
  ike::cookie r = a.initiator ? ike::cookie{} : a.cookie;
  if (st.p1) {
    i = st.p1->sa().icookie;
    r = st.p1->sa().rcookie;
  }
  auto created = std::chrono::system_clock::to_time_t(st.created);
  char when[32];
  std::tm local{};
  ::localtime_r(&created, &local); // peers answer on several threads at once
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &local);
  std::string row = st.link.ends.local.to_string() + " " + where(st.link.ends) + " " +
                    cookie_text(i, r) + " " + (a.initiator ? "initiator " : "responder ") +
                    st.state_text + " " + when;
  if (st.p1)
    row += " id=\"" + st.p1->peer_id + "\"";
  if (st.user) {
    row += " user=\"" + ike::escape_text(st.user->name) + "\"";
    if (st.user->config && st.user->config->address)
      row += " address=" + dotted(*st.user->config->address);
  }
  return row;
}

/// racoon's hook environment.
std::vector<std::string> script_env(const peer_state& st) {
  std::vector<std::string> env{
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "LOCAL_ADDR=" + st.link.ends.local.to_string(),
      "LOCAL_PORT=" + std::to_string(st.link.ends.local_port),
      "REMOTE_ADDR=" + st.link.ends.remote.to_string(),
      "REMOTE_PORT=" + std::to_string(st.link.ends.remote_port),
  };
  if (st.p1) {
    env.push_back("REMOTE_ID=" + st.p1->peer_id);
    env.push_back("IKE_COOKIE=" + cookie_text(st.p1->sa().icookie, st.p1->sa().rcookie));
  }
  if (st.args.snap.cfg->mode_cfg || st.user) // racoon with hybrid support
    for (auto& v : mode_cfg_env(st.xauth_user(), st.user ? st.user->config.get() : nullptr))
      env.push_back(std::move(v));
  return env;
}

namespace {

void run_script(peer_self self, const std::string& path) {
  if (path.empty() || !self->state.args.svc->script)
    return;
  self->send(self->state.args.svc->script, script_atom_v, path, script_env(self->state));
}

} // namespace

void spawn_child(peer_self self, std::uint32_t mid, std::optional<ike::bytes> first,
                 const config::sainfo_block* sainfo) {
  auto& st = self->state;
  child_args ca;
  ca.snap = st.args.snap;
  ca.svc = st.args.svc;
  ca.link = st.link;
  ca.peer = caf::actor_cast<peer_api>(self);
  ca.remote = st.args.remote;
  ca.p1 = st.p1;
  ca.message_id = mid;
  ca.initiator = !first.has_value();
  if (first)
    ca.first_from = arrival_datagram(st.arrival); // (QM1 is the datagram being handled)
  ca.first = std::move(first);
  ca.terms.sainfo = sainfo;
  ca.terms.offer_ipcomp = st.args.acquire && st.args.acquire->ipcomp;
  if (st.user) {
    ca.terms.lease = st.user->lease;
    ca.xauth_user = st.user->name;
    ca.terms.xauth_groups = st.user->groups;
  }
  if (ca.initiator) {
    if (st.args.acquire)
      ca.reqid = st.args.acquire->reqid;
    st.session->child_started(mid);
  }
  st.children.push_back({mid, self->spawn<child_actor, caf::monitored>(std::move(ca)), sainfo});
}

std::uint32_t fresh_message_id(const peer_state& st) {
  std::uint32_t mid = 0;
  while (mid == 0 || st.child(mid) != nullptr)
    mid = crypto::random_u32();
  return mid;
}

/// Initiator: start quick mode for each sainfo we can propose (or the one covering an
/// acquired flow).
void start_children(peer_self self) {
  auto& st = self->state;
  const auto& cfg = *st.args.snap.cfg;
  for (const auto* s : initiator_sainfos(cfg)) {
    bool busy = false;
    for (const auto& c : st.children)
      busy = busy || c.sainfo == s;
    if (busy)
      continue; // a quick mode for this sainfo is under way or up
    if (st.args.acquire) {
      auto local = id_of(*s->local);
      auto remote = id_of(*s->remote);
      auto l = local ? kernel::prefix_of(*local) : std::nullopt;
      auto r = remote ? kernel::prefix_of(*remote) : std::nullopt;
      const auto& sel = st.args.acquire->sel;
      if (!l || !r || l->addr != sel.src || l->prefix != sel.src_prefix || r->addr != sel.dst ||
          r->prefix != sel.dst_prefix)
        continue;
    }
    spawn_child(self, fresh_message_id(st), std::nullopt, s);
  }
}

/// Arms the DPD timer for the session's next due time (a new generation: older ones are stale).
void arm_dpd(peer_self self) {
  auto& st = self->state;
  auto next = st.session->dpd_next();
  if (!next)
    return;
  auto wait = std::chrono::ceil<std::chrono::milliseconds>(*next - ike::dpd_clock::now());
  later(self, st.link, std::max(wait, std::chrono::milliseconds{1}), dpd_atom_v, ++st.dpd_gen);
}

namespace {

/// DPD as the remote block says (dpd, dpd_delay, dpd_retry, dpd_maxfail), once phase 1 is up.
void start_dpd(peer_self self) {
  auto& st = self->state;
  const auto& r = st.args.snap.cfg->remotes.at(st.args.remote);
  if (!r.dpd || r.dpd_delay == 0)
    return;
  ike::dpd_timing t{std::chrono::seconds{r.dpd_delay}, std::chrono::seconds{r.dpd_retry},
                    r.dpd_maxfail};
  if (!st.session->start_dpd(t, ike::dpd_clock::now())) {
    COATI_LOG(notify, "peer", where(st.link.ends),
              ": sent no DPD vendor ID: dead peer detection is off for it");
    count(self, "dpd.peer_without_dpd");
    return;
  }
  COATI_LOG(info, "peer", where(st.link.ends), ": DPD on: R-U-THERE after ", r.dpd_delay,
            " s without news, every ", r.dpd_retry, " s, dead after ", r.dpd_maxfail,
            " unanswered");
  arm_dpd(self);
}

/// DPD says the peer is dead: phase1_dead (racoon's environment), then the ISAKMP SA ends;
/// its end removes the IPsec SAs and generated policies and runs phase1_down, as racoon's
/// purge does.
void peer_dead(peer_self self, const ike::dpd_dead_effect& d) {
  auto& st = self->state;
  COATI_LOG(notify, "peer", "DPD: remote ", where(st.link.ends), " (ISAKMP-SA spi=",
            st.p1 ? cookie_text(st.p1->sa().icookie, st.p1->sa().rcookie) : std::string{"?"},
            ") seems to be dead: ", d.probes, " R-U-THERE unanswered; removing its SAs");
  run_script(self, st.args.snap.cfg->remotes.at(st.args.remote).script_phase1_dead);
  st.link.count(self, "phase1_dead");
  publish(st.args.svc->bus, peer_event(st, "phase1_dead"));
  st.state_text = "dead";
  self->quit();
}

void phase1_up(peer_self self, bool config_follows) {
  auto& st = self->state;
  auto shared = std::make_shared<phase1_shared>();
  shared->est = st.session->established_shared();
  const auto& sa = *shared->est;
  shared->peer_id = id_text(sa.peer_id);
  st.p1 = shared;
  st.state_text = "established";
  st.rtx.stop();
  self->send(st.link.listener, established_atom_v, shared->peer_id,
             config_follows); // no longer half-open
  const auto& r = st.args.snap.cfg->remotes.at(st.args.remote);
  COATI_LOG(notify, "peer", "ISAKMP-SA established ", st.link.ends.local.to_string(), "[",
            st.link.ends.local_port, "]-", where(st.link.ends),
            " spi:", cookie_text(sa.icookie, sa.rcookie), " id \"", st.p1->peer_id, "\"");
  // An XAuth server runs it once the client has its config (racoon); a rekey's successor
  // does not: the tunnel never went down (its predecessor runs no phase1_down either).
  if (!config_follows && (!st.args.predecessor || st.predecessor_gone))
    run_script(self, r.script_phase1_up);
  publish(st.args.svc->bus, peer_event(st, "phase1_up"));
  // The ISAKMP SA's lifetime: gone when it ends, replaced before (rekey, initiator).
  // A proposal without a lifetime (0) gets the remote block's.
  auto life = sa.agreed.lifetime != 0 ? std::chrono::seconds{sa.agreed.lifetime} : r.lifetime;
  later(self, st.link, life, expire_atom_v, true);
  rekey_phase1_up(self, life);
  if (st.args.acquire) // started by traffic: its quick mode now
    start_children(self);
  start_dpd(self);
  natt_start_keepalives(self);
}

void log_line(const peer_state& st, const ike::log_effect& l) {
  auto who = where(st.link.ends);
  switch (l.level) {
  case ike::log_level::error:
    COATI_LOG(error, "peer", who, ": ", l.text);
    break;
  case ike::log_level::warning:
    COATI_LOG(warning, "peer", who, ": ", l.text);
    break;
  case ike::log_level::notify:
    COATI_LOG(notify, "peer", who, ": ", l.text);
    break;
  case ike::log_level::info:
    COATI_LOG(info, "peer", who, ": ", l.text);
    break;
  }
}

/// XAuth REPLY: the auth actor checks the user, the pool leases an address; the session
/// gets the verdict (with the user's Mode Config values when both said yes).
void check_credentials(peer_self self, ike::check_credentials_effect c) {
  auto& st = self->state;
  if (!st.user)
    st.user = std::make_unique<roadwarrior_part>();
  st.user->name = c.user;
  auto verdict = [self](std::optional<ike::mode_cfg_values> v, const std::string& why,
                        std::vector<std::string> groups) {
    auto& s = self->state;
    if (v) {
      s.user->lease = ip_of(*v->address);
      s.user->groups = std::move(groups);
      self->send(s.link.listener, user_atom_v, s.user->name);
      publish(s.args.svc->bus, peer_event(s, "xauth_ok"));
      publish(s.args.svc->bus, peer_event(s, "lease_granted"));
    } else {
      auto e = peer_event(s, "xauth_fail");
      e.detail = why;
      publish(s.args.svc->bus, std::move(e));
    }
    perform(self, s.session->xauth_verdict(std::move(v), why));
  };
  const auto* m = st.args.snap.cfg->mode_cfg ? &*st.args.snap.cfg->mode_cfg : nullptr;
  if (m == nullptr || !st.args.svc->auth || !st.args.svc->pool) {
    verdict(std::nullopt, "this hub has no mode_cfg block: nobody can log in", {});
    return;
  }
  auth_request rq{c.user, std::move(c.password), where(st.link.ends)};
  check_roadwarrior(self, *st.args.svc, *m, std::move(rq), verdict);
}

/// Mode Config REPLY sent: the client is set up; racoon runs phase1_up now.
void config_done(peer_self self, ike::config_done_effect d) {
  auto& st = self->state;
  if (!st.user) // (the session asks for credentials before Mode Config)
    st.user = std::make_unique<roadwarrior_part>();
  st.user->config = std::make_unique<ike::mode_cfg_values>(std::move(d.values));
  const auto& config = st.user->config;
  const auto& m = st.args.snap.cfg->mode_cfg;
  const auto* g = m ? group_values_for(*m, st.user->groups) : nullptr;
  COATI_LOG(notify, "peer", where(st.link.ends), ": user \"", ike::escape_text(d.user), "\" has ",
            config->address ? dotted(*config->address) : std::string{"no address"},
            g != nullptr ? " (the values of mode_cfg group \"" + g->name + "\")" : std::string{});
  if (config->address && st.args.svc->ddns) // A + PTR while this peer lives
    self->send(st.args.svc->ddns, ddns_register{d.user, dotted(*config->address),
                                                caf::actor_cast<caf::actor_addr>(self)});
  run_script(self, st.args.snap.cfg->remotes.at(st.args.remote).script_phase1_up);
}

} // namespace

/// Performs what the session decided, in order. False when the actor has ended.
bool perform(peer_self self, ike::effects fx) {
  auto& st = self->state;
  for (auto& e : fx) {
    if (auto* s = std::get_if<ike::send_effect>(&e)) {
      st.link.send(self, s->wire);
      if (s->awaits_reply)
        arm_retransmit(self, st.rtx, std::move(s->wire), st.link, timers(st));
    } else if (auto* c = std::get_if<ike::count_effect>(&e)) {
      count(self, std::move(c->name));
    } else if (auto* l = std::get_if<ike::log_effect>(&e)) {
      log_line(st, *l);
    } else if (auto* u = std::get_if<ike::phase1_up_effect>(&e)) {
      phase1_up(self, u->config_follows);
    } else if (auto* cc = std::get_if<ike::check_credentials_effect>(&e)) {
      check_credentials(self, std::move(*cc));
    } else if (auto* cd = std::get_if<ike::config_done_effect>(&e)) {
      config_done(self, std::move(*cd));
    } else if (std::holds_alternative<ike::stop_retransmit_effect>(e)) {
      st.rtx.stop();
    } else if (auto* end = std::get_if<ike::end_effect>(&e)) {
      COATI_LOG(notify, "peer", where(st.link.ends), ": ending the ISAKMP-SA: ", end->why);
      self->quit();
      return false;
    } else if (auto* f = std::get_if<ike::phase1_failed_effect>(&e)) {
      COATI_LOG(error, "peer", "phase 1 with ", where(st.link.ends), " failed: ", f->text);
      st.state_text = "failed";
      self->quit();
      return false;
    } else if (auto* q = std::get_if<ike::child_datagram_effect>(&e)) {
      if (q->new_child) {
        spawn_child(self, q->message_id, std::move(q->wire), nullptr);
      } else if (auto* kid = st.child(q->message_id)) {
        auto d = arrival_datagram(st.arrival);
        d.bytes = std::move(q->wire);
        self->send(kid->child, std::move(d));
      }
    } else if (auto* d = std::get_if<ike::delete_children_effect>(&e)) {
      if (d->spi == 0) // the ISAKMP SA's Delete: deleted_by_peer_effect releases them
        continue;
      for (const auto& kid : st.children)
        self->send(kid.child, delete_atom_v, d->spi);
    } else if (std::holds_alternative<ike::initial_contact_effect>(e)) {
      self->send(st.link.listener, initial_contact_atom_v, st.link.ends.remote.to_string());
    } else if (auto* dd = std::get_if<ike::dpd_dead_effect>(&e)) {
      peer_dead(self, *dd);
      return false;
    } else if (std::holds_alternative<ike::natt_float_effect>(e)) {
      natt_float(self);
    } else if (std::holds_alternative<ike::peer_moved_effect>(e)) {
      natt_follow(self);
    } else if (std::holds_alternative<ike::deleted_by_peer_effect>(e)) {
      st.remote_deleted = true;
      release_children(self); // a successor of the same peer adopts them
      self->quit();
      return false;
    }
  }
  return true;
}

} // namespace coati::actors
