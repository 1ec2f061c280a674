#pragma once
// coatid's plugin entry point, version 1. A plugin is a shared object `NAME.so` in the
// folder the configuration's `plugins { path "..."; }` names, loaded at start-up for each
// `load "NAME" { OPTION VALUE; ... }`. It is built against the same CAF (0.17.6) and this
// header, and exports, through COATI_PLUGIN(start) below:
//
//   coati_plugin_abi()     -> the ABI it was built for: COATI_PLUGIN_ABI_VERSION and
//                             CAF_VERSION; coatid refuses a plugin whose numbers differ
//   coati_plugin_start()   -> calls `start(const coati::plugin::context&)`, which spawns the
//                             plugin's actor in ctx.system, subscribes it to the event bus
//                             (ctx.subscribe) and returns its handle
//
// The actor receives `coati::actors::bus_event` messages (actors/bus.hpp). coatid monitors
// it: when it ends with an error (an exception escaping a handler ends a CAF actor), start
// is called again, up to `restarts` times (plugins block), after which the plugin is
// dropped; coatid itself goes on. A plugin that kills the process (a segfault, abort) is
// not contained: the code runs in coatid's address space.
//
// Rules for plugin code: spawn with at least one argument (CAF 0.17's spawn of a
// function-based actor with none trips UBSan), block neither the bus nor CAF's scheduler
// (spawn<caf::detached> or your own threads for slow work), and never log secrets (there
// are none in events).
//
// Version history: 1 (coati 0.x): bus_event with kind, time_ms, peer, local, user, lease,
// id, spi_in, spi_out, detail. A change to bus_event, context or the entry points raises
// the version.

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "actors/bus.hpp"

#define COATI_PLUGIN_ABI_VERSION 1u

namespace coati::plugin {

/// What a plugin was built for (returned by coati_plugin_abi).
struct abi_info {
  std::uint32_t abi = 0; ///< COATI_PLUGIN_ABI_VERSION
  std::uint32_t caf = 0; ///< CAF_VERSION
};

/// What coatid gives a plugin's start function.
struct context {
  caf::actor_system* system = nullptr;                      ///< spawn the plugin's actor here
  std::string name;                                         ///< the `load` name
  std::vector<std::pair<std::string, std::string>> options; ///< as the `load` block lists them
  std::function<void(caf::actor)> subscribe;                ///< deliver bus events to this actor
  std::function<void(const std::string&)> log;  ///< a line in coatid's log (notify level)
  std::function<void(const std::string&)> warn; ///< a line in coatid's log (warning level)
  unsigned restart = 0;                         ///< 0 at the first start, n at the n-th restart

  /// The option `key`, or `fallback` when the load block does not give it.
  std::string option(const std::string& key, const std::string& fallback = {}) const {
    for (const auto& [k, v] : options)
      if (k == key)
        return v;
    return fallback;
  }
};

/// A plugin's start function: spawns, subscribes and returns the actor; throws
/// std::exception (bad options...) to refuse.
using start_function = caf::actor (*)(const context&);

/// The C entry points' signatures, as coatid looks them up with dlsym.
using abi_entry = const abi_info* (*)();
using start_entry = int (*)(const context*, caf::actor*, std::string*);

} // namespace coati::plugin

/// Defines the plugin's two entry points around `start_fn` (a coati::plugin::start_function).
#define COATI_PLUGIN(start_fn)                                                                     \
  extern "C" __attribute__((visibility("default"))) const coati::plugin::abi_info*                 \
  coati_plugin_abi() {                                                                             \
    static const coati::plugin::abi_info info{COATI_PLUGIN_ABI_VERSION, CAF_VERSION};              \
    return &info;                                                                                  \
  }                                                                                                \
  extern "C" __attribute__((visibility("default"))) int coati_plugin_start(                        \
      const coati::plugin::context* ctx, caf::actor* out, std::string* error) {                    \
    try {                                                                                          \
      *out = start_fn(*ctx);                                                                       \
      return *out ? 0 : 1;                                                                         \
    } catch (const std::exception& e) {                                                            \
      *error = e.what();                                                                           \
      return 1;                                                                                    \
    }                                                                                              \
  }
