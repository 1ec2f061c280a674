#include "actors/auth.hpp"

#include <algorithm>
#include <stdexcept>

#include "config/model.hpp"
#include "util/log.hpp"

namespace coati::actors {

auth_options auth_options_for(const config::mode_cfg_block& m, const config::ldapcfg_block* l) {
  auth_options o;
  switch (m.auth) {
  case config::auth_source::system:
    o.source = auth::backend::system;
    break;
  case config::auth_source::pam:
    o.source = auth::backend::pam;
    break;
  case config::auth_source::ldap:
    o.source = auth::backend::ldap;
    break;
  case config::auth_source::radius:
    o.source = auth::backend::radius;
    break;
  }
  o.auth_groups = m.auth_groups;
  o.ldap_groups = m.groups == config::group_source::ldap;
  o.ldap_address = m.conf == config::conf_source::ldap;
  if (l != nullptr) {
    if (o.source == auth::backend::ldap || o.ldap_groups || o.ldap_address)
      o.workers = auth_options::ldap_workers;
    auth::ldap_options lo;
    lo.version = l->version;
    lo.host = l->host;
    lo.port = l->port;
    lo.base = l->base;
    lo.subtree = l->subtree;
    lo.bind_dn = l->bind_dn;
    lo.bind_pw = crypto::secret_bytes::from_string(l->bind_pw);
    lo.attr_user = l->attr_user;
    lo.attr_addr = l->attr_addr;
    lo.attr_mask = l->attr_mask;
    lo.attr_group = l->attr_group;
    lo.attr_member = l->attr_member;
    lo.starttls = l->starttls;
    lo.tls_cacert = l->tls_cacert;
    lo.max_idle = o.workers;
    o.ldap = std::make_shared<auth::ldap_directory>(std::move(lo));
  }
  return o;
}

std::shared_ptr<const auth::checker> checker_for(const auth_options& o) {
  if (o.checker)
    return o.checker;
  if (o.source == auth::backend::ldap) {
    if (!o.ldap)
      return auth::make_unsupported_checker("auth_source ldap without an ldapcfg block");
    return std::make_shared<auth::ldap_checker>(o.ldap, o.ldap_groups, o.ldap_address);
  }
  auto base = auth::make_checker(o.source, o.pam);
  if (o.ldap && (o.ldap_groups || o.ldap_address))
    return std::make_shared<auth::ldap_lookup_checker>(base, o.ldap, o.ldap_groups, o.ldap_address);
  return base;
}

namespace {

using auth_self = auth_impl::stateful_pointer<auth_state>;

/// A worker: one detached actor (own thread) that runs blocking checks one at a time.
caf::behavior auth_worker(caf::event_based_actor*, std::shared_ptr<const auth::checker> c) {
  return {
      [c](auth_job& job) -> auth_done {
        auth::check_result r;
        try {
          r = c->check(job.request.user, job.request.password, job.request.remote);
        } catch (const std::exception& e) {
          r = {auth::reason::backend_error, std::string{"back end threw: "} + e.what(), {}};
        }
        job.request.password.clear();
        return {job.id,
                {r.ok(), r.why, std::move(r.text), std::move(r.groups), std::move(r.address),
                 std::move(r.netmask)}};
      },
  };
}

/// Answers check `id` (if still pending), counts and logs it, and forgets it.
void answer(auth_self self, std::uint64_t id, auth_reply reply) {
  auto& st = self->state;
  auto i = st.pending.find(id);
  if (i == st.pending.end())
    return;
  auto& p = i->second;
  if (reply.ok) {
    st.counts["auth.ok"] += 1;
    COATI_LOG(info, "auth", "user ", p.user, " from ", p.remote, " accepted");
  } else {
    switch (reply.reason) {
    case auth::reason::timeout:
      st.counts["auth.timeouts"] += 1;
      break;
    case auth::reason::busy:
      st.counts["auth.busy"] += 1;
      break;
    default:
      st.counts["auth.failed." + std::string{auth::to_string(reply.reason)}] += 1;
    }
    COATI_LOG(notify, "auth", "user ", p.user, " from ", p.remote, " refused (",
              auth::to_string(reply.reason), "): ", reply.text);
  }
  p.promise.deliver(std::move(reply));
  st.pending.erase(i);
}

void dispatch(auth_self self);

/// A worker finished check `id`: answer it unless it timed out, and take the next one.
void on_done(auth_self self, const caf::actor& worker, std::uint64_t id, auth_reply reply) {
  auto& st = self->state;
  const auto& wanted = st.opts.auth_groups;
  if (reply.ok && !wanted.empty() &&
      std::none_of(reply.groups.begin(), reply.groups.end(), [&](const std::string& g) {
        return std::find(wanted.begin(), wanted.end(), g) != wanted.end();
      })) {
    std::string have;
    for (const auto& g : reply.groups)
      have += (have.empty() ? "" : ", ") + g;
    reply = {false,
             auth::reason::account_denied,
             "in none of the auth_groups (the user's groups: " + (have.empty() ? "none" : have) +
                 ")",
             {}};
  }
  if (st.pending.count(id) == 0)
    st.counts["auth.late"] += 1; // answered as a timeout already
  else
    answer(self, id, std::move(reply));
  st.idle.push_back(worker);
  dispatch(self);
}

/// Hands queued checks to idle workers.
void dispatch(auth_self self) {
  auto& st = self->state;
  while (!st.idle.empty() && !st.queue.empty()) {
    auto id = st.queue.front();
    st.queue.pop_front();
    auto i = st.pending.find(id);
    if (i == st.pending.end())
      continue;
    i->second.running = true;
    auto worker = st.idle.back();
    st.idle.pop_back();
    self->request(worker, caf::infinite, auth_job{id, std::move(i->second.request)})
        .then([self, worker](auth_done& d) { on_done(self, worker, d.id, std::move(d.reply)); },
              [self, worker, id](caf::error& e) {
                // The worker is gone (it is linked: so will we be, unless it ended normally).
                std::erase(self->state.workers, worker);
                answer(self, id,
                       {false,
                        auth::reason::backend_error,
                        "auth worker failed: " + self->system().render(e),
                        {}});
              });
  }
}

/// A new check: queue it (or refuse it when the queue is full) and start its timer.
caf::result<auth_reply> on_request(auth_self self, auth_request& req) {
  auto& st = self->state;
  st.counts["auth.requests"] += 1;
  if (st.idle.empty() && st.queue.size() >= st.opts.queue_limit) {
    st.counts["auth.busy"] += 1;
    COATI_LOG(notify, "auth", "user ", req.user, " from ", req.remote,
              " refused (busy): ", st.queue.size(), " checks waiting");
    return auth_reply{false, auth::reason::busy, "too many checks waiting", {}};
  }
  auto id = st.next_id++;
  auto& p = st.pending[id];
  p.user = req.user;
  p.remote = req.remote;
  p.request = std::move(req);
  p.promise = self->make_response_promise<auth_reply>();
  st.queue.push_back(id);
  self->delayed_send(self, st.opts.time_limit, auth_expired{id});
  auto promise = p.promise;
  dispatch(self);
  return promise;
}

/// The time limit of check `id` passed: answer timeout (a running worker finishes later).
void on_expired(auth_self self, std::uint64_t id) {
  auto& st = self->state;
  auto i = st.pending.find(id);
  if (i == st.pending.end())
    return; // answered in time: a stale timer
  if (!i->second.running)
    std::erase(st.queue, id);
  answer(self, id,
         {false,
          auth::reason::timeout,
          "no answer within " + std::to_string(st.opts.time_limit.count()) + " ms",
          {}});
}

counters status(auth_self self) {
  auto& st = self->state;
  counters out;
  out.values = st.counts;
  for (auto key : {"auth.requests", "auth.ok", "auth.timeouts", "auth.busy", "auth.late"})
    out.values.try_emplace(key, 0);
  out.values["auth.workers"] = static_cast<std::int64_t>(st.workers.size());
  out.values["auth.in_flight"] = static_cast<std::int64_t>(st.workers.size() - st.idle.size());
  out.values["auth.queued"] = static_cast<std::int64_t>(st.queue.size());
  st.clock.add_to(out, "auth", mailbox_depth(self));
  return out;
}

} // namespace

auth_impl::behavior_type auth_behavior(auth_self self, auth_options opts) {
  self->set_exception_handler(exit_reason_of);
  auto& st = self->state;
  st.opts = std::move(opts);
  st.opts.workers = std::max<std::size_t>(st.opts.workers, 1);
  st.checker = checker_for(st.opts);
  for (std::size_t i = 0; i < st.opts.workers; ++i)
    st.workers.push_back(self->spawn<caf::detached + caf::linked>(auth_worker, st.checker));
  st.idle = st.workers;
  // A normal exit does not travel along links: stop the workers explicitly (each ends
  // after the check it may be in).
  self->attach_functor([workers = st.workers](const caf::error&) {
    for (const auto& w : workers)
      caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
  });
  COATI_LOG(info, "auth", st.checker->describe(), ", ", st.opts.workers, " workers, queue ",
            st.opts.queue_limit, ", limit ", st.opts.time_limit.count(), " ms");
  return {
      [self](auth_request& req) -> caf::result<auth_reply> {
        handler_clock::scope timing{self};
        return on_request(self, req);
      },
      [self](status_atom) -> counters {
        handler_clock::scope timing{self};
        return status(self);
      },
      [](crash_atom) { throw std::runtime_error("auth: test crash requested"); },
      [self](auth_expired e) {
        handler_clock::scope timing{self};
        on_expired(self, e.id);
      },
  };
}

} // namespace coati::actors
