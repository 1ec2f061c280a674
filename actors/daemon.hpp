#pragma once
// The daemon: coatid's root supervisor. It holds the configuration snapshot, spawns
// and monitors its children (listener, stats, admin), restarts a child that exits
// abnormally, and reloads the configuration on request (SIGHUP, coatictl).
//
// Its children: stats, kernel (detached: netlink), policy, script, listener (which
// spawns the peers), admin. The listener gets the snapshot with its credentials and the
// service handles (kernel, policy, script) whenever they change.
//
// Supervision, written out:
//   - daemon monitors every child; a child's down message with a reason other than
//     normal is logged with that reason and the child is spawned again (the listener
//     binds its sockets again). More than `max_restarts` restarts of one child within
//     10 s make the daemon give up and stop everything with that child's reason.
//   - an exit message to the daemon (SIGTERM) stops the children in order: listener
//     first (stop reading; it stops its peers), then admin, stats, script, policy and
//     kernel last (which removes every SA and policy coati installed); then the daemon
//     quits with the same reason.
//   - a reload whose `listen` block differs stops the listener (and the admin actor when
//     the socket changed) on purpose and spawns it with the new snapshot.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/interfaces.hpp"
#include "actors/listener.hpp"
#include "actors/services.hpp"
#include "actors/setup.hpp"
#include "config/config.hpp"

namespace coati::actors {

/// How the daemon loads and applies configurations and what it spawns.
struct daemon_options {
  std::string config_path; ///< what `reload` reads again
  /// Loads a configuration file (coatid binds config::load_file with --config-root).
  std::function<config::load_result(const std::string&)> load;
  /// Called with each snapshot that takes effect (log level...), on the daemon's thread.
  std::function<void(const config::configuration&)> apply;
  std::uint16_t ike_port = 500;   ///< -p
  std::uint16_t natt_port = 4500; ///< -P
  bool bind_sockets = true;       ///< false in tests that feed the listener directly
  bool with_admin = true;         ///< false: no admin socket
  bool test_hooks = false;        ///< COATI_TEST_HOOKS=1: accept `crash`
  unsigned max_restarts = 5;      ///< per child within 10 s
};

/// One supervised child.
struct child_entry {
  caf::actor handle;
  std::int64_t restarts = 0;
  bool replacing = false; ///< stopped on purpose (new listen block): spawn again, no count
  std::vector<std::chrono::steady_clock::time_point> recent; ///< restart times in the window
};

/// The daemon's state.
struct daemon_state {
  static inline const char* name = "daemon";
  daemon_options opts;
  std::shared_ptr<const config::configuration> snapshot;
  std::shared_ptr<const credentials> creds; ///< read from the snapshot's files
  std::int64_t generation = 1;
  std::int64_t reloads_ok = 0;
  std::int64_t reloads_failed = 0;
  std::int64_t restarts = 0;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::map<std::string, child_entry> children;
  services svc; ///< the typed handles of kernel, policy and script, for the listener
  bool stopping = false;
  std::function<void()> on_listener_down; ///< while stopping
  handler_clock clock{name};
};

/// The listener options a configuration asks for.
listener_options listener_options_for(const config::configuration& cfg, const daemon_options& opts);

/// The root supervisor; `initial` is the snapshot loaded at start.
caf::behavior daemon(caf::stateful_actor<daemon_state>* self, daemon_options opts,
                     std::shared_ptr<const config::configuration> initial);

} // namespace coati::actors
