#include "actors/daemon.hpp"

#include "actors/admin.hpp"
#include "actors/kernel.hpp"
#include "actors/plugins.hpp"
#include "actors/stats.hpp"
#include "util/log.hpp"

namespace coati::actors {

listener_options listener_options_for(const config::configuration& cfg,
                                      const daemon_options& opts) {
  listener_options lo;
  lo.isakmp = cfg.listen.isakmp;
  lo.isakmp_natt = cfg.listen.isakmp_natt;
  lo.ike_port = opts.ike_port;
  lo.natt_port = opts.natt_port;
  lo.bind_sockets = opts.bind_sockets;
  return lo;
}

namespace {

using daemon_actor = caf::stateful_actor<daemon_state>;

caf::actor child_handle(daemon_actor* self, const std::string& name) {
  auto i = self->state.children.find(name);
  return i == self->state.children.end() ? caf::actor{} : i->second.handle;
}

/// Hands a request on to the child `name` (its answer goes to the asker), or answers
/// `down` when that child is not running.
template <class... Ts>
caf::result<caf::message> delegate_to(daemon_actor* self, const char* name, const char* down,
                                      const Ts&... xs) {
  auto h = child_handle(self, name);
  if (!h)
    return caf::make_error(caf::sec::invalid_argument, down);
  return self->delegate(h, xs...);
}

/// Reads the snapshot's certificates, keys and psk.txt (problems are logged).
void load_creds(daemon_actor* self) {
  std::vector<std::string> problems;
  self->state.creds = load_credentials(*self->state.snapshot, problems);
  for (const auto& p : problems)
    COATI_LOG(warning, "daemon", p);
}

/// Tells the listener the current snapshot and service handles.
void brief_listener(daemon_actor* self) {
  auto l = child_handle(self, "listener");
  if (!l)
    return;
  auto& st = self->state;
  self->send(l, snapshot{st.snapshot, st.creds, st.generation});
  self->send(l, st.svc);
  if (st.svc.kernel)
    self->send(st.svc.kernel, subscribe_atom_v, l);
}

/// Spawns child `name` afresh and monitors it.
void spawn_child(daemon_actor* self, const std::string& name) {
  auto& st = self->state;
  auto me = caf::actor_cast<caf::actor>(self);
  caf::actor child;
  if (name == "listener") {
    child = caf::actor_cast<caf::actor>(
        self->spawn(listener, listener_options_for(*st.snapshot, st.opts)));
  } else if (name == "kernel") {
    st.svc.kernel = self->spawn<caf::detached>(kernel_actor, true);
    child = caf::actor_cast<caf::actor>(st.svc.kernel);
  } else if (name == "policy") {
    st.svc.policy = self->spawn(policy_actor, st.svc.kernel);
    child = caf::actor_cast<caf::actor>(st.svc.policy);
  } else if (name == "script") {
    st.svc.script = self->spawn(script_actor, std::chrono::seconds{30});
    child = caf::actor_cast<caf::actor>(st.svc.script);
  } else if (name == "auth" || name == "pool") {
    // XAuth and Mode Config: only for a configuration with a mode_cfg block.
    const auto& m = st.snapshot->mode_cfg;
    if (!m)
      return;
    if (name == "auth") {
      st.svc.auth = spawn_auth(
          *self, auth_options_for(*m, st.snapshot->ldapcfg ? &*st.snapshot->ldapcfg : nullptr));
      child = caf::actor_cast<caf::actor>(st.svc.auth);
    } else {
      try {
        st.svc.pool = spawn_pool(*self, pool_options_for(*m));
      } catch (const std::exception& e) {
        COATI_LOG(error, "daemon", "mode_cfg: no address pool: ", e.what());
        return;
      }
      child = caf::actor_cast<caf::actor>(st.svc.pool);
    }
  } else if (name == "ddns") {
    // DNS registration of roadwarriors: only with a ddns block (and a pool to lease from).
    const auto& d = st.snapshot->ddns;
    if (!d || !st.snapshot->mode_cfg)
      return;
    std::string why;
    auto o = ddns_options_for(*d, why);
    if (!o) {
      COATI_LOG(error, "daemon", "ddns: ", why, "; no DNS registration");
      return;
    }
    st.svc.ddns = spawn_ddns(*self, std::move(*o));
    child = caf::actor_cast<caf::actor>(st.svc.ddns);
  } else if (name == "bus") {
    st.svc.bus = self->spawn(bus_actor, 0);
    child = caf::actor_cast<caf::actor>(st.svc.bus);
    auto p = st.children.find("plugins"); // a new bus: the plugins subscribe afresh
    if (p != st.children.end() && p->second.handle) {
      p->second.replacing = true;
      self->send_exit(p->second.handle, caf::exit_reason::user_shutdown);
    }
  } else if (name == "plugins") {
    const auto& p = st.snapshot->plugins;
    if (!p || p->loads.empty())
      return;
    child = caf::actor_cast<caf::actor>(
        self->spawn(plugins_actor, plugins_options{open_plugins(*p), p->restarts, st.svc.bus}));
  } else if (name == "stats") {
    child = self->spawn(stats, me, std::chrono::milliseconds{2000});
  } else if (name == "admin") {
    const auto& sock = st.snapshot->listen.adminsock;
    if (!sock)
      return;
    admin_options ao{sock->path, sock->mode, sock->owner, sock->group, st.opts.test_hooks};
    child = self->spawn(admin, me, ao);
  }
  self->monitor(child);
  st.children[name].handle = child;
  if (name != "stats" && name != "admin" && name != "plugins")
    brief_listener(self);
}

/// A child went down: restart it unless it stopped normally or we are stopping.
void on_child_down(daemon_actor* self, const caf::down_msg& dm) {
  auto& st = self->state;
  for (auto& [name, entry] : st.children) {
    if (entry.handle.address() != dm.source)
      continue;
    entry.handle = nullptr;
    if (st.stopping) {
      if (name == "listener" && st.on_listener_down)
        std::exchange(st.on_listener_down, nullptr)();
      return;
    }
    if (entry.replacing) {
      entry.replacing = false;
      COATI_LOG(notify, "daemon", name, " replaced for the new configuration");
      spawn_child(self, name);
      return;
    }
    if (!dm.reason || dm.reason == caf::exit_reason::normal) {
      COATI_LOG(notify, "daemon", name, " stopped");
      return;
    }
    auto reason = self->system().render(dm.reason);
    auto now = std::chrono::steady_clock::now();
    std::erase_if(entry.recent, [&](auto t) { return now - t > std::chrono::seconds{10}; });
    if (entry.recent.size() >= st.opts.max_restarts) {
      COATI_LOG(error, "daemon", name, " failed again (", reason, "); too many restarts, stopping");
      st.stopping = true;
      for (auto& [n, e] : st.children)
        if (e.handle)
          self->send_exit(e.handle, dm.reason);
      self->quit(dm.reason);
      return;
    }
    entry.recent.push_back(now);
    entry.restarts += 1;
    st.restarts += 1;
    COATI_LOG(error, "daemon", name, " crashed: ", reason, "; restarting");
    spawn_child(self, name);
    return;
  }
}

/// Stops the children in order: the listener first (it stops its peers, whose ends send
/// phase1_down scripts and SA removals); once it is gone and those messages had a moment
/// to arrive, the rest, kernel last; then the daemon.
void shut_down(daemon_actor* self, const caf::error& reason) {
  auto& st = self->state;
  if (st.stopping)
    return;
  st.stopping = true;
  COATI_LOG(notify, "daemon", "stopping: ", self->system().render(reason));
  auto finish = [self, reason] {
    for (const char* name : {"admin", "stats", "plugins", "bus", "script", "ddns", "pool", "auth",
                             "policy", "kernel"}) {
      auto i = self->state.children.find(name);
      if (i != self->state.children.end() && i->second.handle)
        self->send_exit(i->second.handle, reason);
    }
    self->quit(reason);
  };
  auto l = child_handle(self, "listener");
  if (!l) {
    finish();
    return;
  }
  self->send_exit(l, reason);
  // The listener ends after its peers (their Deletes go out through its sockets). Their
  // last messages to the services (scripts, SA and policy removals) were sent before
  // that; a short moment after the listener is gone, the services stop. A listener that
  // does not end within 5 s does not hold the daemon up.
  st.on_listener_down = [self] {
    self->delayed_send(self, std::chrono::milliseconds{200}, tick_atom_v);
  };
  self->delayed_send(self, std::chrono::seconds{5}, tick_atom_v);
  self->become(caf::keep_behavior, [finish](tick_atom) { finish(); });
}

/// Why coatid cannot start: a `required` plugin that cannot be loaded (empty: none).
std::string required_plugin_missing(const config::configuration& cfg) {
  if (!cfg.plugins)
    return {};
  config::plugins_block wanted = *cfg.plugins;
  std::erase_if(wanted.loads, [](const config::plugin_load& l) { return !l.required; });
  for (const auto& p : open_plugins(wanted))
    if (!p.start)
      return "required plugin " + p.name + " refused: " + p.error;
  return {};
}

reload_result reload(daemon_actor* self) {
  auto& st = self->state;
  auto res = st.opts.load(st.opts.config_path);
  if (!res.ok()) {
    st.reloads_failed += 1;
    std::string text; // rendered here: the daemon needs only the model's headers
    for (const auto& d : res.diagnostics)
      text += d.file + ":" + std::to_string(d.line) + ":" + std::to_string(d.column) + ": " +
              (d.sev == config::diagnostic::severity::error ? "error: " : "warning: ") + d.message +
              "\n";
    COATI_LOG(error, "daemon", "reload of ", st.opts.config_path, " failed; keeping generation ",
              st.generation, "\n", text);
    return {false, st.generation, text};
  }
  auto old = st.snapshot;
  st.snapshot = res.config;
  load_creds(self);
  auto replace = [&](const std::string& name) {
    auto i = st.children.find(name);
    if (i == st.children.end() || !i->second.handle) {
      if (name == "admin" && st.opts.with_admin)
        spawn_child(self, name); // a socket that was disabled and is now wanted
      return;
    }
    i->second.replacing = true;
    self->send_exit(i->second.handle, caf::exit_reason::user_shutdown);
  };
  if (old->listen.isakmp != st.snapshot->listen.isakmp ||
      old->listen.isakmp_natt != st.snapshot->listen.isakmp_natt)
    replace("listener");
  const auto& a = old->listen.adminsock;
  const auto& b = st.snapshot->listen.adminsock;
  bool same_sock =
      a.has_value() == b.has_value() && (!a || (a->path == b->path && a->mode == b->mode &&
                                                a->owner == b->owner && a->group == b->group));
  if (st.opts.with_admin && !same_sock)
    replace("admin");
  if (old->plugins != st.snapshot->plugins)
    COATI_LOG(warning, "daemon",
              "the plugins block changed: plugins are loaded at start-up; "
              "restart coatid to apply it");
  st.generation += 1;
  st.reloads_ok += 1;
  brief_listener(self);
  if (st.opts.apply)
    st.opts.apply(*st.snapshot);
  COATI_LOG(notify, "daemon", "configuration reloaded: generation ", st.generation);
  return {true, st.generation, "reloaded"};
}

counters status(daemon_actor* self) {
  auto& st = self->state;
  counters out;
  auto& v = out.values;
  v["daemon.generation"] = st.generation;
  v["daemon.reloads_ok"] = st.reloads_ok;
  v["daemon.reloads_failed"] = st.reloads_failed;
  v["daemon.restarts"] = st.restarts;
  v["daemon.uptime_s"] = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::steady_clock::now() - st.started)
                             .count();
  std::int64_t alive = 0;
  for (const auto& [name, e] : st.children) {
    alive += e.handle ? 1 : 0;
    v["daemon.child." + name + ".alive"] = e.handle ? 1 : 0;
    v["daemon.child." + name + ".restarts"] = e.restarts;
  }
  v["daemon.children"] = alive;
  st.clock.add_to(out, "daemon", mailbox_depth(self));
  return out;
}

} // namespace

caf::behavior daemon(daemon_actor* self, daemon_options opts,
                     std::shared_ptr<const config::configuration> initial) {
  self->state.opts = std::move(opts);
  self->state.snapshot = std::move(initial);
  self->set_down_handler([self](caf::down_msg& dm) { on_child_down(self, dm); });
  self->set_exit_handler([self](caf::exit_msg& em) { shut_down(self, em.reason); });
  load_creds(self);
  if (auto why = required_plugin_missing(*self->state.snapshot); !why.empty()) {
    COATI_LOG(error, "daemon", why, "; not starting");
    self->quit(caf::make_error(caf::sec::runtime_error, why));
    return {};
  }
  spawn_child(self, "stats");
  spawn_child(self, "bus");
  spawn_child(self, "plugins");
  spawn_child(self, "kernel");
  spawn_child(self, "policy");
  spawn_child(self, "script");
  spawn_child(self, "auth");
  spawn_child(self, "pool");
  spawn_child(self, "ddns");
  spawn_child(self, "listener");
  if (self->state.opts.with_admin)
    spawn_child(self, "admin");
  return {
      [self](reload_atom) {
        handler_clock::scope timing{self};
        return reload(self);
      },
      [self](status_atom) {
        handler_clock::scope timing{self};
        return status(self);
      },
      [self](children_atom) {
        handler_clock::scope timing{self};
        child_list out;
        out.names.push_back("daemon");
        out.handles.push_back(caf::actor_cast<caf::actor>(self));
        for (const auto& [name, e] : self->state.children)
          if (e.handle) {
            out.names.push_back(name);
            out.handles.push_back(e.handle);
          }
        return out;
      },
      [self](stats_atom s) {
        handler_clock::scope timing{self};
        return delegate_to(self, "stats", "stats actor is down", s);
      },
      [self](show_sa_atom a, const std::string& kind) {
        handler_clock::scope timing{self};
        return delegate_to(self, "listener", "listener is down", a, kind);
      },
      [self](logout_atom a, const std::string& user) {
        handler_clock::scope timing{self};
        return delegate_to(self, "listener", "listener is down", a, user);
      },
      [self](show_pool_atom a) {
        handler_clock::scope timing{self};
        return delegate_to(self, "pool", "no address pool (no mode_cfg block, or it failed)", a);
      },
      [self](show_ddns_atom a) {
        handler_clock::scope timing{self};
        return delegate_to(self, "ddns", "no DNS registration (no ddns block, or it failed)", a);
      },
      [self](plugins_atom a) {
        handler_clock::scope timing{self};
        return delegate_to(self, "plugins", "no plugins (no plugins block)", a);
      },
      [self](connect_atom a, const std::string& address) {
        handler_clock::scope timing{self};
        return delegate_to(self, "listener", "listener is down", a, address);
      },
      [self](crash_atom, const std::string& name) {
        handler_clock::scope timing{self};
        if (!self->state.opts.test_hooks)
          return false;
        if (name == "peer" || name.starts_with("peer:")) { // one peer actor, through the listener
          auto l = child_handle(self, "listener");
          if (!l)
            return false;
          self->send(l, crash_atom_v, name);
          return true;
        }
        auto h = child_handle(self, name);
        if (!h)
          return false;
        COATI_LOG(warning, "daemon", "test hook: crashing ", name);
        self->send(h, crash_atom_v);
        return true;
      },
  };
}

} // namespace coati::actors
