#include "actors/initiate.hpp"

#include "actors/rekey.hpp"
#include "actors/setup.hpp"
#include "actors/udp_io.hpp"
#include "crypto/random.hpp"
#include "util/log.hpp"

namespace coati::actors {

ike::cookie fresh_cookie(const listener_state& st) {
  ike::cookie c{};
  do
    crypto::random_fill(c);
  while (st.by_cookie.contains(c) || c == ike::cookie{});
  return c;
}

newest_of newest_peers(const listener_state& st, const std::string& remote,
                       const caf::actor_addr& gone) {
  newest_of out;
  std::uint64_t up_seq = 0, negotiating_seq = 0;
  st.by_remote.each(remote, [&](const caf::actor_addr& a) {
    auto p = st.peers.find(a);
    if (a == gone || p == st.peers.end())
      return;
    auto& seq = p->second.up ? up_seq : negotiating_seq;
    auto& addr = p->second.up ? out.up : out.negotiating;
    if (p->second.seq > seq) {
      seq = p->second.seq;
      addr = a;
    }
  });
  return out;
}

void half_open_done(listener_state& st, peer_entry& e) {
  if (!e.half_open)
    return;
  e.half_open = false;
  st.admit.closed(e.remote);
  st.half_open_age.erase(e.seq);
}

void start_peer(listener_actor* self, peer_args pa, const ike::cookie& icookie) {
  auto& st = self->state;
  pa.snap = st.snap;
  pa.svc = st.svc;
  pa.link.listener = self;
  if (st.io)
    pa.link.sender = st.io->sender();
  pa.link.alarms = st.alarms; // (none without sockets: actor tests run on CAF's clock)
  pa.link.board = st.board;
  peer_entry e;
  e.icookie = icookie;
  e.remote = pa.link.ends.remote.to_string();
  e.local = pa.link.ends.local.to_string();
  e.initiator = pa.initiator;
  e.seq = ++st.peer_seq;
  e.half_open = !pa.initiator;
  if (e.half_open)
    st.admit.opened(e.remote);
  auto peer = self->spawn<peer_actor, caf::monitored>(std::move(pa));
  if (e.half_open)
    st.half_open_age.emplace(e.seq, peer.address());
  st.by_cookie[icookie] = peer;
  st.by_remote.add(e.remote, peer.address());
  st.peers[peer.address()] = std::move(e);
}

namespace {

/// A new initiating phase 1 to `addr` (a rekey's when `predecessor` is set).
std::string initiate(listener_actor* self, const config::ip_address* addr,
                     const kernel::acquire_event* acquire, std::optional<peer_api> predecessor) {
  auto& st = self->state;
  auto text = addr->to_string();
  auto remote = find_remote(*st.snap.cfg, *addr, 0);
  if (!remote) {
    st.keep.forget(text);
    return "error: no remote block for " + text;
  }
  const auto& r = st.snap.cfg->remotes[*remote];
  if (r.passive) { // racoon: a passive remote only answers
    st.keep.forget(text);
    st.counts[acquire != nullptr ? "acquire_passive" : "connect_passive"] += 1;
    return "error: remote " + r.name + " is passive (passive on): coatid only answers " + text;
  }
  auto local = source_for(*addr);
  if (!local)
    return "error: no route to " + text;
  peer_args pa;
  pa.remote = *remote;
  pa.link.ends.local = *local;
  pa.link.ends.local_port = st.ike_port;
  pa.link.ends.remote = *addr;
  pa.link.ends.remote_port = r.port != 0 ? r.port : 500;
  pa.initiator = true;
  // As racoon: the remote's first exchange_mode is the one we start.
  pa.aggressive =
      !r.exchange_modes.empty() && r.exchange_modes.front() == config::exchange_mode::aggressive;
  pa.cookie = fresh_cookie(st);
  if (acquire != nullptr)
    pa.acquire = std::make_shared<const kernel::acquire_event>(*acquire);
  pa.predecessor = std::move(predecessor);
  auto icookie = pa.cookie;
  start_peer(self, std::move(pa), icookie);
  st.counts["peers_initiated"] += 1;
  st.keep.started(text);
  return "ok: phase 1 started with " + text;
}

} // namespace

std::string connect(listener_actor* self, const std::string& address,
                    const kernel::acquire_event* acquire) {
  auto& st = self->state;
  if (!st.snap.cfg || !st.svc->kernel)
    return "error: not ready";
  auto addr = config::ip_address::parse(address);
  if (!addr)
    return "error: not an address: " + address;
  auto text = addr->to_string();
  if (st.by_remote.any(text, [&](const caf::actor_addr& a) { return st.peers.at(a).initiator; }))
    return "ok: a negotiation with " + text + " is already under way";
  return initiate(self, &*addr, acquire, std::nullopt);
}

void start_rekey(listener_actor* self, const std::string& address) {
  auto& st = self->state;
  auto sender = caf::actor_cast<peer_api>(self->current_sender());
  auto addr = config::ip_address::parse(address);
  if (!sender || !addr || !st.snap.cfg || !st.svc->kernel || st.stopping)
    return;
  // One rekey at a time per address: another initiating peer that is not up yet is a
  // negotiation under way (a rekey, or the keeper's).
  if (st.by_remote.any(addr->to_string(), [&](const caf::actor_addr& a) {
        const auto& e = st.peers.at(a);
        return e.initiator && !e.up && a != sender.address();
      }))
    return;
  auto res = initiate(self, &*addr, nullptr, sender);
  if (res.starts_with("ok:"))
    st.counts["phase1_rekeys"] += 1;
  else
    COATI_LOG(warning, "listener", "phase-1 rekey with ", address, ": ", res);
}

namespace {

void end_children(listener_actor* self, const handover_data& d) {
  for (const auto& c : d.children) // nobody carries them on: they end
    if (d.remote_deleted)
      self->send(c.child, delete_atom_v, std::uint32_t{0}); // as deleted by the peer
    else
      self->send_exit(c.child, caf::exit_reason::user_shutdown);
}

/// To the newest established peer of the address but `gone`; kept while another phase 1
/// with it is under way (the peer's rekey, racing the expiry of our copy); else ended.
void deliver(listener_actor* self, handover h, const caf::actor_addr& gone) {
  auto& st = self->state;
  auto newest = newest_peers(st, h.data->remote, gone);
  if (st.stopping) {
    end_children(self, *h.data);
  } else if (auto p = caf::actor_cast<peer_api>(newest.up)) {
    self->send(p, std::move(h));
  } else if (newest.negotiating) {
    COATI_LOG(notify, "listener", "phase-1 rekey: ", h.data->children.size(), " IPsec-SA(s) of ",
              h.data->remote, " wait for the phase 1 under way with it");
    st.counts["handovers_parked"] += 1;
    auto remote = h.data->remote;
    st.parked.emplace(std::move(remote), std::move(h));
  } else {
    end_children(self, *h.data);
  }
}

} // namespace

void route_handover(listener_actor* self, handover h) {
  if (h.data)
    deliver(self, std::move(h), caf::actor_cast<caf::actor_addr>(self->current_sender()));
}

void handover_check(listener_actor* self, const std::string& remote, const caf::actor_addr& gone) {
  auto& st = self->state;
  auto [from, to] = st.parked.equal_range(remote);
  if (from == to)
    return;
  std::vector<handover> waiting;
  for (auto i = from; i != to; ++i)
    waiting.push_back(std::move(i->second));
  st.parked.erase(from, to);
  for (auto& h : waiting)
    deliver(self, std::move(h), gone);
}

void route_acquire(listener_actor* self, const kernel::acquire_event& acq, const kernel_event& ke) {
  auto& st = self->state;
  auto dst = acq.dst.to_string();
  st.keep.acquired(dst, acq);
  // Several peers of one address (a new phase 1 while an old one lingers): the newest
  // established one, else the newest; never an older, possibly stale one first.
  auto newest = newest_peers(st, dst, {});
  if (auto h = caf::actor_cast<peer_api>(newest.up ? newest.up : newest.negotiating)) {
    self->send(h, ke);
    return;
  }
  auto res = connect(self, dst, &acq);
  COATI_LOG(info, "listener", "ACQUIRE for ", acq.sel.src.to_string(), "/", int{acq.sel.src_prefix},
            " -> ", acq.sel.dst.to_string(), "/", int{acq.sel.dst_prefix}, ": ", res);
}

void route_mapping(listener_actor* self, const kernel::mapping_event& m, const kernel_event& ke) {
  auto& st = self->state;
  st.counts["mappings"] += 1;
  // Every peer at the SA's old address (several roadwarriors may share one NAT): the child
  // whose inbound SA it names follows it.
  auto old = m.old_src.to_string();
  if (!st.by_remote.contains(old)) {
    st.counts["mappings_unknown"] += 1;
    return;
  }
  st.by_remote.each(old, [&](const caf::actor_addr& a) {
    if (auto h = caf::actor_cast<peer_api>(a))
      self->send(h, ke);
  });
}

void keeper_peer_ended(listener_actor* self, const caf::actor_addr& gone, const peer_entry& e) {
  auto& st = self->state;
  if (st.stopping)
    return;
  // Another phase 1 with the address lives on (a newer one, or the hub's own after its
  // INITIAL-CONTACT purged ours): it is the tunnel now; its end schedules the next.
  if (st.by_remote.any(e.remote, [&](const caf::actor_addr& a) { return a != gone; }))
    return;
  auto next = st.keep.ended(e.remote, e.up);
  if (!next)
    return;
  st.counts[e.up ? "keeper.lost" : "keeper.failed"] += 1;
  COATI_LOG(notify, "listener", "keeper: the phase 1 with ", e.remote,
            e.up ? " ended" : " did not come up", ": a new one in ", next->first.count(), " s");
  self->delayed_send(self, next->first, tick_atom_v, e.remote, next->second);
}

void keeper_tick(listener_actor* self, const std::string& remote, std::uint64_t gen) {
  auto& st = self->state;
  if (st.stopping)
    return;
  const auto* k = st.keep.due(remote, gen);
  if (k == nullptr)
    return; // stale: a phase 1 was started meanwhile
  auto acquire = k->acquire;
  if (st.by_remote.contains(remote))
    return; // a phase 1 with it started meanwhile (the hub's, or an ACQUIRE's)
  auto res = connect(self, remote, acquire ? &*acquire : nullptr);
  if (res.starts_with("ok: phase 1 started")) {
    st.counts["keeper.reinitiated"] += 1;
    COATI_LOG(notify, "listener", "keeper: re-initiating phase 1 with ", remote,
              acquire ? " (and the quick mode of its last ACQUIRE)" : "");
    return;
  }
  COATI_LOG(warning, "listener", "keeper: ", remote, ": ", res);
  if (res.starts_with("error: no route") || res.starts_with("error: not ready")) {
    peer_entry e; // as a failed attempt: try again later
    e.remote = remote;
    keeper_peer_ended(self, caf::actor_addr{}, e);
  }
}

} // namespace coati::actors
