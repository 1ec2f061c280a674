#include "actors/rekey.hpp"

#include <algorithm>

#include "actors/child_parts.hpp"
#include "config/config.hpp"
#include "crypto/random.hpp"
#include "util/log.hpp"

namespace coati::actors {

namespace {

std::string spi_of(const peer_state& st) {
  return st.p1 ? cookie_text(st.p1->sa().icookie, st.p1->sa().rcookie) : std::string{"?"};
}

/// Our children, no longer ours: for a successor to adopt.
std::shared_ptr<handover_data> take_children(peer_self self) {
  auto& st = self->state;
  auto d = std::make_shared<handover_data>();
  d->remote = st.link.ends.remote.to_string();
  d->peer_id = st.p1 ? st.p1->peer_id : std::string{};
  d->xauth_user = st.xauth_user();
  d->remote_deleted = st.remote_deleted;
  for (const auto& [mid, child, sainfo] : st.children) {
    adopted_child c;
    c.child = child;
    c.message_id = mid;
    c.sainfo = sainfo;
    c.snap = st.args.snap;
    self->demonitor(child.address());
    d->children.push_back(std::move(c));
  }
  st.children.clear();
  return d;
}

} // namespace

void rekey_phase1_up(peer_self self, std::chrono::seconds lifetime) {
  auto& st = self->state;
  if (st.args.predecessor) // a rekey: the predecessor hands its children over and ends
    self->send(*st.args.predecessor, rekey_atom_v, caf::actor_cast<caf::actor>(self));
  const auto& r = st.args.snap.cfg->remotes.at(st.args.remote);
  if (!st.args.initiator || r.rekey == config::tristate::off)
    return;
  // racoon rekeys at 80 % of the lifetime; a little jitter keeps many satellites with
  // one hub from rekeying in the same second.
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(lifetime).count();
  auto jitter = static_cast<std::int64_t>(crypto::random_u32() % (ms * 5 / 100 + 1));
  self->delayed_send(self, std::chrono::milliseconds{ms * 80 / 100 + jitter}, rekey_atom_v);
}

void rekey_soft(peer_self self) {
  auto& st = self->state;
  if (!st.p1 || st.rekeying)
    return;
  const auto& r = st.args.snap.cfg->remotes.at(st.args.remote);
  if (r.rekey != config::tristate::force && st.children.empty()) {
    COATI_LOG(info, "peer", where(st.link.ends), ": no phase-1 rekey of ISAKMP-SA ", spi_of(st),
              ": no IPsec-SA under it (rekey on); it ends with its lifetime");
    return;
  }
  st.rekeying = true;
  st.link.count(self, "phase1_rekey_started");
  COATI_LOG(notify, "peer", where(st.link.ends),
            ": phase-1 rekey: negotiating the successor of ISAKMP-SA ", spi_of(st), " (",
            st.children.size(), " IPsec-SA(s) under it)");
  self->send(st.link.listener, rekey_atom_v, st.link.ends.remote.to_string());
}

void rekey_succeeded(peer_self self, const caf::actor& successor) {
  auto& st = self->state;
  auto h = caf::actor_cast<peer_api>(successor);
  if (!h || !st.p1)
    return;
  auto d = take_children(self);
  st.handed_over = true;
  COATI_LOG(notify, "peer", where(st.link.ends), ": phase-1 rekey: ISAKMP-SA ", spi_of(st),
            " hands ", d->children.size(), " IPsec-SA(s) to its successor and is deleted");
  self->send(h, handover{std::move(d)});
  self->quit();
}

void release_children(peer_self self) {
  auto& st = self->state;
  if (!st.p1 || st.children.empty())
    return;
  // Our successor is under way: it takes the children when it is up (the listener keeps
  // them meanwhile), so the tunnel goes on: no phase1_down (nor phase1_up after).
  if (st.rekeying)
    st.handed_over = true;
  self->send(st.link.listener, handover{take_children(self)});
}

void adopt_children(peer_self self, const handover& h) {
  auto& st = self->state;
  if (!h.data)
    return;
  const auto& d = *h.data;
  if (!st.p1 || st.p1->peer_id != d.peer_id || st.xauth_user() != d.xauth_user) {
    COATI_LOG(warning, "peer", where(st.link.ends), ": not adopting ", d.children.size(),
              " IPsec-SA(s) of an ISAKMP-SA with another ID (\"", d.peer_id, "\"): they end");
    st.link.count(self, "phase1_handover_refused");
    for (const auto& c : d.children)
      caf::anon_send_exit(c.child, caf::exit_reason::user_shutdown);
    return;
  }
  for (const auto& c : d.children) {
    auto mid = c.message_id;
    while (mid == 0 || st.child(mid) != nullptr)
      mid = crypto::random_u32();
    self->monitor(c.child);
    st.children.push_back({mid, c.child, c.sainfo});
    if (c.sainfo != nullptr && c.snap.cfg != st.args.snap.cfg)
      st.held.push_back(c.snap);
    auto a = std::make_shared<adoption_data>();
    a->peer = caf::actor_cast<peer_api>(self);
    a->p1 = st.p1;
    a->link = st.link;
    a->message_id = mid;
    self->send(c.child, adoption{std::move(a)});
  }
  st.link.count(self, "phase1_rekeyed");
  COATI_LOG(notify, "peer", "phase-1 rekey: ISAKMP-SA ", spi_of(st), " with ", where(st.link.ends),
            " carries the ", d.children.size(), " IPsec-SA(s) of the previous one");
}

void child_adopted(child_self self, const adoption& a) {
  auto& s = self->state;
  if (!a.data)
    return;
  if (s.up() == nullptr) { // a quick mode under the old keys cannot go on
    COATI_LOG(info, "child", where(s.args.link.ends),
              ": quick mode under way when its ISAKMP-SA was rekeyed: abandoned");
    self->quit();
    return;
  }
  s.args.peer = a.data->peer;
  s.args.p1 = a.data->p1;
  s.args.link = a.data->link;
  s.args.message_id = a.data->message_id;
}

} // namespace coati::actors
