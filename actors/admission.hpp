#pragma once
// Admission control of new phase 1 responders, checked by the listener before it spawns a
// peer for an MM1/AM1 (as strongSwan's half-open limits and iked's): a token bucket on new
// MM1/AM1, a limit on half-open ISAKMP SAs per source address, and one in all. Cheap: no
// crypto, no allocation per dropped packet, no blocking. Retransmitted MM1s of a running
// responder never get here (the listener routes them by their initiator cookie).
//
// Under a flood of spoofed MM1s (random sources, so no per-source limit helps) two rules
// keep a real initiator's chances: an MM1 refused by the rate limit and sent again (the
// same initiator cookie from the same address: a retransmission, which a spoofer that
// never sees our answer has no reason to send) passes the bucket; and when the half-open
// table is full the oldest half-open responder gives way to the newcomer (a real phase 1
// leaves the table within a round trip or two; a spoofed one never does), so the table's
// memory is bounded and it never locks out a live initiator.

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/model.hpp"
#include "ike/payloads.hpp"

namespace coati::actors {

class admission {
public:
  using clock = std::chrono::steady_clock;
  enum class verdict {
    admit,       ///< spawn a responder
    retry,       ///< spawn: a retransmission of an MM1 the bucket refused
    evict,       ///< spawn, after ending the oldest half-open responder (the table is full)
    retry_evict, ///< both: a retransmission that passed the bucket, and the table is full
    rate,        ///< refused: the token bucket is empty
    source,      ///< refused: too many half-open ISAKMP SAs from this address
  };
  admission();
  /// What to do with a new MM1/AM1 (initiator cookie `icookie`) from `source`; `limits` is
  /// the current configuration's `admission` block.
  verdict check(const config::admission_block& limits, const std::string& source,
                const ike::cookie& icookie, clock::time_point now);
  /// A half-open peer from `source` was spawned.
  void opened(const std::string& source);
  /// A half-open peer from `source` established its ISAKMP SA, ended or was evicted.
  void closed(const std::string& source);
  /// Half-open peers now.
  std::size_t half_open() const { return total_; }
  /// Counts a refusal or an eviction for the summary line, due at most every 10 s (the
  /// first one logs at once). Returns the line to log, or "".
  std::string summary(verdict v, clock::time_point now);
  /// The counters a verdict adds to ("admission.rate"...; nullptr: none), without an
  /// allocation (the listener calls it for every refused packet of a flood).
  static std::array<const char*, 2> counters(verdict v);
  /// Refused (nothing spawned) / admitted after evicting the oldest half-open responder.
  static bool refuses(verdict v) { return v == verdict::rate || v == verdict::source; }
  static bool evicts(verdict v) { return v == verdict::evict || v == verdict::retry_evict; }

private:
  bool refused_before(const std::string& source, const ike::cookie& icookie);
  double tokens_ = -1; ///< < 0: not started (a full bucket)
  clock::time_point refilled_{};
  std::size_t total_ = 0;
  std::unordered_map<std::string, unsigned> by_source_;
  /// Fingerprints of MM1s the bucket refused, by hash slot (allocated at the first
  /// refusal: 4 MiB; at 20,000 refusals/s a slot lives ~50 s: a retransmission 4 s
  /// later (strongSwan) finds its slot 93 times in 100, 10 s later (racoon) 83).
  std::vector<std::uint32_t> refused_;
  std::uint64_t salt_ = 0;
  std::int64_t rate_ = 0, source_ = 0, evicted_ = 0;
  clock::time_point logged_{};
  bool ever_logged_ = false;
};

} // namespace coati::actors
