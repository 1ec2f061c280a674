#pragma once
// The stats actor: answers `stats` with every live actor's `status` counters merged
// into one flat map (keys are prefixed by the actor's name already), and each actor
// kind's figures (actors.KIND.*, actors/kind_metrics.hpp).

#include <caf/all.hpp>

#include "actors/interfaces.hpp"

namespace coati::actors {

/// The stats actor's state.
struct stats_state {
  static inline const char* name = "stats";
  handler_clock clock{name};
  std::int64_t fanouts = 0;  ///< stats requests answered
  std::int64_t timeouts = 0; ///< children that did not answer in time
};

/// Asks `daemon` for its children, asks each (and the daemon) for `status`, merges.
/// A child that does not answer within `wait` is counted in stats.timeouts and its
/// entry is "<name>.unreachable = 1".
caf::behavior stats(caf::stateful_actor<stats_state>* self, caf::actor daemon,
                    std::chrono::milliseconds wait);

} // namespace coati::actors
