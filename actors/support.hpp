#pragma once
// What coatid does not act on yet. The parser already warns about directives it cannot
// even represent (config/support.cpp); this is the other half: settings that parse into
// the model but that this coatid ignores. Each one in use gives a warning at start-up
// (and with --check), naming the block and the directive, so nothing is dropped silently.

#include <string>
#include <vector>

#include "config/model.hpp"

namespace coati::actors {

/// One warning line per setting in `cfg` that coatid parses but does not act on.
std::vector<std::string> unacted_settings(const config::configuration& cfg);

} // namespace coati::actors
