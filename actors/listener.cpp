#include "actors/listener.hpp"

#include <algorithm>
#include <cstring>

#include "actors/initiate.hpp"
#include "actors/netwatch.hpp"

#include "actors/peer.hpp"
#include "actors/rows.hpp"
#include "actors/setup.hpp"
#include "actors/udp_io.hpp"
#include "crypto/random.hpp"
#include "crypto/secret.hpp"
#include "ike/constants.hpp"
#include "ike/message.hpp"
#include "util/log.hpp"

namespace coati::actors {

const shared_services& no_services() {
  static const shared_services none = std::make_shared<const services>();
  return none;
}

void peer_index::add(const std::string& key, const caf::actor_addr& peer) {
  auto [i, fresh] = slots_.try_emplace(key);
  if (fresh) {
    i->second.one = peer;
    return;
  }
  if (i->second.one == peer)
    return;
  if (!i->second.more)
    i->second.more = std::make_unique<std::set<caf::actor_addr>>();
  i->second.more->insert(peer);
}

void peer_index::remove(const std::string& key, const caf::actor_addr& peer) {
  auto i = slots_.find(key);
  if (i == slots_.end())
    return;
  auto& s = i->second;
  if (s.one == peer) {
    if (!s.more) { // the last one
      slots_.erase(i);
      return;
    }
    s.one = *s.more->begin(); // another takes the slot
    s.more->erase(s.more->begin());
  } else if (s.more) {
    s.more->erase(peer);
  }
  if (s.more && s.more->empty())
    s.more.reset();
}

// ---------------------------------------------------------------- the actor

namespace {

/// The half-open table is full: its oldest responder ends to make room (admission.hpp).
void evict_oldest_half_open(listener_actor* self) {
  auto& st = self->state;
  if (st.half_open_age.empty())
    return;
  auto addr = st.half_open_age.begin()->second;
  if (auto i = st.peers.find(addr); i != st.peers.end())
    half_open_done(st, i->second);
  else
    st.half_open_age.erase(st.half_open_age.begin());
  if (auto h = caf::actor_cast<caf::actor>(addr))
    self->send_exit(h, caf::exit_reason::user_shutdown);
}

/// An accepted datagram: to its peer, or a new responder for a first main mode message.
void dispatch(listener_actor* self, datagram& d) {
  auto& st = self->state;
  auto& c = st.counts;
  auto body = isakmp_bytes(d);
  auto h = ike::decode_header(body);
  if (!h) {
    c["dropped.header"] += 1;
    return;
  }
  const auto& hdr = h.value();
  if (auto i = st.by_cookie.find(hdr.icookie); i != st.by_cookie.end()) {
    self->send(i->second, std::move(d));
    return;
  }
  if (hdr.next_payload == ike::payload_type::fragment) {
    // A fragment starts no negotiation: only a peer we talk to may send them.
    c["frag.no_sa"] += 1;
    return;
  }
  if (hdr.rcookie != ike::cookie{}) {
    c["unknown_cookie"] += 1;
    return;
  }
  bool aggressive = hdr.exchange == ike::exchange_type::aggressive;
  if (hdr.exchange != ike::exchange_type::identity_protection && !aggressive) {
    c["unknown_cookie"] += 1;
    return;
  }
  if (!st.snap.cfg || !st.svc->kernel) {
    c["not_ready"] += 1;
    return;
  }
  // (No packet info: we would not know which of our addresses to answer from.)
  if (std::all_of(d.to.bytes.begin(), d.to.bytes.end(), [](auto b) { return b == 0; })) {
    c["dropped.address"] += 1;
    return;
  }
  // Admission control, before any per-SA work (retransmitted MM1s went to their peer above).
  auto now = admission::clock::now();
  auto verdict = st.admit.check(st.snap.cfg->admission, d.from.to_string(), hdr.icookie, now);
  if (verdict != admission::verdict::admit) {
    for (const char* name : admission::counters(verdict))
      if (name != nullptr)
        c[name] += 1;
    if (auto line = st.admit.summary(verdict, now); !line.empty()) {
      COATI_LOG(warning, "listener", line);
      auto e = make_event("admission_drop", "", d.to.to_string()); // a summary, not per packet
      e.detail = std::move(line);
      publish(st.svc->bus, std::move(e));
    }
    if (admission::refuses(verdict))
      return;
    if (admission::evicts(verdict))
      evict_oldest_half_open(self);
  }
  auto remote = find_remote(*st.snap.cfg, d.from, d.from_port);
  if (!remote) {
    c["no_remote"] += 1;
    COATI_LOG(warning, "listener", "no remote block for ", from_text(d), ": phase 1 refused");
    return;
  }
  const auto& modes = st.snap.cfg->remotes[*remote].exchange_modes;
  auto wanted = aggressive ? config::exchange_mode::aggressive : config::exchange_mode::main;
  if (!modes.empty() && std::find(modes.begin(), modes.end(), wanted) == modes.end()) {
    c["exchange_mode_refused"] += 1;
    COATI_LOG(warning, "listener", from_text(d), " wants ", aggressive ? "aggressive" : "main",
              " mode, which remote ", st.snap.cfg->remotes[*remote].name, " does not allow");
    return;
  }
  peer_args pa;
  pa.remote = *remote;
  pa.aggressive = aggressive;
  pa.link.ends.local = d.to;
  pa.link.ends.local_port = d.local_port;
  pa.link.ends.remote = d.from;
  pa.link.ends.remote_port = d.from_port;
  pa.link.ends.natt = d.natt;
  pa.initiator = false;
  pa.cookie = fresh_cookie(st);
  auto icookie = hdr.icookie;
  pa.first = std::make_shared<datagram>(std::move(d));
  c["peers_started"] += 1;
  start_peer(self, std::move(pa), icookie);
}

} // namespace

std::size_t cookie_hash::operator()(const ike::cookie& c) const noexcept {
  static const std::uint64_t key = [] {
    std::uint64_t k = 0;
    auto r = crypto::random_bytes(sizeof k);
    std::memcpy(&k, r.data(), sizeof k);
    return k;
  }();
  std::uint64_t x = 0;
  std::memcpy(&x, c.data(), sizeof x);
  x ^= key; // then splitmix64's finalizer
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return static_cast<std::size_t>(x ^ (x >> 31));
}

listener_state::listener_state() = default;
listener_state::~listener_state() {
  io.reset(); // stop reading first
  for (const auto& [c, peer] : by_cookie)
    caf::anon_send_exit(peer, caf::exit_reason::user_shutdown);
}

listener_api::behavior_type listener(listener_api::stateful_pointer<listener_state> self,
                                     listener_options opts) {
  self->set_exception_handler(exit_reason_of);
  self->state.ike_port = opts.ike_port;
  self->state.natt_port = opts.natt_port;
  if (opts.bind_sockets) {
    self->state.io = std::make_unique<udp_io>(caf::actor_cast<caf::actor>(self), opts);
    self->state.alarms = std::make_shared<alarm_service>();
    if (self->state.io->bound() == 0) {
      COATI_LOG(error, "listener", "no socket could be bound");
      self->quit(caf::make_error(caf::sec::cannot_open_port));
      return listener_api::behavior_type::make_empty_behavior();
    }
    self->state.counts["sockets"] = static_cast<std::int64_t>(self->state.io->bound());
  }
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    auto i = st.peers.find(dm.source);
    if (i == st.peers.end())
      return;
    half_open_done(st, i->second);
    auto j = st.by_cookie.find(i->second.icookie);
    if (j != st.by_cookie.end() && j->second.address() == dm.source)
      st.by_cookie.erase(j);
    if (dm.reason && dm.reason != caf::exit_reason::normal &&
        dm.reason != caf::exit_reason::user_shutdown) {
      st.counts["peers_crashed"] += 1;
      COATI_LOG(error, "listener", "peer actor for ", i->second.remote,
                " crashed: ", self->system().render(dm.reason));
    }
    forget_identity(st, dm.source, i->second);
    keeper_peer_ended(self, dm.source, i->second);
    handover_check(self, i->second.remote, dm.source);
    st.by_remote.remove(i->second.remote, dm.source);
    st.peers.erase(i);
    if (st.stopping && st.peers.empty())
      self->quit(st.stop_reason);
  });
  self->set_exit_handler([self](caf::exit_msg& em) {
    auto& st = self->state;
    if (st.stopping)
      return;
    if (st.peers.empty()) {
      self->quit(em.reason);
      return;
    }
    st.stopping = true;
    st.stop_reason = em.reason;
    for (const auto& [c, peer] : st.by_cookie)
      self->send_exit(peer, caf::exit_reason::user_shutdown);
    self->delayed_send(self, std::chrono::seconds{3}, tick_atom_v);
  });
  return {
      [self](datagram& d) {
        handler_clock::scope timing{self};
        auto& c = self->state.counts;
        c["received"] += 1;
        auto verdict = classify(d);
        c[verdict] += 1;
        if (verdict.starts_with("dropped."))
          c["dropped"] += 1;
        if (verdict != "accepted") {
          COATI_LOG(debug, "listener", "from ", from_text(d), " to ", d.to.to_string(), " port ",
                    d.local_port, ": ", d.bytes.size(), " bytes, ", verdict);
          return;
        }
        if (self->state.stopping) {
          c["dropped.stopping"] += 1;
          return;
        }
        dispatch(self, d);
      },
      // (Peers and children send on the shared sockets themselves; this is the way of
      // those without them: actor tests.)
      [self](const outgoing& o) {
        handler_clock::scope timing{self};
        auto& c = self->state.counts;
        if (!self->state.io) {
          c["send_no_socket"] += 1;
          return;
        }
        if (auto why = self->state.io->sender()->send(o); !why.empty())
          COATI_LOG(warning, "listener", "cannot send to ", o.remote.to_string(), ": ", why);
      },
      [self](snapshot& snap) {
        handler_clock::scope timing{self};
        self->state.snap = std::move(snap);
      },
      [self](services& svc) {
        handler_clock::scope timing{self};
        self->state.svc = std::make_shared<const services>(std::move(svc));
      },
      [self](event_atom, const std::string& what) {
        handler_clock::scope timing{self};
        self->state.ike_counts[what] += 1;
      },
      [self](established_atom, const std::string& id, bool xauth) {
        handler_clock::scope timing{self};
        auto i = self->state.peers.find(caf::actor_cast<caf::actor_addr>(self->current_sender()));
        if (i == self->state.peers.end())
          return;
        peer_identified(self, id, xauth);
        bool was_up = i->second.up;
        i->second.up = true;
        half_open_done(self->state, i->second);
        if (!was_up) // children parked for a phase 1 of this address (rekey.hpp)
          handover_check(self, i->second.remote, {});
      },
      [self](user_atom, const std::string& user) {
        handler_clock::scope timing{self};
        peer_user(self, user);
      },
      [self](logout_atom, const std::string& user) -> std::string {
        handler_clock::scope timing{self};
        if (user.empty())
          return "error: logout-user needs a user name";
        int n = 0;
        for (const auto& [addr, e] : self->state.peers)
          if (e.user == user)
            if (auto h = caf::actor_cast<caf::actor>(addr)) {
              self->send_exit(h, caf::exit_reason::user_shutdown);
              ++n;
            }
        self->state.counts["logouts"] += n;
        if (n == 0)
          return "error: no ISAKMP-SA of user " + user;
        COATI_LOG(notify, "listener", "logout-user ", user, ": ending ", n, " ISAKMP-SA(s)");
        return "ok: " + std::to_string(n) + " ISAKMP-SA(s) of " + user + " ended";
      },
      [self](initial_contact_atom, const std::string& remote) {
        handler_clock::scope timing{self};
        initial_contact(self, remote);
      },
      [self](net_atom, const std::string& kind, const std::string& what) {
        handler_clock::scope timing{self};
        net_changed(self, kind, what);
      },
      [self](net_atom, std::uint64_t gen) {
        handler_clock::scope timing{self};
        net_settled(self, gen);
      },
      [self](const kernel_event& ke) {
        handler_clock::scope timing{self};
        auto& st = self->state;
        publish_kernel_event(st.svc->bus, ke);
        if (const auto* m = ke.ev ? std::get_if<kernel::mapping_event>(ke.ev.get()) : nullptr) {
          route_mapping(self, *m, ke);
          return;
        }
        const auto* acq = ke.ev ? std::get_if<kernel::acquire_event>(ke.ev.get()) : nullptr;
        if (acq == nullptr)
          return; // EXPIRE: each child keeps its own lifetimes
        st.counts["acquires"] += 1;
        route_acquire(self, *acq, ke);
      },
      [self](connect_atom, const std::string& address) {
        handler_clock::scope timing{self};
        return connect(self, address);
      },
      [self](show_sa_atom, const std::string& kind) -> caf::result<std::string> {
        handler_clock::scope timing{self};
        std::vector<peer_api> all;
        all.reserve(self->state.by_cookie.size());
        for (const auto& [ck, p] : self->state.by_cookie)
          all.push_back(p);
        auto rp = self->make_response_promise<std::string>();
        gather_rows(self, all, [rp, kind](std::vector<sa_rows_part> parts) mutable {
          std::string out;
          for (const auto& p : parts) {
            if (kind != "esp" && kind != "ipsec")
              for (const auto& r : p.isakmp)
                out += r + "\n";
            if (kind != "isakmp")
              for (const auto& r : p.esp)
                out += r + "\n";
          }
          rp.deliver(std::move(out));
        });
        return rp;
      },
      [self](status_atom) {
        handler_clock::scope timing{self};
        counters out;
        for (const auto& [k, v] : self->state.counts)
          out.values["listener." + k] = v;
        auto ike = self->state.board->snapshot();
        for (const auto& [k, v] : self->state.ike_counts) // (by message: actor tests)
          ike[k] += v;
        for (const auto& [k, v] : ike) // the peers' frag.* stand alone
          out.values[k.starts_with("frag.") ? k : "ike." + k] = v;
        out.values["listener.peers"] = static_cast<std::int64_t>(self->state.peers.size());
        out.values["listener.keeper.kept"] = static_cast<std::int64_t>(self->state.keep.size());
        out.values["listener.half_open"] = static_cast<std::int64_t>(self->state.admit.half_open());
        if (self->state.io) { // every datagram the peers and children sent or could not
          out.values["listener.sent"] = self->state.io->sender()->sent();
          out.values["listener.send_failed"] = self->state.io->sender()->failed();
        }
        if (self->state.alarms) { // the peers' and children's timers (alarms.hpp)
          out.values["listener.alarms_pending"] =
              static_cast<std::int64_t>(self->state.alarms->pending());
          out.values["listener.alarm_actors"] =
              static_cast<std::int64_t>(self->state.alarms->enrolled());
          out.values["listener.alarm_early_wakeups"] =
              static_cast<std::int64_t>(self->state.alarms->early_wakeups());
        }
        self->state.clock.add_to(out, "listener", mailbox_depth(self));
        return out;
      },
      [self](tick_atom, const std::string& remote, std::uint64_t gen) {
        handler_clock::scope timing{self};
        keeper_tick(self, remote, gen);
      },
      [self](rekey_atom, const std::string& address) {
        handler_clock::scope timing{self};
        start_rekey(self, address);
      },
      [self](handover& h) {
        handler_clock::scope timing{self};
        route_handover(self, std::move(h));
      },
      [self](tick_atom) { // the peers did not all end in time
        if (self->state.stopping)
          self->quit(self->state.stop_reason);
      },
      [self](crash_atom, const std::string& which) {
        // Test hook: crash one peer actor ("peer": the first; "peer:ICOOKIE": that one).
        handler_clock::scope timing{self};
        auto want = which.size() > 5 ? which.substr(5) : std::string{};
        for (const auto& [c, peer] : self->state.by_cookie)
          if (want.empty() || crypto::to_hex(c) == want) {
            COATI_LOG(warning, "listener", "test hook: crashing the peer actor of ",
                      crypto::to_hex(c));
            self->send(peer, crash_atom_v);
            return;
          }
      },
      [self](crash_atom) {
        COATI_LOG(warning, "listener", "test hook: crashing on request");
        throw std::runtime_error("listener: test crash requested");
      },
  };
}

} // namespace coati::actors
