#include "actors/kernel.hpp"

#include "util/log.hpp"
#include "util/process.hpp"

namespace coati::actors {

// ---------------------------------------------------------------- script

namespace {

/// The remote address a hook is about (its REMOTE_ADDR), "" for none.
std::string remote_of(const std::vector<std::string>& env) {
  for (const auto& v : env)
    if (v.starts_with("REMOTE_ADDR="))
      return v.substr(12);
  return {};
}

/// Runs one hook on a detached worker of its own.
void start_script(script_api::stateful_pointer<script_state> self, std::chrono::seconds timeout,
                  script_state::job j) {
  auto& st = self->state;
  st.counts["started"] += 1;
  script_api me = self;
  // (An argument, not only captures: CAF 0.17 dereferences an empty argument tuple.)
  auto work = [me, env = j.env, timeout](caf::event_based_actor* worker,
                                         const std::string& script) {
    process::spec sp;
    sp.path = script;
    sp.env = env;
    sp.timeout = timeout;
    auto res = process::run(sp);
    auto text = res.describe();
    if (res.success())
      COATI_LOG(notify, "script", script, ": ", text);
    else
      COATI_LOG(error, "script", script, ": ", text);
    if (!res.output.empty()) {
      if (res.success())
        COATI_LOG(info, "script", script, " said: ", res.output);
      else
        COATI_LOG(warning, "script", script, " said: ", res.output);
    }
    worker->send(me, script_atom_v, script, res.success());
    worker->quit();
  };
  auto w = self->spawn<caf::detached + caf::monitored>(work, j.path);
  if (j.down)
    st.downs[j.remote] += 1;
  j.path.clear();
  j.env.clear();
  st.running.emplace(w.address(), std::move(j));
}

/// Asked to run: at once, or after the phase1_down running (or waiting) for its address.
void ask_script(script_api::stateful_pointer<script_state> self, std::chrono::seconds timeout,
                script_state::job j) {
  auto& st = self->state;
  j.remote = remote_of(j.env);
  auto d = st.downs.find(j.remote);
  if (!j.remote.empty() &&
      ((d != st.downs.end() && d->second > 0) || st.queued.contains(j.remote))) {
    st.counts["queued"] += 1;
    auto remote = j.remote;
    st.queued[remote].push_back(std::move(j));
    return;
  }
  start_script(self, timeout, std::move(j));
}

/// Worker `w` is done (its report, or its end without one). When it was the last
/// phase1_down of its address, the hooks waiting for it run, up to the next phase1_down.
void script_done(script_api::stateful_pointer<script_state> self, std::chrono::seconds timeout,
                 const caf::actor_addr& w) {
  auto& st = self->state;
  auto i = st.running.find(w);
  if (i == st.running.end())
    return;
  auto remote = i->second.remote;
  bool down = i->second.down;
  st.running.erase(i);
  if (!down)
    return;
  auto d = st.downs.find(remote);
  if (d != st.downs.end() && --d->second > 0)
    return;
  if (d != st.downs.end())
    st.downs.erase(d);
  auto q = st.queued.find(remote);
  if (q == st.queued.end())
    return;
  auto waiting = std::move(q->second);
  st.queued.erase(q);
  while (!waiting.empty()) {
    auto j = std::move(waiting.front());
    waiting.pop_front();
    bool barrier = j.down;
    start_script(self, timeout, std::move(j));
    if (barrier) { // the rest waits for this one
      for (auto& rest : waiting)
        st.queued[remote].push_back(std::move(rest));
      return;
    }
  }
}

} // namespace

script_api::behavior_type script_actor(script_api::stateful_pointer<script_state> self,
                                       std::chrono::seconds timeout) {
  self->set_exception_handler(exit_reason_of);
  self->set_down_handler(
      [self, timeout](caf::down_msg& dm) { script_done(self, timeout, dm.source); });
  return {
      [self, timeout](script_atom, std::string& path, std::vector<std::string>& env) {
        handler_clock::scope timing{self};
        ask_script(self, timeout, script_state::job{std::move(path), std::move(env), false, {}});
      },
      [self, timeout](script_atom, std::string& path, std::vector<std::string>& env, bool down) {
        handler_clock::scope timing{self};
        ask_script(self, timeout, script_state::job{std::move(path), std::move(env), down, {}});
      },
      [self, timeout](script_atom, const std::string&, bool ok) {
        handler_clock::scope timing{self};
        self->state.counts[ok ? "succeeded" : "failed"] += 1;
        script_done(self, timeout, caf::actor_cast<caf::actor_addr>(self->current_sender()));
      },
      [self](status_atom) {
        handler_clock::scope timing{self};
        counters out;
        for (const auto& [k, v] : self->state.counts)
          out.values["script." + k] = v;
        out.values["script.running"] = static_cast<std::int64_t>(self->state.running.size());
        self->state.clock.add_to(out, "script", mailbox_depth(self));
        return out;
      },
  };
}

} // namespace coati::actors
