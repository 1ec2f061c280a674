#pragma once
// The kernel actor: coati's only netlink speaker. It runs detached (its own thread), since
// every XFRM call is a blocking netlink round trip, and keeps a list of what it installed
// so that a shutdown removes exactly that, and nothing of anyone else's.
//
// Counters: kernel.spi_allocated, kernel.sa_added, kernel.sa_add_failed,
// kernel.sa_unsupported (the kernel has no such transform), kernel.sa_deleted,
// kernel.sa_moved (NAT-T, replay state kept), kernel.sa_replay_unread, kernel.policy_added,
// kernel.policy_add_failed, kernel.policy_deleted, kernel.installed_sas,
// kernel.installed_policies; from the event thread kernel.acquires, kernel.expires,
// kernel.mappings (NAT-T MAPPING events read) and kernel.mappings_passed.

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_set>
#include <vector>

#include <caf/all.hpp>

#include "actors/interfaces.hpp"
#include "kernel/xfrm.hpp"
#include "kernel/xfrm_events.hpp"

namespace coati::actors {

class event_reader;

/// An SA coati installed (or reserved, while larval): destination, SPI, protocol. Packed
/// in 24 bytes, one per kernel SA (two per child, issue 9's memory per SA).
struct installed_sa {
  std::array<std::uint8_t, 16> dst{};
  std::uint32_t spi = 0;
  config::ip_address::family fam = config::ip_address::family::v4;
  kernel::xfrm_proto proto = kernel::xfrm_proto::esp;
  bool operator==(const installed_sa&) const = default;
  /// The destination as an address.
  config::ip_address address() const { return {fam, dst}; }
};
installed_sa key_of(const config::ip_address& dst, std::uint32_t spi, kernel::xfrm_proto proto);
struct installed_sa_hash {
  std::size_t operator()(const installed_sa& sa) const noexcept;
};

/// What identifies a policy: its selector and direction.
using policy_key = std::tuple<config::ip_address::family, std::array<std::uint8_t, 16>,
                              std::uint8_t, std::array<std::uint8_t, 16>, std::uint8_t,
                              std::uint8_t, std::uint16_t, std::uint16_t, kernel::direction>;
policy_key key_of(const kernel::policy_spec& p);

/// The kernel actor's state.
struct kernel_state {
  static inline const char* name = "kernel";
  std::optional<kernel::xfrm_socket> sock;
  std::string open_error;
  /// Installed SAs; larval SPIs are tracked from allocation.
  std::unordered_set<installed_sa, installed_sa_hash> sas;
  /// Installed policies.
  std::map<policy_key, kernel::policy_spec> policies;
  std::map<std::string, std::int64_t> counts;
  handler_clock clock{name};
  std::unique_ptr<event_reader> events; ///< thread reading ACQUIRE/EXPIRE
  bool remove_at_exit = true;
  kernel_state();
  kernel_state(const kernel_state&) = delete;
  kernel_state& operator=(const kernel_state&) = delete;
  ~kernel_state(); ///< removes everything still installed
};

/// Opens the XFRM socket in the caller's network namespace, and a thread that reads the
/// event stream and sends each ACQUIRE and EXPIRE (kernel_event) to the subscriber
/// (`subscribe_atom`). Spawn it detached.
/// `remove_at_exit`: remove what coati installed when the actor ends (coatid: true).
kernel_api::behavior_type kernel_actor(kernel_api::stateful_pointer<kernel_state> self,
                                       bool remove_at_exit);

/// The policy actor: keeps each owner's generated policies and removes them (through the
/// kernel actor) when the owner goes down or asks.
struct policy_state {
  static inline const char* name = "policy";
  /// Not an aggregate: CAF would otherwise build the state from the actor's pointer.
  policy_state() = default;
  kernel_api kernel;
  std::map<caf::actor_addr, std::vector<policy_key>> owned; ///< each owner's selectors
  /// Every selector installed, with how many owners hold it: a rekeyed successor holds
  /// the same selector as its predecessor, and the policy stays until the last one goes.
  std::map<policy_key, std::pair<kernel::policy_spec, int>> held;
  std::map<std::string, std::int64_t> counts;
  handler_clock clock{name};
};

policy_api::behavior_type policy_actor(policy_api::stateful_pointer<policy_state> self,
                                       kernel_api kernel);

/// The script actor: runs each hook on a detached worker of its own, so a slow script
/// blocks nobody; logs the exit status and the output. A phase1_down is a barrier for
/// its remote address (REMOTE_ADDR): the hooks asked after it for that address wait until
/// it has ended, then run in the order asked (an ISAKMP SA's phase1_down ends before its
/// successor's phase1_up starts: the seed satellite's scripts delete and add the same
/// policies). Other hooks run at once, side by side.
struct script_state {
  static inline const char* name = "script";
  struct job {
    std::string path;
    std::vector<std::string> env;
    bool down = false;  ///< a phase1_down: a barrier
    std::string remote; ///< its REMOTE_ADDR ("" for none)
  };
  std::map<std::string, std::deque<job>> queued; ///< by remote address
  std::map<caf::actor_addr, job> running;        ///< by worker (path, env emptied)
  std::map<std::string, int> downs;              ///< phase1_downs running, by address
  std::map<std::string, std::int64_t> counts;
  handler_clock clock{name};
};

/// Each script gets `timeout` before its process group is killed.
script_api::behavior_type script_actor(script_api::stateful_pointer<script_state> self,
                                       std::chrono::seconds timeout);

} // namespace coati::actors
