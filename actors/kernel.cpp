#include "actors/kernel.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <poll.h>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>

#include "actors/kernel_events.hpp"
#include "util/log.hpp"
#include "util/process.hpp"

namespace coati::actors {

installed_sa key_of(const config::ip_address& dst, std::uint32_t spi, kernel::xfrm_proto proto) {
  return {dst.bytes, spi, dst.fam, proto};
}

std::size_t installed_sa_hash::operator()(const installed_sa& sa) const noexcept {
  // SPIs are random (the kernel's choice, or the peer's); the address and protocol
  // separate the rare equal ones.
  std::uint64_t h = sa.spi;
  for (auto b : sa.dst)
    h = h * 131 + b;
  return static_cast<std::size_t>(h * 0x9e3779b97f4a7c15ULL ^ static_cast<std::uint8_t>(sa.proto));
}

policy_key key_of(const kernel::policy_spec& p) {
  const auto& s = p.sel;
  return {s.src.fam, s.src.bytes, s.src_prefix, s.dst.bytes, s.dst_prefix,
          s.proto,   s.sport,     s.dport,      p.dir};
}

namespace {

kernel_reply failed(const kernel::error& e) {
  kernel_reply r;
  r.error = e.text;
  r.unsupported = e.unsupported();
  return r;
}

/// Each command (kernel_cmd), on the socket `s`; `st` keeps what coati installed.
struct command_runner {
  kernel_state& st;
  kernel::xfrm_socket& s;
  std::map<std::string, std::int64_t>& c = st.counts;

  kernel_reply operator()(const kernel_cmd::alloc_spi& a) {
    // IPComp CPIs are 16 bits wide.
    auto res = s.alloc_spi(a.src, a.dst, a.proto, a.reqid, 0x100,
                           a.proto == kernel::xfrm_proto::comp ? 0xffff : 0x0fffffff);
    if (!res) {
      c["spi_failed"] += 1;
      return failed(res.err());
    }
    c["spi_allocated"] += 1;
    st.sas.insert(key_of(a.dst, res.value(), a.proto));
    return kernel_reply{true, res.value(), {}, false};
  }

  kernel_reply operator()(const kernel_cmd::add_sa& a) {
    if (!a.sa)
      return kernel_reply{false, 0, "add_sa without an SA", false};
    const auto& sa = *a.sa;
    auto key = key_of(sa.dst, sa.spi, sa.proto);
    bool larval = st.sas.contains(key);
    auto res = s.add_sa(sa, larval);
    if (!res)
      return add_failed(sa, res.err(), "installed");
    c["sa_added"] += 1;
    if (!larval)
      st.sas.insert(key);
    return kernel_reply{true, sa.spi, {}, false};
  }

  kernel_reply operator()(const kernel_cmd::delete_sa& d) {
    auto i = st.sas.find(key_of(d.dst, d.spi, d.proto));
    if (i == st.sas.end())
      return kernel_reply{false, 0, "not installed by coati", false};
    st.sas.erase(i);
    auto res = s.delete_sa(d.dst, d.spi, d.proto);
    if (!res)
      return failed(res.err()); // a larval SPI that expired, or already gone
    c["sa_deleted"] += 1;
    return kernel_reply{true, d.spi, {}, false};
  }

  kernel_reply operator()(const kernel_cmd::move_sa& m) {
    // NAT-T: the peer's address or port changed. The SA is re-added with its replay state
    // (the peer would drop sequence numbers that start again from 1 as replays).
    if (!m.sa)
      return kernel_reply{false, 0, "move_sa without an SA", false};
    const auto& o = m.old;
    auto i = st.sas.find(key_of(o.dst, o.spi, o.proto));
    if (i == st.sas.end())
      return kernel_reply{false, 0, "not installed by coati", false};
    auto spec = *m.sa;
    if (auto r = s.replay_of(o.dst, o.spi, o.proto)) {
      spec.replay = r.value();
    } else {
      c["sa_replay_unread"] += 1;
      COATI_LOG(warning, "kernel", "moving SA spi 0x", std::hex, o.spi, std::dec,
                ": its replay state is lost (", r.err().text, ")");
    }
    st.sas.erase(i);
    if (auto r = s.delete_sa(o.dst, o.spi, o.proto); !r)
      COATI_LOG(warning, "kernel", "moving SA: ", r.err().text);
    auto res = s.add_sa(spec, false);
    if (!res)
      return add_failed(spec, res.err(), "moved");
    c["sa_moved"] += 1;
    st.sas.insert(key_of(spec.dst, spec.spi, spec.proto));
    return kernel_reply{true, spec.spi, {}, false};
  }

  kernel_reply operator()(const kernel_cmd::add_policy& a) {
    if (!a.policy)
      return kernel_reply{false, 0, "add_policy without a policy", false};
    auto key = key_of(*a.policy);
    bool known = st.policies.contains(key);
    auto res = s.add_policy(*a.policy, known);
    if (!res) {
      c["policy_add_failed"] += 1;
      COATI_LOG(error, "kernel", "policy not installed: ", res.err().text);
      return failed(res.err());
    }
    c["policy_added"] += 1;
    st.policies[key] = *a.policy;
    return kernel_reply{true, 0, {}, false};
  }

  kernel_reply operator()(const kernel_cmd::delete_policy& d) {
    if (!d.policy)
      return kernel_reply{false, 0, "delete_policy without a policy", false};
    auto i = st.policies.find(key_of(*d.policy));
    if (i == st.policies.end())
      return kernel_reply{false, 0, "not installed by coati", false};
    st.policies.erase(i);
    auto res = s.delete_policy(d.policy->sel, d.policy->dir);
    if (!res)
      return failed(res.err());
    c["policy_deleted"] += 1;
    return kernel_reply{true, 0, {}, false};
  }

  kernel_reply add_failed(const kernel::sa_spec& sa, const kernel::error& e, const char* what) {
    c["sa_add_failed"] += 1;
    if (e.unsupported())
      c["sa_unsupported"] += 1;
    COATI_LOG(error, "kernel", "SA ", sa.src.to_string(), "->", sa.dst.to_string(), " spi 0x",
              std::hex, sa.spi, std::dec, " not ", what, ": ", e.text);
    return failed(e);
  }
};

kernel_reply serve(kernel_state& st, const kernel_request& rq) {
  if (!st.sock) {
    kernel_reply r;
    r.error = "no XFRM socket: " + st.open_error;
    return r;
  }
  return std::visit(command_runner{st, *st.sock}, rq.cmd);
}

} // namespace

kernel_state::kernel_state() = default;

kernel_state::~kernel_state() {
  events.reset();
  if (!sock || !remove_at_exit)
    return;
  std::size_t np = 0, ns = 0;
  for (const auto& [key, p] : policies)
    np += sock->delete_policy(p.sel, p.dir) ? 1 : 0;
  for (const auto& sa : sas)
    ns += sock->delete_sa(sa.address(), sa.spi, sa.proto) ? 1 : 0;
  if (!policies.empty() || !sas.empty())
    COATI_LOG(notify, "kernel", "at exit: removed ", np, " of coati's ", policies.size(),
              " policies and ", ns, " of its ", sas.size(), " SAs (larval ones included)");
}

kernel_api::behavior_type kernel_actor(kernel_api::stateful_pointer<kernel_state> self,
                                       bool remove_at_exit) {
  self->set_exception_handler(exit_reason_of);
  self->state.remove_at_exit = remove_at_exit;
  auto s = kernel::xfrm_socket::open();
  if (s)
    self->state.sock.emplace(std::move(s.value()));
  else {
    self->state.open_error = s.err().text;
    COATI_LOG(error, "kernel", "cannot open the XFRM netlink socket: ", s.err().text);
  }
  std::optional<kernel::xfrm_events> xfrm;
  if (auto ev = kernel::xfrm_events::open())
    xfrm.emplace(std::move(ev.value()));
  else
    COATI_LOG(error, "kernel", "cannot listen to XFRM events (no ACQUIRE/EXPIRE): ", ev.err().text);
  std::optional<kernel::net_events> net;
  if (auto ne = kernel::net_events::open())
    net.emplace(std::move(ne.value()));
  else
    COATI_LOG(error, "kernel",
              "cannot listen to address and link changes (a satellite will not follow its own "
              "address): ",
              ne.err().text);
  if (xfrm || net)
    self->state.events = std::make_unique<event_reader>(std::move(xfrm), std::move(net));
  return {
      [self](subscribe_atom, const caf::actor& to) {
        handler_clock::scope timing{self};
        if (self->state.events)
          self->state.events->subscribe(to);
      },
      [self](const kernel_request& rq) {
        handler_clock::scope timing{self};
        return serve(self->state, rq);
      },
      [self](status_atom) {
        handler_clock::scope timing{self};
        counters out;
        for (const auto& [k, v] : self->state.counts)
          out.values["kernel." + k] = v;
        out.values["kernel.installed_sas"] = static_cast<std::int64_t>(self->state.sas.size());
        out.values["kernel.installed_policies"] =
            static_cast<std::int64_t>(self->state.policies.size());
        if (const auto& e = self->state.events) {
          out.values["kernel.acquires"] = e->acquires.load();
          out.values["kernel.expires"] = e->expires.load();
          out.values["kernel.mappings"] = e->mappings.load();
          out.values["kernel.mappings_passed"] = e->mappings_passed.load();
          out.values["kernel.event_errors"] = e->errors.load();
          out.values["kernel.net_events"] = e->net_seen.load();
          out.values["kernel.net_event_errors"] = e->net_errors.load();
        }
        self->state.clock.add_to(out, "kernel", mailbox_depth(self));
        return out;
      },
  };
}

// ---------------------------------------------------------------- policy

namespace {

void remove_owned(policy_api::stateful_pointer<policy_state> self, const caf::actor_addr& owner) {
  auto& st = self->state;
  auto i = st.owned.find(owner);
  if (i == st.owned.end())
    return;
  for (const auto& key : i->second) {
    auto h = st.held.find(key);
    if (h == st.held.end())
      continue;
    if (--h->second.second > 0) { // a successor holds it now
      st.counts["handed_over"] += 1;
      continue;
    }
    kernel_request rq{kernel_cmd::delete_policy{
        std::make_shared<const kernel::policy_spec>(std::move(h->second.first))}};
    st.held.erase(h);
    self->send(st.kernel, std::move(rq));
    st.counts["removed"] += 1;
  }
  st.owned.erase(i);
}

} // namespace

policy_api::behavior_type policy_actor(policy_api::stateful_pointer<policy_state> self,
                                       kernel_api kernel) {
  self->set_exception_handler(exit_reason_of);
  self->state.kernel = std::move(kernel);
  self->set_down_handler([self](caf::down_msg& dm) { remove_owned(self, dm.source); });
  return {
      [self](const policy_set& ps) -> caf::result<kernel_reply> {
        handler_clock::scope timing{self};
        if (!ps.specs)
          return kernel_reply{false, 0, "no policies", false};
        auto rp = self->make_response_promise<kernel_reply>();
        auto& mine = self->state.owned[ps.owner];
        if (mine.empty())
          if (auto h = caf::actor_cast<caf::actor>(ps.owner))
            self->monitor(h);
        auto remaining = std::make_shared<std::size_t>(ps.specs->size());
        auto first_error = std::make_shared<kernel_reply>(kernel_reply{true, 0, {}, false});
        for (const auto& p : *ps.specs) {
          auto key = key_of(p);
          mine.push_back(key);
          auto& h = self->state.held[key];
          h.first = p; // the newest owner's templates are the ones the kernel gets
          h.second += 1;
          kernel_request rq{kernel_cmd::add_policy{std::make_shared<const kernel::policy_spec>(p)}};
          self->request(self->state.kernel, kernel_wait, std::move(rq))
              .then(
                  [self, rp, remaining, first_error](kernel_reply& r) mutable {
                    self->state.counts[r.ok ? "installed" : "failed"] += 1;
                    if (!r.ok && first_error->ok)
                      *first_error = r;
                    if (--*remaining == 0)
                      rp.deliver(*first_error);
                  },
                  [self, rp, remaining, first_error](caf::error& e) mutable {
                    self->state.counts["failed"] += 1;
                    if (first_error->ok)
                      *first_error = kernel_reply{false, 0, self->system().render(e), false};
                    if (--*remaining == 0)
                      rp.deliver(*first_error);
                  });
        }
        return rp;
      },
      [self](const kernel_reply& r) {
        // The kernel's answer to a removal.
        handler_clock::scope timing{self};
        if (!r.ok) {
          self->state.counts["remove_failed"] += 1;
          COATI_LOG(warning, "policy", "policy removal: ", r.error);
        }
      },
      [self](policy_remove_atom, const caf::actor_addr& owner) {
        handler_clock::scope timing{self};
        remove_owned(self, owner);
      },
      [self](status_atom) {
        handler_clock::scope timing{self};
        counters out;
        for (const auto& [k, v] : self->state.counts)
          out.values["policy." + k] = v;
        std::int64_t n = 0;
        for (const auto& [o, v] : self->state.owned)
          n += static_cast<std::int64_t>(v.size());
        out.values["policy.owned"] = n;
        self->state.clock.add_to(out, "policy", mailbox_depth(self));
        return out;
      },
  };
}

} // namespace coati::actors
