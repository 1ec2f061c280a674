#include "actors/ddns.hpp"

#include <algorithm>
#include <stdexcept>

#include "config/model.hpp"
#include "util/log.hpp"

namespace coati::actors {

std::optional<ddns_options> ddns_options_for(const config::ddns_block& b, std::string& why) {
  ddns_options o;
  o.server = b.server.to_string();
  o.port = b.port;
  o.zone = b.zone;
  o.reverse_zone = b.reverse_zone;
  o.name = b.name;
  o.ttl = b.ttl;
  o.timeout = std::chrono::seconds{b.timeout};
  o.retry = std::chrono::seconds{b.retry};
  if (!b.key.empty()) {
    auto k = ddns::load_key(b.key, why);
    if (!k)
      return std::nullopt;
    o.key = std::make_shared<const ddns::tsig_key>(std::move(*k));
  }
  return o;
}

namespace {

using ddns_self = ddns_impl::stateful_pointer<ddns_state>;
using kind = ddns::outcome::kind;

/// The UPDATEs that bring `job.name` where the job says: the forward zone first, then
/// the reverse zone (PTRs of old addresses removed, the new one added).
std::vector<ddns::update_msg> updates_for(const ddns_options& o, const ddns_job& job) {
  std::vector<ddns::update_msg> out;
  ddns::update_msg fwd{o.zone, {{false, job.name, ddns::rr_type::a, 0, {}}}};
  if (!job.address.empty())
    fwd.changes.push_back({true, job.name, ddns::rr_type::a, o.ttl, job.address});
  out.push_back(std::move(fwd));
  if (o.reverse_zone.empty())
    return out;
  ddns::update_msg rev{o.reverse_zone, {}};
  auto ptr = [&](const std::string& address, bool add) {
    auto r = ddns::reverse_name(address);
    if (r.empty() || !ddns::in_zone(r, o.reverse_zone))
      return;
    rev.changes.push_back({false, r, ddns::rr_type::ptr, 0, {}});
    if (add)
      rev.changes.push_back({true, r, ddns::rr_type::ptr, o.ttl, job.name});
  };
  for (const auto& a : job.old)
    if (a != job.address)
      ptr(a, false);
  if (!job.address.empty())
    ptr(job.address, true);
  if (!rev.changes.empty())
    out.push_back(std::move(rev));
  return out;
}

/// The worker: one detached actor (own thread) that runs the blocking round trips.
caf::behavior ddns_worker(caf::event_based_actor*, ddns_options o) {
  return {
      [o](const ddns_job& job) -> ddns_done {
        for (const auto& m : updates_for(o, job)) {
          auto r = ddns::send_update(m, o.server, o.port, o.key.get(), o.timeout);
          if (!r.ok())
            return {job.name, static_cast<std::uint8_t>(r.what),
                    "UPDATE of zone " + m.zone + ": " + r.text};
        }
        return {job.name, static_cast<std::uint8_t>(kind::ok), {}};
      },
  };
}

bool needs_work(const ddns_state::entry& e) {
  return !e.held || *e.held != e.want || !e.old.empty();
}

void pump(ddns_self self);

/// Puts `name` in the queue when it has work and is neither queued nor being sent.
void enqueue(ddns_self self, const std::string& name) {
  auto& st = self->state;
  auto i = st.names.find(name);
  if (i == st.names.end() || name == st.in_flight || !needs_work(i->second))
    return;
  if (std::find(st.queue.begin(), st.queue.end(), name) == st.queue.end())
    st.queue.push_back(name);
}

/// Forgets `name` once nobody holds it and the server holds nothing of it.
void maybe_forget(ddns_self self, const std::string& name) {
  auto& st = self->state;
  auto i = st.names.find(name);
  if (i != st.names.end() && i->second.holders.empty() && !needs_work(i->second) &&
      name != st.in_flight)
    st.names.erase(i);
}

void on_done(ddns_self self, const ddns_done& d) {
  auto& st = self->state;
  st.in_flight.clear();
  auto i = st.names.find(d.name);
  auto what = static_cast<kind>(d.what);
  if (what == kind::ok) {
    st.counts["ddns.updates_ok"] += 1;
    st.backoff = std::chrono::seconds{0};
    if (i != st.names.end()) {
      auto& e = i->second;
      e.held = st.sent.address;
      for (const auto& a : st.sent.old)
        e.old.erase(a);
      if (st.sent.address.empty())
        COATI_LOG(info, "ddns", d.name, ": records removed");
      else
        COATI_LOG(info, "ddns", d.name, " A ", st.sent.address, " registered");
      enqueue(self, d.name); // changed while the worker had it
      maybe_forget(self, d.name);
    }
    pump(self);
    return;
  }
  st.counts["ddns.failures"] += 1;
  st.counts["ddns.failed." + std::string(ddns::kind_name(what))] += 1;
  st.backoff =
      st.backoff.count() == 0 ? st.opts.retry : std::min(st.backoff * 2, st.opts.retry * 8);
  bool key_problem = what == kind::badsig || what == kind::badkey || what == kind::badtime ||
                     what == kind::notauth;
  if (key_problem)
    COATI_LOG(error, "ddns", d.name, ": ", d.text,
              st.opts.key ? "; check the TSIG key \"" + st.opts.key->name + "\" (" +
                                st.opts.key->algorithm + ") against the server's"
                          : std::string{"; the updates are not signed (no key in the ddns block)"},
              "; retrying in ", st.backoff.count(), " s");
  else
    COATI_LOG(warning, "ddns", d.name, ": ", d.text, "; retrying in ", st.backoff.count(), " s");
  if (i != st.names.end())
    st.queue.push_front(d.name); // first again: a name's changes stay in order
  st.waiting = true;
  self->delayed_send(self, st.backoff, tick_atom_v, ++st.timer);
}

/// Hands the next name with work to the worker, unless it is busy or we wait to retry.
void pump(ddns_self self) {
  auto& st = self->state;
  while (st.in_flight.empty() && !st.waiting && !st.queue.empty()) {
    auto name = st.queue.front();
    st.queue.pop_front();
    auto i = st.names.find(name);
    if (i == st.names.end() || !needs_work(i->second)) {
      maybe_forget(self, name);
      continue;
    }
    auto& e = i->second;
    st.in_flight = name;
    st.sent = {name, e.want, std::vector<std::string>(e.old.begin(), e.old.end())};
    self->request(st.worker, caf::infinite, st.sent)
        .then([self](ddns_done& d) { on_done(self, d); },
              [self, name](caf::error& err) {
                on_done(self, {name, static_cast<std::uint8_t>(kind::other),
                               "worker failed: " + self->system().render(err)});
              });
  }
}

void on_register(ddns_self self, const ddns_register& r) {
  auto& st = self->state;
  auto name = ddns::forward_name(st.opts.name, r.user, st.opts.zone);
  if (name.empty() || ddns::reverse_name(r.address).empty()) {
    st.counts["ddns.bad_names"] += 1;
    COATI_LOG(warning, "ddns", "cannot register user \"", r.user, "\" with address ", r.address,
              ": no valid DNS name or IPv4 address");
    return;
  }
  auto owner = r.owner ? r.owner : caf::actor_cast<caf::actor_addr>(self->current_sender());
  if (!owner)
    return;
  if (st.owners.find(owner.id()) == st.owners.end())
    self->monitor(owner);
  st.owners[owner.id()].insert(name);
  auto& e = st.names[name];
  e.user = r.user;
  if (!e.want.empty() && e.want != r.address)
    e.old.insert(e.want);
  e.want = r.address;
  e.old.erase(r.address);
  e.holders.insert(owner.id());
  st.counts["ddns.registered"] += 1;
  enqueue(self, name);
  pump(self);
}

/// Every name: published once the server holds what is wanted, pending until then;
/// removing while records of a name nobody holds any more are still on the server.
ddns_rows rows(const ddns_state& st) {
  ddns_rows out;
  for (const auto& [name, e] : st.names) {
    const char* state = "pending";
    if (e.want.empty())
      state = "removing";
    else if (e.held == e.want && e.old.empty())
      state = "published";
    out.rows.push_back({e.user, name, e.want, state});
  }
  return out;
}

/// A peer ended: names nobody else holds lose their records.
void on_owner_down(ddns_self self, const caf::down_msg& dm) {
  auto& st = self->state;
  auto o = st.owners.find(dm.source.id());
  if (o == st.owners.end())
    return;
  for (const auto& name : o->second) {
    auto i = st.names.find(name);
    if (i == st.names.end())
      continue;
    auto& e = i->second;
    e.holders.erase(dm.source.id());
    if (!e.holders.empty() || e.want.empty())
      continue;
    e.old.insert(e.want);
    e.want.clear();
    st.counts["ddns.removed"] += 1;
    enqueue(self, name);
  }
  st.owners.erase(o);
  pump(self);
}

counters status(ddns_self self) {
  auto& st = self->state;
  counters out;
  out.values = st.counts;
  for (auto key : {"ddns.registered", "ddns.removed", "ddns.updates_ok", "ddns.failures",
                   "ddns.retries", "ddns.bad_names"})
    out.values.try_emplace(key, 0);
  std::int64_t pending = 0, published = 0;
  for (const auto& [name, e] : st.names) {
    pending += needs_work(e) ? 1 : 0;
    published += e.held && !e.held->empty() ? 1 : 0;
  }
  out.values["ddns.pending"] = pending;
  out.values["ddns.published"] = published;
  out.values["ddns.backoff_s"] = st.backoff.count();
  st.clock.add_to(out, "ddns", mailbox_depth(self));
  return out;
}

} // namespace

ddns_impl::behavior_type ddns_behavior(ddns_self self, ddns_options opts) {
  self->set_exception_handler(exit_reason_of);
  auto& st = self->state;
  st.opts = std::move(opts);
  st.worker = self->spawn<caf::detached + caf::linked>(ddns_worker, st.opts);
  // A normal exit does not travel along links: stop the worker explicitly.
  self->attach_functor([w = st.worker](const caf::error&) {
    caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
  });
  self->set_down_handler([self](caf::down_msg& dm) {
    handler_clock::scope timing{self};
    on_owner_down(self, dm);
  });
  COATI_LOG(info, "ddns", "registering ", st.opts.name, ".", st.opts.zone,
            st.opts.reverse_zone.empty() ? std::string{} : " and PTRs in " + st.opts.reverse_zone,
            " at ", st.opts.server, " port ", st.opts.port,
            st.opts.key
                ? ", TSIG key \"" + st.opts.key->name + "\" (" + st.opts.key->algorithm + ")"
                : std::string{", unsigned"});
  return {
      [self](const ddns_register& r) {
        handler_clock::scope timing{self};
        on_register(self, r);
      },
      [self](show_ddns_atom) -> ddns_rows {
        handler_clock::scope timing{self};
        return rows(self->state);
      },
      [self](status_atom) -> counters {
        handler_clock::scope timing{self};
        return status(self);
      },
      [](crash_atom) { throw std::runtime_error("ddns: test crash requested"); },
      [self](tick_atom, std::uint64_t n) {
        handler_clock::scope timing{self};
        auto& s = self->state;
        if (n != s.timer || !s.waiting)
          return;
        s.waiting = false;
        s.counts["ddns.retries"] += 1;
        pump(self);
      },
  };
}

} // namespace coati::actors
