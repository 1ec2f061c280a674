#pragma once
// The plugin host: loads the configuration's plugins (actors/plugin_api.hpp), starts each
// one's actor, subscribes it to the bus, and keeps it running by policy.
//
//   plugins <- (plugins_atom) -> plugin_rows   one row per plugin: name, state, restarts
//           <- (status_atom)  -> counters      plugins.* counters
//
// Supervision: the host monitors every plugin actor. One that ends with an error (an
// exception escaping its handler) is started again through its start function, up to
// `restarts` times in coatid's life (plugins block, default 3); the next failure drops it
// (state "dropped", logged as an error). A plugin that could not be loaded (no file, not a
// coati plugin, another ABI or CAF version, its start refused) is "refused" with the
// reason. coatid goes on in every case, except at start-up for a `required` plugin that
// was refused: then coatid does not start (the daemon checks open_plugins' result).
// Shared objects are never unloaded (an actor of theirs may still be running).
//
// Counters: plugins.loaded, plugins.running, plugins.refused, plugins.dropped,
// plugins.restarts, and messages_handled / handling_ns / mailbox_depth.

#include <string>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "actors/bus.hpp"
#include "actors/plugin_api.hpp"

namespace coati::config {
struct plugins_block;
}

namespace coati::actors {

/// One `load` of the configuration, opened (or refused with a reason).
struct opened_plugin {
  std::string name;
  std::string file; ///< the shared object's path
  bool required = false;
  std::vector<std::pair<std::string, std::string>> options;
  plugin::start_entry start = nullptr;
  std::string error; ///< why it was refused; empty when start is set
};

/// dlopens every plugin the block loads and checks its entry points and ABI.
std::vector<opened_plugin> open_plugins(const config::plugins_block& block);

/// What the plugin host is started with.
struct plugins_options {
  std::vector<opened_plugin> plugins;
  unsigned restarts = 3;
  bus_api bus;
};

/// One plugin in the host.
struct plugin_slot {
  opened_plugin plugin;
  caf::actor handle;
  std::string state; ///< running, stopped, dropped, refused
  unsigned restarts = 0;
  std::string last_error;
};

/// The plugin host's state.
struct plugins_state {
  static inline const char* name = "plugins";
  std::vector<plugin_slot> slots;
  unsigned max_restarts = 3;
  bus_api bus;
  handler_clock clock{name};
  plugins_state() = default;
  plugins_state(const plugins_state&) = delete;
  plugins_state& operator=(const plugins_state&) = delete;
  ~plugins_state(); ///< stops the plugin actors
};

/// The plugin host's interface.
using plugins_api = caf::typed_actor<
    /// One row per plugin: "NAME STATE restarts=N[ error=\"...\"]".
    caf::replies_to<plugins_atom>::with<plugin_rows>,
    /// plugins.* counters.
    caf::replies_to<status_atom>::with<counters>>;

/// Spawned by the daemon when the configuration has a plugins block.
plugins_api::behavior_type plugins_actor(plugins_api::stateful_pointer<plugins_state> self,
                                         plugins_options opts);

} // namespace coati::actors
