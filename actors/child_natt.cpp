// NAT-T in the child actor: the peer moved (a new NAT mapping). Installed SAs are removed
// and added again with the new address and encapsulation ports (a remove + add rather than
// XFRM_MSG_UPDSA, which keeps an SA's addresses); a new address also gets new policies.
#include "actors/child_parts.hpp"
#include "util/log.hpp"

namespace coati::actors {

void child_moved(child_self self, const std::string& remote, std::uint16_t remote_port,
                 std::uint16_t local_port, bool natt) {
  auto& st = self->state;
  auto addr = config::ip_address::parse(remote);
  if (!addr)
    return;
  auto& e = st.args.link.ends;
  bool new_address = *addr != e.remote;
  auto was = where(e);
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
