// Test-only plugin "crash": throws from its event handler, to show that coatid contains a
// failing plugin (restarts it by policy, then drops it). Options: `on KIND` crashes only
// on that event kind (default: every event); `mark FILE` appends "start N" to FILE at
// every start (N = the restart number), so a test sees the restarts happen.

#include <fstream>
#include <stdexcept>

#include "actors/plugin_api.hpp"

namespace {

using coati::actors::bus_event;

caf::behavior crasher(caf::event_based_actor*, std::string on) {
  return {
      [on](const bus_event& e) {
        if (on.empty() || on == e.kind)
          throw std::runtime_error("crash plugin: thrown on purpose at " + e.kind);
      },
  };
}

caf::actor start(const coati::plugin::context& ctx) {
  if (auto mark = ctx.option("mark"); !mark.empty())
    std::ofstream{mark, std::ios::app} << "start " << ctx.restart << "\n";
  auto a = ctx.system->spawn(crasher, ctx.option("on"));
  ctx.subscribe(a);
  return a;
}

} // namespace

COATI_PLUGIN(start)
