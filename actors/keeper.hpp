#pragma once
// The keeper: a satellite's phase 1 to a fixed, non-passive remote stays up by itself.
// Once coatid has initiated a phase 1 to an address (vpn-connect, or an ACQUIRE), the
// listener keeps that address: when its initiating peer ends (the hub's Delete, DPD found
// it dead, INITIAL-CONTACT from a new hub instance, the lifetime ran out, or phase 1
// failed), a fresh phase 1 is started after a back-off (1 s after an established ISAKMP
// SA ended; 1, 2, 4, ... 60 s after each failed attempt), with the quick mode of the last
// ACQUIRE seen for it. connect() starts at most one initiating phase 1 per address, so
// attempts never run in parallel. Plain state, no CAF: the listener performs the timers.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kernel/xfrm_events.hpp"

namespace coati::actors {

/// One address the keeper keeps a phase 1 with.
struct keep_entry {
  unsigned failures = 0; ///< attempts in a row that did not establish
  std::uint64_t gen = 0; ///< the retry timer's generation (older ticks are stale)
  bool waiting = false;  ///< a retry is scheduled
  bool moved = false;    ///< our own address changed: the next attempt starts at once
  std::optional<kernel::acquire_event> acquire; ///< the last ACQUIRE towards it
};

class keeper {
public:
  /// An initiating phase 1 to `remote` started: keep it from now on.
  void started(const std::string& remote);
  /// An ACQUIRE towards `remote`: its quick mode is redone after a re-initiation.
  void acquired(const std::string& remote, const kernel::acquire_event& a);
  /// The initiating peer to `remote` ended (`was_up`: its ISAKMP SA had been established).
  /// The delay before the next attempt and the timer's generation; nullopt when the
  /// address is not kept.
  std::optional<std::pair<std::chrono::seconds, std::uint64_t>> ended(const std::string& remote,
                                                                      bool was_up);
  /// A retry timer of generation `gen` fired: the entry to re-initiate with, or null
  /// when the tick is stale.
  const keep_entry* due(const std::string& remote, std::uint64_t gen);
  /// Our own address towards `remote` changed (netwatch.hpp): when its peer ends, the next
  /// phase 1 starts at once (no back-off, no failure counted).
  void moved(const std::string& remote);
  /// The network came up (an address, link or route appeared): a retry waiting for
  /// `remote` is due now; its generation, or nullopt when none waits.
  std::optional<std::uint64_t> cut_short(const std::string& remote);
  /// The kept addresses with a retry scheduled.
  std::vector<std::string> waiting() const;
  /// The address cannot be kept any more (no remote block, passive): forget it.
  void forget(const std::string& remote) { kept_.erase(remote); }
  std::size_t size() const { return kept_.size(); }

  /// The back-off after `failures` failed attempts in a row: 1, 2, 4, ... 60 s.
  static std::chrono::seconds backoff(unsigned failures);

private:
  std::map<std::string, keep_entry> kept_;
};

} // namespace coati::actors
