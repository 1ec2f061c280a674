#pragma once
// How each of coati-load's negotiations ended, for the figures (each one's duration) and
// the --logins file.

#include <cstddef>
#include <string>
#include <vector>

#include "tools/load/driver.hpp"

namespace coati::load {

/// One negotiation's end.
struct outcome {
  std::size_t index = 0;
  std::string user = "-";    ///< the XAuth user of a login
  std::string address = "-"; ///< the address Mode Config gave it
  bool ok = false;
  double began_ms = 0, ended_ms = 0; ///< its last attempt, from the run's start
};

/// Puts the p50, p99 and max durations of the completed ones into `r` (nearest rank).
void add_durations(load_report& r, const std::vector<outcome>& all);

/// Writes "INDEX USER ADDRESS ok|failed BEGAN_MS ENDED_MS TOOK_MS" lines to `path`, in the
/// order they ended.
void write_outcomes(const std::string& path, std::vector<outcome> all);

} // namespace coati::load
