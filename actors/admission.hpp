#pragma once
// Admission control of new phase 1 responders, checked by the listener before it spawns a
// peer for an MM1/AM1 (as strongSwan's half-open limits and iked's): a token bucket on new
// MM1/AM1, a limit on half-open ISAKMP SAs in all and one per source address. Cheap: no
// crypto, no allocation per dropped packet, no blocking. Retransmitted MM1s never get here
// (the listener routes them by their initiator cookie to the peer they started).

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "config/model.hpp"

namespace coati::actors {

class admission {
public:
  using clock = std::chrono::steady_clock;
  /// Why a new MM1/AM1 from `source` is refused ("rate", "half_open_source",
  /// "half_open_total"), or nullptr when it may start a peer. `limits` is the current
  /// configuration's `admission` block.
  const char* check(const config::admission_block& limits, const std::string& source,
                    clock::time_point now);
  /// A half-open peer from `source` was spawned.
  void opened(const std::string& source);
  /// A half-open peer from `source` established its ISAKMP SA or ended.
  void closed(const std::string& source);
  /// Half-open peers now.
  std::size_t half_open() const { return total_; }
  /// Drops since the last summary line, by reason; a summary is due at most every 10 s
  /// (the first drop logs at once). Returns the line to log, or "".
  std::string summary(const char* reason, clock::time_point now);

private:
  double tokens_ = -1; ///< < 0: not started (a full bucket)
  clock::time_point refilled_{};
  std::size_t total_ = 0;
  std::unordered_map<std::string, unsigned> by_source_;
  std::int64_t rate_ = 0, source_ = 0, total_drops_ = 0;
  clock::time_point logged_{};
  bool ever_logged_ = false;
};

} // namespace coati::actors
