// Test-only plugin "badabi": claims a plugin ABI coatid does not speak; coatid must refuse
// it at start-up with a clear error and go on (or not start when it is required).

#include "actors/plugin_api.hpp"

extern "C" __attribute__((visibility("default"))) const coati::plugin::abi_info*
coati_plugin_abi() {
  static const coati::plugin::abi_info info{COATI_PLUGIN_ABI_VERSION + 98, CAF_VERSION};
  return &info;
}

extern "C" __attribute__((visibility("default"))) int
coati_plugin_start(const coati::plugin::context*, caf::actor*, std::string* error) {
  *error = "must never be called";
  return 1;
}
