#pragma once
// coatictl's views of the actor kinds' figures (actors.KIND.* in `stats`): the table
// under `coatictl stats` and the live `coatictl top`.

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace coati::ctl {

using key_values = std::vector<std::pair<std::string, std::string>>;

/// One actor kind's figures, as `stats` gives them.
struct kind_row {
  std::string kind;
  std::int64_t count = 0, spawned = 0, messages = 0, handling_ns = 0;
  std::int64_t handling_p50_ns = 0, handling_p99_ns = 0, depth_p50 = 0, depth_max = 0;
};

/// The actors.KIND.* keys of a `stats` answer, one row per kind, in the answer's order.
std::vector<kind_row> kinds_of(const key_values& kv);

/// The table `coatictl stats` prints under the counters.
void print_kinds(const std::vector<kind_row>& rows);

/// `coatictl top`: every `interval_s` seconds, the kinds sorted by the share of the
/// interval their handlers ran (busiest first), with messages/s; `iterations` refreshes
/// (0: until interrupted); `json`: one JSON object per refresh, one per line. `fetch`
/// returns a `stats` answer's key/value pairs. Returns the exit code.
int top(const std::function<key_values()>& fetch, double interval_s, unsigned iterations,
        bool json);

} // namespace coati::ctl
