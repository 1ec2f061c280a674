#include "actors/child.hpp"

#include <algorithm>
#include <cstdio>

#include "actors/child_parts.hpp"
#include "actors/rekey.hpp"
#include "actors/setup.hpp"
#include "crypto/random.hpp"
#include "ike/informational.hpp"
#include "ike/transaction.hpp"
#include "kernel/policy_gen.hpp"
#include "kernel/sa_map.hpp"
#include "util/log.hpp"

namespace coati::actors {

namespace {

std::string groups_text(const std::vector<std::string>& groups) {
  std::string out;
  for (const auto& g : groups)
    out += (out.empty() ? "" : ", ") + ike::escape_text(g);
  return out.empty() ? std::string{"none"} : out;
}

const config::timer_block& timers(const child_state& st) {
  return st.args.snap.cfg->timer;
}

} // namespace

std::string hex32(std::uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08x", v);
  return b;
}

void count(child_self self, std::string what) {
  self->state.args.link.count(self, std::move(what));
}

std::vector<kernel_cmd::delete_sa>::iterator find_sa(std::vector<kernel_cmd::delete_sa>& list,
                                                     const kernel_cmd::delete_sa& sa) {
  return std::find_if(list.begin(), list.end(), [&](const kernel_cmd::delete_sa& d) {
    return d.spi == sa.spi && d.proto == sa.proto;
  });
}

void remove_at_end(child_state& st, const kernel_cmd::delete_sa& sa) {
  if (find_sa(st.to_remove, sa) == st.to_remove.end())
    st.to_remove.push_back(sa);
}

namespace {

void established_now(child_self self) {
  auto& st = self->state;
  const auto& c = *st.up();
  const auto& ends = st.args.link.ends;
  if (st.ex)
    st.ex->rtx.stop();
  COATI_LOG(notify, "child", "IPsec-SA established: ESP/", c.ipcomp ? "Transport+IPComp" : "Tunnel",
            " ", ends.remote.to_string(), "->", ends.local.to_string(),
            " spi=", hex32(c.inbound.spi), " ", ends.local.to_string(), "->",
            ends.remote.to_string(), " spi=", hex32(c.outbound.spi), " (",
            kernel::short_enc_name(c.agreed), "/", kernel::short_auth_name(c.agreed), ")");
  count(self, "phase2_up");
  auto e = make_event("sa_up", ends.remote.to_string(), ends.local.to_string());
  e.spi_in = c.inbound.spi;
  e.spi_out = c.outbound.spi;
  e.user = st.args.xauth_user;
  publish(st.args.svc->bus, std::move(e));
  install(self);
  auto life = std::chrono::seconds{std::max<std::uint32_t>(c.lifetime, 2)};
  if (st.args.initiator)
    later(self, st.args.link, life * 9 / 10, expire_atom_v, std::uint32_t{1});
  later(self, st.args.link, life, expire_atom_v, true);
}

void fail(child_self self, const std::string& why) {
  COATI_LOG(error, "child", "quick mode with ", where(self->state.args.link.ends),
            " failed: ", why);
  count(self, "phase2_failed");
  self->quit();
}

void send_step(child_self self, const ike::child_step& step) {
  auto& st = self->state;
  for (const auto& d : step.send) {
    st.args.link.send(self, d);
    if (!step.retransmit && !st.qm->established() && st.ex)
      arm_retransmit(self, st.ex->rtx, d, st.args.link, timers(st));
  }
}

void receive(child_self self, std::span<const std::uint8_t> body) {
  auto& st = self->state;
  bool was_up = st.qm->established() != nullptr;
  auto step = st.qm->receive(body);
  if (step.status != ike::child_status::failed && !step.retransmit && step.problem.empty() &&
      (!step.send.empty() || (!was_up && st.qm->established())))
    child_authentic(self); // a new message whose HASH verified: NAT-T may follow it
  send_step(self, step);
  if (step.status == ike::child_status::failed) {
    fail(self, step.problem);
    return;
  }
  if (!step.problem.empty())
    COATI_LOG(info, "child", where(st.args.link.ends), ": ignored: ", step.problem);
  if (!step.retransmit && !step.send.empty() && !st.qm->established() && !st.args.initiator &&
      !st.policies) { // QM2 sent
    generate(self);
  }
  if (!was_up && st.qm->established()) {
    established_now(self);
    if (!st.args.initiator) // QM3 came: nothing of ours will be asked for again
      st.settle();
  }
}

ike::phase1_context context_of(const child_state& st) {
  const auto& sa = st.args.p1->sa();
  return ike::phase1_context{&sa.keys, sa.icookie, sa.rcookie,
                             sa.udp_encap() ? ike::udp_tunnel_mode(sa.natt) : std::uint16_t{0}};
}

/// SPIs are here: build the exchange and run what was waiting.
void start(child_self self) {
  auto& st = self->state;
  if (st.args.initiator) {
    const auto& sainfo = *st.ex->terms.sainfo;
    auto p2 = phase2_of(sainfo, st.args.snap.cfg->remotes.at(st.args.remote));
    p2.ipcomp = p2.ipcomp && st.ex->terms.offer_ipcomp;
    st.qm = std::make_unique<ike::quick_mode>(
        ike::quick_mode::initiator(context_of(st), p2, *id_of(*sainfo.local),
                                   *id_of(*sainfo.remote), st.args.message_id, st.spi, st.cpi));
    send_step(self, st.qm->start());
  } else {
    auto snap = st.args.snap;
    auto remote = st.args.remote;
    auto lookup = [self, snap,
                   remote](const ike::id_payload& idci,
                           const ike::id_payload& idcr) -> std::optional<ike::phase2_policy> {
      const auto& terms = self->state.ex->terms; // (the exchange asks: it is there)
      if (const auto& lease = terms.lease) {
        // A roadwarrior speaks only for the address it was given.
        auto p = kernel::prefix_of(idci);
        if (!p || p->addr != *lease || p->prefix != 32) {
          COATI_LOG(error, "child", where(self->state.args.link.ends), ": quick mode for ",
                    idci.to_string(), " refused: the client's address is ", lease->to_string());
          count(self, "phase2_refused.not_the_lease");
          return std::nullopt;
        }
      }
      const auto& a = self->state.args;
      auto found = match_sainfo(*snap.cfg, idci, idcr, terms.xauth_groups);
      const auto* s = found.sainfo;
      if (s == nullptr && found.refused != nullptr) {
        COATI_LOG(error, "child", where(a.link.ends), ": quick mode for ", idci.to_string(),
                  " <-> ", idcr.to_string(), " refused: user \"", ike::escape_text(a.xauth_user),
                  "\" (groups: ", groups_text(terms.xauth_groups), ") is not in group \"",
                  found.refused->group, "\" of the sainfo for these IDs");
        count(self, "phase2_refused.group");
        return std::nullopt;
      }
      if (s == nullptr) {
        COATI_LOG(error, "child", "no sainfo for ", idci.to_string(), " <-> ", idcr.to_string());
        return std::nullopt;
      }
      if (!s->group.empty())
        COATI_LOG(info, "child", where(a.link.ends), ": sainfo of group \"", s->group,
                  "\" for user \"", ike::escape_text(a.xauth_user), "\"");
      return phase2_of(*s, snap.cfg->remotes.at(remote));
    };
    st.qm = std::make_unique<ike::quick_mode>(
        ike::quick_mode::responder(context_of(st), lookup, st.args.message_id, st.spi, st.cpi));
  }
  auto waiting = std::move(st.ex->waiting);
  st.ex->waiting.clear();
  for (auto& d : waiting) {
    if (!st.qm)
      return;
    receive(self, d);
  }
}

/// Our inbound SPI (and an IPComp CPI) from the kernel, before anything else.
void reserve_spis(child_self self) {
  auto ask = [self](kernel::xfrm_proto proto) {
    const auto& e = self->state.args.link.ends;
    return kernel_request{kernel_cmd::alloc_spi{e.remote, e.local, proto, 0}};
  };
  auto on_error = [self](caf::error& e) {
    fail(self, "kernel actor: " + self->system().render(e));
  };
  auto on_cpi = [self](kernel_reply& c) {
    auto& s = self->state;
    if (c.ok) {
      s.cpi = static_cast<std::uint16_t>(c.value);
      remove_at_end(s, {s.args.link.ends.local, c.value, kernel::xfrm_proto::comp});
    } else {
      // No IPComp in this kernel: propose a CPI anyway; the SA add will report the
      // kernel's error.
      s.cpi = static_cast<std::uint16_t>(0x100 + (crypto::random_u32() % 0xfe00));
    }
    start(self);
  };
  auto on_spi = [self, ask, on_cpi, on_error](kernel_reply& r) {
    auto& s = self->state;
    if (!r.ok) {
      fail(self, "no SPI from the kernel: " + r.error);
      return;
    }
    s.spi = r.value;
    remove_at_end(s, {s.args.link.ends.local, r.value, kernel::xfrm_proto::esp});
    self->request(s.args.svc->kernel, kernel_wait, ask(kernel::xfrm_proto::comp))
        .then(on_cpi, on_error);
  };
  self->request(self->state.args.svc->kernel, kernel_wait, ask(kernel::xfrm_proto::esp))
      .then(on_spi, on_error);
}

} // namespace

const ike::child_established* child_state::up() const {
  return kept ? kept.get() : qm ? qm->established() : nullptr;
}

const ike::child_established* child_state::negotiated() const {
  return kept ? kept.get() : qm ? &qm->negotiated() : nullptr;
}

void child_state::settle() {
  if (const auto* c = qm ? qm->established() : nullptr) {
    kept = std::make_unique<const ike::child_established>(*c);
    qm.reset(); // (its keys and key pair wiped as they go)
    ex.reset();
  }
}

child_state::~child_state() {
  // Remove what we reserved or installed (each SA once: remove_at_end), then our policies.
  for (const auto& d : to_remove)
    caf::anon_send(args.svc->kernel, kernel_request{d});
  if (policies)
    caf::anon_send(args.svc->policy, policy_remove_atom_v, self_addr);
  const auto* c = up();
  if (c != nullptr && !remote_deleted) {
    // Delete names our inbound SPI (RFC 2408 §3.15), like racoon.
    std::uint32_t in_spi = c->inbound.spi;
    if (auto out = informational_to(args.link.ends, *args.p1,
                                    {ike::delete_ipsec_sas(ike::protocol_id::esp, {&in_spi, 1})}))
      args.link.put_detached(*out);
  }
  if (c != nullptr) {
    COATI_LOG(notify, "child", "IPsec-SA removed: spi ", hex32(c->inbound.spi), "/",
              hex32(c->outbound.spi), " with ", where(args.link.ends));
    args.link.count_detached("phase2_down");
    auto e =
        make_event("sa_down", args.link.ends.remote.to_string(), args.link.ends.local.to_string());
    e.spi_in = c->inbound.spi;
    e.spi_out = c->outbound.spi;
    e.user = args.xauth_user;
    publish(args.svc->bus, std::move(e));
  }
}

child_actor::child_actor(caf::actor_config& cfg, child_args args) : light_actor(cfg) {
  auto& st = state;
  st.ex = std::make_unique<child_exchange>(child_exchange{std::move(args.terms), {}, {}});
  st.arrival = std::move(args.first_from);
  if (args.first)
    st.ex->waiting.push_back(std::move(*args.first));
  st.args = std::move(static_cast<child_common&>(args));
}

child_actor::behavior_type child_actor::make_behavior() {
  child_self self = this;
  auto& st = self->state;
  st.self_addr = self->address();
  reserve_spis(self);
  later(self, st.args.link, timers(st).phase2, expire_atom_v, false);
  return shared_behavior();
}

/// The handlers of every child (actors/light_actor.hpp): each finds its actor first.
child_api::behavior_type child_actor::shared_behavior() {
  static const child_api::behavior_type shared{
      // A quick mode datagram from the peer actor (marker already removed).
      [](datagram& d) {
        auto self = current();
        handler_clock::scope timing{self};
        if (self->state.kept) { // settled: a late copy of a message already handled (its
                                // address is not taken as where the peer is either)
          COATI_LOG(info, "child", where(self->state.args.link.ends),
                    ": ignored: quick mode already complete");
          return;
        }
        if (d.from_port != 0) { // (the last one's arrival also stands for those waiting)
          self->state.arrival.from = d.from;
          self->state.arrival.from_port = d.from_port;
          self->state.arrival.to = d.to;
          self->state.arrival.local_port = d.local_port;
          self->state.arrival.natt = d.natt;
        }
        if (!self->state.qm) {
          self->state.ex->waiting.push_back(std::move(d.bytes));
          return;
        }
        receive(self, d.bytes);
      },
      // Retransmission timer of the round trip under way.
      [](tick_atom, std::uint64_t gen) {
        auto self = current();
        handler_clock::scope timing{self};
        auto& s = self->state;
        if (s.ex && retransmit_tick(self, s.ex->rtx, gen, s.args.link, timers(s)))
          fail(self, "no answer after " + std::to_string(s.ex->rtx.tries()) + " transmissions");
      },
      // The peer deleted the SA whose outbound SPI (our view) is `spi`; 0: all.
      [](delete_atom, std::uint32_t spi) {
        auto self = current();
        handler_clock::scope timing{self};
        auto& s = self->state;
        const auto* c = s.negotiated();
        bool ours = spi == 0 || (c != nullptr && c->outbound.spi == spi);
        if (!ours)
          return;
        COATI_LOG(notify, "child", where(s.args.link.ends), " deleted the IPsec-SA",
                  spi != 0 ? " with SPI " + hex32(spi) : std::string{});
        s.remote_deleted = true;
        self->quit();
      },
      // Soft lifetime (initiator): ask the peer for a successor; this one lives on
      // until its hard lifetime.
      [](expire_atom, std::uint32_t) {
        auto self = current();
        handler_clock::scope timing{self};
        self->send(self->state.args.peer, expire_atom_v, self->state.args.message_id);
      },
      // NAT-T: the peer moved (a new NAT mapping): the SAs and policies follow.
      [](moved_atom, std::string& remote, std::uint16_t rport, std::uint16_t lport, bool natt) {
        auto self = current();
        handler_clock::scope timing{self};
        child_moved(self, remote, rport, lport, natt);
      },
      // Our own address is gone (netwatch.hpp): end here, no Delete can go out.
      [](moved_atom) {
        auto self = current();
        self->state.remote_deleted = true;
        self->quit();
      },
      // Phase-1 rekey: a new peer actor carries this child (actors/rekey.hpp).
      [](const adoption& a) {
        auto self = current();
        handler_clock::scope timing{self};
        child_adopted(self, a);
      },
      // show-sa: our IPsec SAs' rows, for the peer.
      [](sa_rows_atom) {
        auto self = current();
        handler_clock::scope timing{self};
        return std::make_tuple(std::vector<std::string>{}, esp_rows(self->state));
      },
      // NAT-T: ESP from a new address or port (the kernel's MAPPING, via the peer).
      [](const kernel_event& ke) {
        auto self = current();
        handler_clock::scope timing{self};
        if (const auto* m = ke.ev ? std::get_if<kernel::mapping_event>(ke.ev.get()) : nullptr)
          child_mapped(self, *m);
      },
      // false: the phase2 timer; true: the hard lifetime.
      [](expire_atom, bool hard) {
        auto self = current();
        handler_clock::scope timing{self};
        auto& s = self->state;
        if (!hard) {
          if (!s.up()) {
            fail(self, "quick mode not complete within the phase2 timer");
            return;
          }
          // No retransmission of this quick mode is coming any more: what only the
          // exchange needed goes.
          s.settle();
          return;
        }
        COATI_LOG(notify, "child", where(s.args.link.ends), ": IPsec-SA expired");
        count(self, "phase2_expired");
        self->quit();
      },
  };
  return shared;
}

} // namespace coati::actors
