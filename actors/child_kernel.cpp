// The child actor's kernel side: its SAs installed (and their removal listed), the policies
// generate_policy makes, and its show-sa rows.
#include "actors/child_parts.hpp"

#include <algorithm>

#include "kernel/policy_gen.hpp"
#include "kernel/sa_map.hpp"
#include "util/log.hpp"

namespace coati::actors {

/// Our show-sa rows (in and out), for the peer, which merges its children's.
std::vector<std::string> esp_rows(const child_state& st) {
  std::vector<std::string> rows;
  bool up = st.up() != nullptr;
  const auto* n = st.negotiated();
  if (n != nullptr && (up || (!st.args.initiator && n->outbound.spi != 0))) {
    const auto& c = *n;
    const auto& ends = st.args.link.ends;
    auto l = ends.local.to_string(), r = ends.remote.to_string();
    std::string tail =
        " enc=" + kernel::short_enc_name(c.agreed) + " auth=" + kernel::short_auth_name(c.agreed) +
        " pfs=" + std::to_string(c.pfs_group.value_or(0)) + " ipcomp=" + (c.ipcomp ? "yes" : "no") +
        " lifetime=" + std::to_string(c.lifetime) + " ids=" + c.id_i.to_string() + "<->" +
        c.id_r.to_string() +
        (c.udp_encap ? " encap=udp:" + std::to_string(ends.local_port) + "-" +
                           std::to_string(ends.remote_port)
                     : std::string{});
    std::string inst = !up ? std::string{" state=larval"}
                       : st.install_error.empty()
                           ? std::string{" state=mature kernel=installed"}
                           : " state=mature kernel=failed (" + st.install_error + ")";
    rows.push_back(r + " " + l + " esp spi=" + hex32(c.inbound.spi) + " in" + tail + inst);
    rows.push_back(l + " " + r + " esp spi=" + hex32(c.outbound.spi) + " out" + tail + inst);
  }
  return rows;
}

namespace {

/// A reservation of ours no SA will fill: the kernel refused the SA, or the quick mode
/// chose no IPComp for the CPI reserved before it began. Its larval state goes now
/// instead of at the child's end. (Kept, it stays in one of the kernel's hash chains for
/// the child's life, or 30 s: with thousands of children between the same addresses,
/// every later SPI reservation walks them all: at 50,000 psk+qm negotiations they took
/// 43 % of the machine.)
void drop_reservation(child_self self, const kernel_cmd::delete_sa& d) {
  auto& st = self->state;
  auto i = find_sa(st.to_remove, d);
  if (i == st.to_remove.end())
    return;
  st.to_remove.erase(i);
  caf::anon_send(st.args.svc->kernel, kernel_request{d});
}

} // namespace

/// Adds the SAs to the kernel; each one's delete goes on the list for the end. `moved`:
/// the deletes of the SAs installed before the peer moved; an SA found there is moved (its
/// replay state kept), the others are deleted.
void install(child_self self, std::vector<kernel_cmd::delete_sa> moved) {
  auto& st = self->state;
  const auto& c = *st.up();
  const auto& at = st.args.link.ends;
  kernel::sa_ends ends{at.local, at.remote, st.args.reqid.value_or(c.inbound.spi), at.local_port,
                       at.remote_port};
  auto sas = kernel::sa_specs_for(c, ends);
  if (!c.ipcomp) // the CPI reserved before the quick mode (none kept: nothing to drop)
    drop_reservation(self, {at.local, st.cpi, kernel::xfrm_proto::comp});
  for (auto& sa : sas) {
    kernel_cmd::delete_sa mine{sa.dst, sa.spi, sa.proto};
    remove_at_end(st, mine);
    auto old = find_sa(moved, mine);
    auto spec = std::make_shared<const kernel::sa_spec>(std::move(sa));
    kernel_request rq{kernel_cmd::add_sa{spec}};
    if (old != moved.end()) {
      rq.cmd = kernel_cmd::move_sa{*old, spec};
      moved.erase(old);
    }
    auto done = [self](std::string error, const char* counter) {
      auto& s = self->state;
      if (!error.empty() && s.install_error.empty()) {
        s.install_error = std::move(error);
        if (counter != nullptr)
          count(self, counter);
      }
    };
    self->request(st.args.svc->kernel, kernel_wait, std::move(rq))
        .then(
            [self, done, mine](kernel_reply& r) {
              done(r.ok ? std::string{} : r.error,
                   r.unsupported ? "sa_add_unsupported" : "sa_add_failed");
              if (!r.ok && mine.dst == self->state.args.link.ends.local) // ours: reserved
                drop_reservation(self, mine);
            },
            [self, done](caf::error& e) { done(self->system().render(e), nullptr); });
  }
  for (const auto& d : moved) // (in order after the moves: the kernel actor's mailbox keeps it)
    caf::anon_send(st.args.svc->kernel, kernel_request{d});
}

/// generate_policy: as racoon does, the responder installs the tunnel's policies built
/// from the initiator's IDs as soon as it has answered QM1 (they go with the child).
void generate(child_self self) {
  auto& st = self->state;
  const auto& c = *st.negotiated();
  const auto& r = st.args.snap.cfg->remotes.at(st.args.remote);
  if (st.args.initiator || r.generate_policy == config::generate_policy_mode::off)
    return;
  kernel::generated_tunnel t;
  t.initiator_id = c.id_i;
  t.responder_id = c.id_r;
  t.local_outer = st.args.link.ends.local;
  t.peer_outer = st.args.link.ends.remote;
  t.reqid = c.inbound.spi;
  t.ipcomp = c.ipcomp;
  auto gen = kernel::generate_policies(t);
  if (auto* why = std::get_if<std::string>(&gen)) {
    COATI_LOG(error, "child", "generate_policy: ", *why);
    count(self, "policy_generate_failed");
    return;
  }
  policy_set ps;
  ps.owner = self->address();
  ps.specs = std::make_shared<const std::vector<kernel::policy_spec>>(
      std::move(std::get<std::vector<kernel::policy_spec>>(gen)));
  st.policies = true;
  self->request(st.args.svc->policy, kernel_wait, std::move(ps))
      .then(
          [self](kernel_reply& rep) {
            if (!rep.ok) {
              COATI_LOG(error, "child", "generated policies not installed: ", rep.error);
              count(self, "policy_add_failed");
            } else {
              count(self, "policies_generated");
            }
          },
          [self](caf::error& e) {
            COATI_LOG(error, "child", "policy actor: ", self->system().render(e));
          });
}
} // namespace coati::actors
