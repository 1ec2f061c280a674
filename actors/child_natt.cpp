// NAT-T in the child actor: the peer moved (a new NAT mapping), seen by the peer actor or
// by this child (an authenticated quick mode message from a new port). Installed SAs are
// removed and added again with the new address and encapsulation ports (a remove + add
// rather than XFRM_MSG_UPDSA, which keeps an SA's addresses); a new address also gets new
// policies.
#include "actors/child_parts.hpp"
#include "util/log.hpp"

namespace coati::actors {

void child_authentic(child_self self) {
  auto& st = self->state;
  if (st.arrival.from.empty() || st.args.p1->sa.natt == ike::natt_version::none)
    return;
  auto from = split_host_port(st.arrival.from);
  auto& e = st.args.link.ends;
  if (!from || (from->first == e.remote && from->second == e.remote_port &&
                st.arrival.local_port == e.local_port))
    return;
  // Answer where it came from at once; the peer actor checks, moves the ISAKMP SA and
  // tells every child (this one too: child_moved then finds it there already).
  if (!st.moved_from)
    st.moved_from = e;
  e.remote = from->first;
  e.remote_port = from->second;
  e.local_port = st.arrival.local_port;
  e.natt = st.arrival.natt;
  COATI_LOG(notify, "child", "quick mode ", st.args.message_id, ": an authenticated message from ",
            where(e), ", not ", where(*st.moved_from), ": the peer moved");
  self->send(st.args.peer, moved_atom_v, st.arrival);
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
  if (st.qm && st.qm->established()) {
    for (const auto& rq : st.to_remove) // (in order: the kernel actor's mailbox keeps it)
      caf::anon_send(st.args.svc.kernel, rq);
    st.to_remove.clear();
    st.install_error.clear();
    install(self);
  }
  if (new_address && st.policies) {
    self->send(st.args.svc.policy, policy_remove_atom_v, st.self_addr);
    st.policies = false;
    generate(self);
  }
  report_rows(self);
}

} // namespace coati::actors
