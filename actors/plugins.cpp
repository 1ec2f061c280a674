#include "actors/plugins.hpp"

#include <dlfcn.h>

#include "config/model.hpp"
#include "util/log.hpp"

namespace coati::actors {

namespace {

using plugins_self = plugins_api::stateful_pointer<plugins_state>;

std::string dl_error() {
  const char* e = ::dlerror();
  return e != nullptr ? std::string{e} : std::string{"unknown dlerror"};
}

/// Opens one shared object and checks its entry points; the reason in `p.error` if not.
void open_one(opened_plugin& p) {
  ::dlerror();
  void* h = ::dlopen(p.file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr) {
    p.error = "cannot load " + p.file + ": " + dl_error();
    return;
  }
  auto abi = reinterpret_cast<plugin::abi_entry>(::dlsym(h, "coati_plugin_abi"));
  auto start = reinterpret_cast<plugin::start_entry>(::dlsym(h, "coati_plugin_start"));
  if (abi == nullptr || start == nullptr) {
    p.error = p.file + " is not a coati plugin: it has no " +
              (abi == nullptr ? "coati_plugin_abi" : "coati_plugin_start") +
              " (build it with COATI_PLUGIN from actors/plugin_api.hpp)";
    ::dlclose(h);
    return;
  }
  const auto* info = abi();
  if (info == nullptr || info->abi != COATI_PLUGIN_ABI_VERSION || info->caf != CAF_VERSION) {
    p.error = p.file + " was built for plugin ABI " +
              (info ? std::to_string(info->abi) : std::string{"?"}) + " with CAF " +
              (info ? std::to_string(info->caf) : std::string{"?"}) + "; this coatid speaks ABI " +
              std::to_string(COATI_PLUGIN_ABI_VERSION) + " with CAF " +
              std::to_string(CAF_VERSION) + ": rebuild the plugin";
    ::dlclose(h);
    return;
  }
  p.start = start; // never dlclosed: its actors may still run
}

/// Calls the plugin's start function; false (and last_error) when it refused.
bool start_slot(plugins_self self, plugin_slot& s) {
  plugin::context ctx;
  ctx.system = &self->system();
  ctx.name = s.plugin.name;
  ctx.options = s.plugin.options;
  auto bus = self->state.bus;
  ctx.subscribe = [bus](caf::actor a) {
    if (bus)
      caf::anon_send(bus, subscribe_atom_v, std::move(a));
  };
  auto name = s.plugin.name;
  ctx.log = [name](const std::string& text) { COATI_LOG(notify, "plugin", name, ": ", text); };
  ctx.warn = [name](const std::string& text) { COATI_LOG(warning, "plugin", name, ": ", text); };
  ctx.restart = s.restarts;
  caf::actor out;
  std::string why;
  if (s.plugin.start(&ctx, &out, &why) != 0 || !out) {
    s.last_error = why.empty() ? "its start function returned no actor" : why;
    s.handle = nullptr;
    return false;
  }
  s.handle = std::move(out);
  self->monitor(s.handle);
  s.state = "running";
  return true;
}

void on_plugin_down(plugins_self self, const caf::down_msg& dm) {
  auto& st = self->state;
  for (auto& s : st.slots) {
    if (!s.handle || s.handle.address() != dm.source)
      continue;
    s.handle = nullptr;
    if (!dm.reason || dm.reason == caf::exit_reason::normal) {
      s.state = "stopped";
      COATI_LOG(notify, "plugins", s.plugin.name, " stopped");
      return;
    }
    s.last_error = self->system().render(dm.reason);
    if (s.restarts >= st.max_restarts) {
      s.state = "dropped";
      COATI_LOG(error, "plugins", s.plugin.name, " failed (", s.last_error, ") after ", s.restarts,
                " restarts; dropped");
      return;
    }
    s.restarts += 1;
    COATI_LOG(error, "plugins", s.plugin.name, " failed (", s.last_error, "); restart ", s.restarts,
              " of ", st.max_restarts);
    if (!start_slot(self, s)) {
      s.state = "dropped";
      COATI_LOG(error, "plugins", s.plugin.name, " did not start again: ", s.last_error,
                "; dropped");
    }
    return;
  }
}

std::string row_of(const plugin_slot& s) {
  std::string r = s.plugin.name + " " + s.state + " restarts=" + std::to_string(s.restarts);
  if (!s.last_error.empty())
    r += " error=\"" + s.last_error + "\"";
  return r;
}

} // namespace

std::vector<opened_plugin> open_plugins(const config::plugins_block& block) {
  std::vector<opened_plugin> out;
  for (const auto& l : block.loads) {
    opened_plugin p;
    p.name = l.name;
    p.file = block.path + "/" + l.name + ".so";
    p.required = l.required;
    p.options = l.options;
    open_one(p);
    out.push_back(std::move(p));
  }
  return out;
}

plugins_state::~plugins_state() {
  for (const auto& s : slots)
    if (s.handle)
      caf::anon_send_exit(s.handle, caf::exit_reason::user_shutdown);
}

plugins_api::behavior_type plugins_actor(plugins_self self, plugins_options opts) {
  self->set_exception_handler(exit_reason_of);
  auto& st = self->state;
  st.max_restarts = opts.restarts;
  st.bus = opts.bus;
  self->set_down_handler([self](caf::down_msg& dm) { on_plugin_down(self, dm); });
  for (auto& p : opts.plugins) {
    auto& s = st.slots.emplace_back();
    s.plugin = std::move(p);
    if (!s.plugin.start) {
      s.state = "refused";
      s.last_error = s.plugin.error;
      COATI_LOG(error, "plugins", s.plugin.name, " refused: ", s.plugin.error);
    } else if (!start_slot(self, s)) {
      s.state = "refused";
      COATI_LOG(error, "plugins", s.plugin.name, " refused to start: ", s.last_error);
    } else {
      COATI_LOG(notify, "plugins", s.plugin.name, " loaded from ", s.plugin.file);
    }
  }
  return {
      [self](plugins_atom) {
        handler_clock::scope timing{self};
        plugin_rows out;
        for (const auto& s : self->state.slots)
          out.rows.push_back(row_of(s));
        return out;
      },
      [self](status_atom) {
        handler_clock::scope timing{self};
        counters out;
        auto& v = out.values;
        for (const char* k : {"loaded", "running", "refused", "dropped", "restarts"})
          v[std::string{"plugins."} + k] = 0;
        for (const auto& s : self->state.slots) {
          v["plugins.loaded"] += s.plugin.start ? 1 : 0;
          v["plugins.running"] += s.state == "running" ? 1 : 0;
          v["plugins.refused"] += s.state == "refused" ? 1 : 0;
          v["plugins.dropped"] += s.state == "dropped" ? 1 : 0;
          v["plugins.restarts"] += s.restarts;
        }
        self->state.clock.add_to(out, "plugins", mailbox_depth(self));
        return out;
      },
  };
}

} // namespace coati::actors
