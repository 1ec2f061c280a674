#include "actors/peer_parts.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

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

/// The phase-1 exchange this peer runs, from its remote block; nullopt (logged) if none.
std::optional<ike::phase1_exchange> make_exchange(peer_self self) {
  auto& st = self->state;
  const auto& a = st.args;
  std::string why;
  auto setup = make_phase1(*a.snap.cfg, a.remote, *a.snap.creds, st.link.ends.local,
                           st.link.ends.remote, why);
  if (setup) {
    setup->policy.natt = natt_config_for(a.snap.cfg->remotes.at(a.remote), st.link.ends);
    if (a.predecessor) // a rekey: the peer's SAs with us are meant to stay
      setup->policy.initial_contact = false;
  }
  if (!setup) {
    COATI_LOG(error, "peer", "phase 1 with ", where(st.link.ends), " failed: ", why);
    count(self, "phase1_failed");
    count(self, "phase1_failed.config");
    return std::nullopt;
  }
  if (!why.empty())
    COATI_LOG(warning, "peer", why);
  if (a.initiator) {
    if (a.aggressive)
      return ike::aggressive_mode::initiator(setup->me, setup->policy, a.cookie);
    return ike::main_mode::initiator(setup->me, setup->policy, a.cookie);
  }
  if (a.aggressive) {
    // The initiator's ID comes with AM1: its pre-shared key is looked up by that ID.
    auto creds = a.snap.creds;
    auto lookup = [creds](const ike::id_payload& id) -> std::optional<crypto::secret_bytes> {
      auto i = creds->psk.find(id.to_string());
      if (i == creds->psk.end())
        return std::nullopt;
      return i->second;
    };
    return ike::aggressive_mode::responder(setup->me, setup->policy, a.cookie, lookup);
  }
  return ike::main_mode::responder(setup->me, setup->policy, a.cookie);
}

/// ike_frag on: the peer's clear phase-1 message says it takes fragments, so ours that do
/// not fit one packet go as fragments from now on (children inherit the link).
void learn_fragmentation(peer_self self, std::span<const std::uint8_t> b) {
  auto& st = self->state;
  if (st.p1 || st.link.fragment_packet != 0 ||
      st.args.snap.cfg->remotes.at(st.args.remote).ike_frag != config::tristate::on ||
      !ike::announces_fragmentation(b))
    return;
  st.link.fragment_packet = ike::default_fragment_packet;
  count(self, "frag.peer_supports");
  COATI_LOG(info, "peer", where(st.link.ends), ": the peer takes IKE fragments");
}

/// A datagram with our cookies. A fragment is kept until its message is whole, which then
/// goes on as if it had come in one piece. False when the actor has ended.
bool receive(peer_self self, const datagram& d) {
  auto& st = self->state;
  auto b = isakmp_bytes(d);
  bool elsewhere = arrived_from(st, d);
  if (!ike::is_fragment(b)) {
    learn_fragmentation(self, b);
    return perform(self, st.session->receive(b, ike::dpd_clock::now(), elsewhere));
  }
  count(self, "frag.fragments_received");
  if (st.args.snap.cfg->remotes.at(st.args.remote).ike_frag == config::tristate::off) {
    count(self, "frag.dropped");
    count(self, "frag.dropped.disabled");
    COATI_LOG(warning, "peer", where(st.link.ends),
              ": IKE fragment dropped: ike_frag is off for this remote");
    return true;
  }
  if (!st.fragments)
    st.fragments = std::make_unique<ike::reassembler>();
  auto r = st.fragments->add(b, std::chrono::steady_clock::now());
  if (r.discarded_partial)
    count(self, "frag.discarded_partial");
  switch (r.verdict) {
  case ike::fragment_verdict::pending:
    return true;
  case ike::fragment_verdict::duplicate:
    count(self, "frag.duplicates");
    return true;
  case ike::fragment_verdict::dropped:
    count(self, "frag.dropped");
    count(self, "frag.dropped." + r.reason);
    COATI_LOG(warning, "peer", where(st.link.ends), ": IKE fragment dropped: ", r.text);
    return true;
  case ike::fragment_verdict::complete:
    break;
  }
  count(self, "frag.messages_reassembled");
  COATI_LOG(info, "peer", where(st.link.ends), ": reassembled a message of ", r.message.size(),
            " bytes from fragments");
  return perform(self, st.session->receive(r.message, ike::dpd_clock::now(), elsewhere));
}

} // namespace

const std::string& peer_state::xauth_user() const {
  static const std::string none;
  return user ? user->name : none;
}

const peer_child* peer_state::child(std::uint32_t mid) const {
  for (const auto& c : children)
    if (c.mid == mid)
      return &c;
  return nullptr;
}

peer_child* peer_state::child(std::uint32_t mid) {
  return const_cast<peer_child*>(std::as_const(*this).child(mid));
}

const std::optional<config::ip_address>& peer_state::lease() const {
  static const std::optional<config::ip_address> none;
  return user ? user->lease : none;
}

peer_state::~peer_state() {
  // tell the peer (its IPsec-SAs' Deletes come from the children), unless our address is gone
  if (p1 && !remote_deleted && !local_gone)
    if (auto out = informational_to(link.ends, *p1,
                                    {ike::delete_isakmp_sa(p1->sa().icookie, p1->sa().rcookie)}))
      link.put_detached(*out);
  if (p1) {
    const auto& r = args.snap.cfg->remotes.at(args.remote);
    COATI_LOG(notify, "peer", "ISAKMP-SA deleted ", link.ends.local.to_string(), "-",
              where(link.ends), " spi:", cookie_text(p1->sa().icookie, p1->sa().rcookie));
    if (!r.script_phase1_down.empty() && args.svc->script && !handed_over)
      caf::anon_send(args.svc->script, script_atom_v, r.script_phase1_down, script_env(*this),
                     true);
    link.count_detached("phase1_down");
    publish(args.svc->bus, peer_event(*this, "phase1_down"));
  }
  if (lease())
    publish(args.svc->bus, peer_event(*this, "lease_released"));
  for (const auto& [mid, child, sainfo] : children)
    if (local_gone) // from a gone address no Delete can go out
      caf::anon_send(child, moved_atom_v);
    else
      caf::anon_send_exit(child, caf::exit_reason::user_shutdown);
}

peer_actor::peer_actor(caf::actor_config& cfg, peer_args args) : light_actor(cfg) {
  state.args = std::move(args);
}

peer_actor::behavior_type peer_actor::make_behavior() {
  peer_self self = this;
  auto& st = self->state;
  st.link.persend = timers(st).persend;
  if (st.args.snap.cfg->remotes.at(st.args.remote).ike_frag == config::tristate::force)
    st.link.fragment_packet = ike::default_fragment_packet; // without waiting for the VID
  auto x = make_exchange(self);
  if (!x) {
    st.state_text = "failed";
    self->quit();
    return peer_api::behavior_type::make_empty_behavior();
  }
  st.session.emplace(std::move(*x), st.args.initiator);
  const char* mode = st.args.aggressive ? "aggressive mode" : "main mode";
  COATI_LOG(notify, "peer", st.args.initiator ? "initiate" : "respond",
            " new phase 1 negotiation (", mode, "): ", st.link.ends.local.to_string(), "[",
            st.link.ends.local_port, "]<=>", where(st.link.ends));
  count(self, st.args.initiator ? "phase1_initiated" : "phase1_responded");
  if (st.args.initiator)
    perform(self, st.session->start());
  later(self, st.link, timers(st).phase1, expire_atom_v, false);
  if (st.args.predecessor) // a rekey: know whether the predecessor ends before us
    self->monitor(*st.args.predecessor);
  if (st.args.first) {
    auto d = std::move(*st.args.first);
    st.args.first.reset();
    if (!receive(self, d))
      return peer_api::behavior_type::make_empty_behavior();
  }
  return shared_behavior();
}

void peer_actor::on_down(caf::down_msg& dm) {
  auto& s = state;
  if (s.args.predecessor && dm.source == s.args.predecessor->address()) {
    s.predecessor_gone = true;
    return;
  }
  for (auto i = s.children.begin(); i != s.children.end(); ++i)
    if (i->child.address() == dm.source) {
      s.session->child_ended(i->mid);
      s.children.erase(i);
      break;
    }
}

/// The handlers of every peer (actors/light_actor.hpp): each finds its actor first.
peer_api::behavior_type peer_actor::shared_behavior() {
  static const peer_api::behavior_type shared{
      // A datagram with our cookies, from the listener.
      [](datagram& d) {
        auto self = current();
        handler_clock::scope timing{self};
        receive(self, d);
      },
      // Retransmission timer of the phase-1 round trip under way.
      [](tick_atom, std::uint64_t gen) {
        auto self = current();
        handler_clock::scope timing{self};
        auto& s = self->state;
        if (!retransmit_tick(self, s.rtx, gen, s.link, timers(s)))
          return;
        if (s.p1) // phase 1 is up: our XAuth message went unanswered
          perform(self, s.session->transaction_timeout());
        else
          perform(self, s.session->phase1_timeout(
                            "no answer after " + std::to_string(s.rtx.tries()) + " transmissions"));
      },
      // Dead peer detection: probe when idle, retry, or declare the peer dead.
      [](dpd_atom, std::uint64_t gen) {
        auto self = current();
        handler_clock::scope timing{self};
        auto& s = self->state;
        if (gen != s.dpd_gen || !perform(self, s.session->dpd_timer(ike::dpd_clock::now())))
          return;
        arm_dpd(self);
      },
      // false: the phase1 timer; true: the ISAKMP SA's lifetime.
      [](expire_atom, bool established_lifetime) {
        auto self = current();
        handler_clock::scope timing{self};
        auto& s = self->state;
        if (!established_lifetime) {
          if (!s.p1)
            perform(self,
                    s.session->phase1_timeout("phase 1 not complete within the phase1 timer"));
          else
            s.session->settle(); // no retransmitted last message is coming any more
          return;
        }
        COATI_LOG(notify, "peer", where(s.link.ends), ": ISAKMP-SA expired");
        release_children(self); // a successor of the same peer adopts them
        self->quit();
      },
      // Phase-1 rekey: the soft point; our successor is up; our predecessor's children.
      [](rekey_atom) {
        auto self = current();
        handler_clock::scope timing{self};
        rekey_soft(self);
      },
      [](rekey_atom, const caf::actor& successor) {
        auto self = current();
        handler_clock::scope timing{self};
        rekey_succeeded(self, successor);
      },
      [](const handover& h) {
        auto self = current();
        handler_clock::scope timing{self};
        adopt_children(self, h);
      },
      // Our own address changed (netwatch.hpp): this ISAKMP SA ends; the keeper starts a
      // new one from the new address. `gone`: the old address is no longer ours.
      [](moved_atom, bool gone) {
        auto self = current();
        handler_clock::scope timing{self};
        auto& s = self->state;
        s.local_gone = gone;
        s.state_text = "moved";
        COATI_LOG(notify, "peer", where(s.link.ends), ": our address ",
                  s.link.ends.local.to_string(),
                  gone ? " is gone: ending the ISAKMP-SA here (no Delete can be sent from it)"
                       : " no longer leads there: ending the ISAKMP-SA");
        self->quit();
      },
      // NAT-T keepalive: we are behind a NAT.
      [](keepalive_atom, std::uint64_t gen) {
        auto self = current();
        handler_clock::scope timing{self};
        natt_keepalive(self, gen);
      },
      // NAT-T: a child's quick mode message proved itself from elsewhere: follow it.
      [](moved_atom, datagram& d) {
        auto self = current();
        handler_clock::scope timing{self};
        if (arrived_from(self->state, d))
          perform(self, self->state.session->quick_mode_moved());
      },
      // Test hook: crash this peer.
      [](crash_atom) { throw std::runtime_error("peer: test crash requested"); },
      // ACQUIRE for our remote: quick mode for that traffic (now, or once phase 1 is up).
      // MAPPING (NAT-T, ESP from a new port): to the children, the SA's owner follows it.
      [](const kernel_event& ke) {
        auto self = current();
        handler_clock::scope timing{self};
        auto& s = self->state;
        if (ke.ev && std::holds_alternative<kernel::mapping_event>(*ke.ev)) {
          for (const auto& c : s.children)
            self->send(c.child, ke);
          return;
        }
        const auto* acq = ke.ev ? std::get_if<kernel::acquire_event>(ke.ev.get()) : nullptr;
        if (acq == nullptr)
          return;
        if (s.args.snap.cfg->remotes.at(s.args.remote).passive) {
          count(self, "acquire_passive"); // passive on: we never start a negotiation
          return;
        }
        s.args.acquire = std::make_shared<const kernel::acquire_event>(*acq);
        if (s.p1)
          start_children(self);
      },
      // show-sa: our row, and our children (the listener asks them next).
      [](sa_rows_atom) {
        auto self = current();
        handler_clock::scope timing{self};
        std::vector<caf::actor> kids;
        for (const auto& c : self->state.children)
          kids.push_back(caf::actor_cast<caf::actor>(c.child));
        return std::make_tuple(std::vector<std::string>{isakmp_row(self->state)}, std::move(kids));
      },
      // A child's SAs are about to expire: as initiator, negotiate their successor.
      [](expire_atom, std::uint32_t mid) {
        auto self = current();
        handler_clock::scope timing{self};
        auto& s = self->state;
        auto* c = s.child(mid);
        if (c == nullptr || c->sainfo == nullptr || !s.args.initiator || !s.p1)
          return;
        COATI_LOG(info, "peer", where(s.link.ends), ": rekeying the IPsec-SA of quick mode ", mid);
        count(self, "phase2_rekeyed");
        spawn_child(self, fresh_message_id(s), std::nullopt, c->sainfo);
      },
  };
  return shared;
}

} // namespace coati::actors
