#include "actors/netwatch.hpp"

#include <cerrno>
#include <cstring>
#include <map>
#include <netinet/in.h>
#include <optional>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

#include "actors/udp_io.hpp"
#include "util/log.hpp"

namespace coati::actors {

namespace {

/// Changes closer together than this are one change (an address replaced: its removal,
/// the new one, the routes).
constexpr std::chrono::milliseconds settle{300};

using peer_slot = std::map<caf::actor_addr, peer_entry>::value_type;

peer_slot* sender_entry(listener_actor* self) {
  auto i = self->state.peers.find(caf::actor_cast<caf::actor_addr>(self->current_sender()));
  return i == self->state.peers.end() ? nullptr : &*i;
}

std::string identity_key(const peer_entry& e) {
  return e.xauth ? e.id + '\n' + e.user : e.id;
}

/// Files `e` under its identity (once known; its key is made from its ID and user, not
/// kept: 32 bytes per peer).
void file_identity(listener_state& st, const caf::actor_addr& addr, peer_entry& e) {
  if (e.filed || e.id.empty() || (e.xauth && e.user.empty()))
    return;
  e.filed = true;
  st.by_identity.add(identity_key(e), addr);
}

/// INITIAL-CONTACT of `addr` (entry `e`): the same identity's ISAKMP SAs at other
/// addresses are stale (the same address's went already).
void purge_identity(listener_actor* self, const caf::actor_addr& addr, const peer_entry& e) {
  auto& st = self->state;
  if (!e.filed)
    return;
  std::vector<std::pair<caf::actor_addr, std::string>> stale;
  st.by_identity.each(identity_key(e), [&](const caf::actor_addr& other) {
    auto p = st.peers.find(other);
    if (other != addr && p != st.peers.end() && p->second.remote != e.remote)
      stale.emplace_back(other, p->second.remote);
  });
  for (const auto& [old, where] : stale)
    if (auto h = caf::actor_cast<caf::actor>(old)) {
      COATI_LOG(notify, "listener", "INITIAL-CONTACT from ", e.remote, " (ID \"", e.id, "\"",
                e.user.empty() ? std::string{} : ", user \"" + e.user + "\"",
                "): the peer moved; removing its ISAKMP-SA with ", where, " and its IPsec-SAs");
      st.counts["initial_contact_moved"] += 1;
      self->send_exit(h, caf::exit_reason::user_shutdown);
    }
}

} // namespace

bool is_local_address(const config::ip_address& a) {
  bool v6 = a.fam == config::ip_address::family::v6;
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return true; // cannot tell: assume it is still ours
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (v6) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    s6->sin6_family = AF_INET6;
    std::memcpy(&s6->sin6_addr, a.bytes.data(), 16);
    len = sizeof *s6;
  } else {
    auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
    s4->sin_family = AF_INET;
    std::memcpy(&s4->sin_addr, a.bytes.data(), 4);
    len = sizeof *s4;
  }
  // Port 0: no port is taken; only a local address can be bound (no IP_FREEBIND).
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0 || errno != EADDRNOTAVAIL;
  ::close(fd);
  return ok;
}

void net_changed(listener_actor* self, const std::string& kind, const std::string& what) {
  auto& st = self->state;
  st.counts["net." + kind] += 1;
  COATI_LOG(info, "listener", "network: ", kind, what.empty() ? std::string{} : " " + what);
  if (kind == "addr_added" || kind == "link_up" || kind == "route_added")
    st.net_up = true;
  if (st.net_pending || st.stopping)
    return;
  st.net_pending = true;
  self->delayed_send(self, settle, net_atom_v, ++st.net_gen);
}

void net_settled(listener_actor* self, std::uint64_t gen) {
  auto& st = self->state;
  if (gen != st.net_gen || !st.net_pending)
    return;
  st.net_pending = false;
  bool up = std::exchange(st.net_up, false);
  if (st.stopping)
    return;
  st.counts["net.checks"] += 1;
  // Our route to each remote, asked once per check.
  std::map<std::string, std::optional<config::ip_address>> routes;
  auto route_to = [&](const std::string& remote) {
    auto i = routes.find(remote);
    if (i == routes.end()) {
      auto addr = config::ip_address::parse(remote);
      i = routes.emplace(remote, addr ? source_for(*addr) : std::nullopt).first;
    }
    return i->second;
  };
  struct drop {
    caf::actor_addr peer;
    std::string remote, local;
    bool gone;
    std::optional<config::ip_address> now;
  };
  std::vector<drop> drops;
  for (const auto& [addr, e] : st.peers) {
    if (!e.initiator || e.local.empty())
      continue;
    auto local = config::ip_address::parse(e.local);
    if (!local)
      continue;
    auto now = route_to(e.remote);
    if (!is_local_address(*local))
      drops.push_back({addr, e.remote, e.local, true, now});
    else if (now && *now != *local) // the route leaves from another address of ours now
      drops.push_back({addr, e.remote, e.local, false, now});
    // else: unchanged, or no route at all (a link down): the SA waits, DPD decides
  }
  for (const auto& d : drops) {
    auto h = caf::actor_cast<peer_api>(d.peer);
    if (!h)
      continue;
    COATI_LOG(notify, "listener", "keeper: our address ", d.local,
              d.gone ? " is gone" : " no longer leads to " + d.remote, ": the phase 1 with ",
              d.remote, " ends and starts again ",
              d.now ? "from " + d.now->to_string() : std::string{"once there is a route"});
    st.counts[d.gone ? "keeper.address_gone" : "keeper.route_moved"] += 1;
    st.keep.moved(d.remote);
    self->send(h, moved_atom_v, d.gone);
  }
  if (!up)
    return;
  // A kept address whose phase 1 died meanwhile: its back-off is cut short.
  for (const auto& remote : st.keep.waiting()) {
    if (st.by_remote.contains(remote) || !route_to(remote))
      continue;
    auto gen_now = st.keep.cut_short(remote);
    if (!gen_now)
      continue;
    COATI_LOG(notify, "listener", "keeper: the network is back: re-initiating with ", remote,
              " now instead of after the back-off");
    st.counts["keeper.cut_short"] += 1;
    keeper_tick(self, remote, *gen_now);
  }
}

void peer_identified(listener_actor* self, const std::string& id, bool xauth) {
  auto* p = sender_entry(self);
  if (p == nullptr)
    return;
  forget_identity(self->state, p->first, p->second); // filed again under the new ID
  p->second.id = id;
  p->second.xauth = xauth;
  file_identity(self->state, p->first, p->second);
}

void peer_user(listener_actor* self, const std::string& user) {
  auto* p = sender_entry(self);
  if (p == nullptr)
    return;
  forget_identity(self->state, p->first, p->second); // filed again with the user
  p->second.user = user;
  file_identity(self->state, p->first, p->second);
  if (std::exchange(p->second.contact_pending, false))
    purge_identity(self, p->first, p->second);
}

void initial_contact(listener_actor* self, const std::string& remote) {
  auto& st = self->state;
  auto sender = caf::actor_cast<caf::actor_addr>(self->current_sender());
  st.by_remote.each(remote, [&](const caf::actor_addr& a) {
    if (a == sender)
      return;
    if (auto h = caf::actor_cast<caf::actor>(a)) { // (its end leaves the index later)
      COATI_LOG(notify, "listener", "INITIAL-CONTACT from ", remote,
                ": removing an older ISAKMP-SA and its IPsec-SAs");
      st.counts["initial_contact_purged"] += 1;
      self->send_exit(h, caf::exit_reason::user_shutdown);
    }
  });
  auto* p = sender_entry(self);
  if (p == nullptr)
    return;
  if (!p->second.filed) // XAuth follows: the identity includes its user
    p->second.contact_pending = true;
  else
    purge_identity(self, p->first, p->second);
}

void forget_identity(listener_state& st, const caf::actor_addr& gone, peer_entry& e) {
  if (std::exchange(e.filed, false))
    st.by_identity.remove(identity_key(e), gone);
}

} // namespace coati::actors
