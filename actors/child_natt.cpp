// NAT-T in the child actor: the peer moved (a new NAT mapping), seen by the peer actor or
// by this child (an authenticated quick mode message from a new port). Installed SAs are
// moved: removed and added again with the new address and encapsulation ports and the
// replay state they had (XFRM_MSG_UPDSA keeps an SA's addresses; without the replay state
// our outbound sequence numbers would start again at 1 and the peer drop them as replays);
// a new address also gets new policies.
#include "actors/child_parts.hpp"

#include <utility>

#include "util/log.hpp"

namespace coati::actors {

void child_authentic(child_self self, const char* what) {
  auto& st = self->state;
  if (st.arrival.from_port == 0 || st.args.p1->sa().natt == ike::natt_version::none)
    return;
  const auto& a = st.arrival;
  auto& e = st.args.link.ends;
  if (a.from == e.remote && a.from_port == e.remote_port && a.local_port == e.local_port)
    return;
  // Answer where it came from at once; the peer actor checks, moves the ISAKMP SA and
  // tells every child (this one too: child_moved then finds it there already).
  if (!st.moved_from)
    st.moved_from = e;
  e.remote = a.from;
  e.remote_port = a.from_port;
  e.local_port = st.arrival.local_port;
  e.natt = st.arrival.natt;
  COATI_LOG(notify, "child", "quick mode ", st.args.message_id, ": an authenticated ", what,
            " from ", where(e), ", not ", where(*st.moved_from), ": the peer moved");
  self->send(st.args.peer, moved_atom_v, st.arrival);
}

void child_mapped(child_self self, const kernel::mapping_event& m) {
  auto& st = self->state;
  const auto* c = st.up();
  if (c == nullptr || !c->udp_encap || m.proto != kernel::xfrm_proto::esp ||
      m.spi != c->inbound.spi)
    return;
  auto e = st.args.link.ends;
  e.remote = m.new_src;
  e.remote_port = m.new_sport;
  st.arrival = arrival_datagram(e);
  st.args.link.count(self, "natt.esp_mapping");
  child_authentic(self, ("ESP packet (SPI " + hex32(m.spi) + ")").c_str());
}

void child_moved(child_self self, const std::string& remote, std::uint16_t remote_port,
                 std::uint16_t local_port, bool natt) {
  auto& st = self->state;
  auto addr = config::ip_address::parse(remote);
  if (!addr)
    return;
  auto& e = st.args.link.ends;
  auto before = st.moved_from.value_or(e); // (where this child was before it moved ahead)
  st.moved_from.reset();
  if (*addr == before.remote && remote_port == before.remote_port &&
      local_port == before.local_port && natt == before.natt)
    return; // nothing changed for this child
  bool new_address = *addr != before.remote;
  auto was = where(before);
  e.remote = *addr;
  e.remote_port = remote_port;
  e.local_port = local_port;
  e.natt = natt;
  COATI_LOG(notify, "child", "IPsec-SA of quick mode ", st.args.message_id, " moves from ", was,
            " to ", where(e));
  st.args.link.count(self, "natt.child_moved");
  if (st.up() != nullptr) {
    auto before_move = std::exchange(st.to_remove, {});
    st.install_error.clear();
    install(self, std::move(before_move));
  }
  if (new_address && st.policies) {
    self->send(st.args.svc->policy, policy_remove_atom_v, st.self_addr);
    st.policies = false;
    generate(self);
  }
}

} // namespace coati::actors
