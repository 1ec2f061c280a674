#pragma once
// The pool actor: Mode Config IPv4 leases (racoon's network4 / pool_size / netmask4), one
// per user, stable across reconnects (see actors/leases.hpp for the policies).
//
//   pool <- (lease_request)   -> lease_reply   an address for a user, held by `owner`
//        <- (lease_release)                    the owner's ISAKMP SA ended (or an admin
//                                              drops a user's or an address's lease)
//        <- (show_pool_atom)  -> lease_rows    who holds what (coatictl show-pool)
//        <- (status_atom)     -> counters      pool.* counters
//        <- (crash_atom)                       test hook: throw
//
// Supervision: the pool monitors every owner (once, while it holds a lease); when an owner
// goes down, whatever the reason, its leases are released, so a crashed peer never leaks
// an address. The table lives in the actor: a restarted pool starts empty (the peers
// still holding addresses keep using them; their leases are not known any more).
//
// Counters: pool.size, pool.leased, pool.free, pool.reserved, pool.granted (new address),
// pool.renewed (a user's previous address again), pool.shared (second login), pool.again
// (same owner asked again), pool.fixed (the user's own address from the directory),
// pool.exhausted, pool.refused (second login refused, bad request), pool.taken (the
// user's own address is another user's), pool.released, pool.owner_down (leases freed because the
// owner ended), and messages_handled / handling_ns / mailbox_depth.
//
// Type IDs: block `coati_pool`, 16 IDs after coati's (coati_auth sits in between); load
// it with `cfg.add_message_types<caf::id_block::coati_pool>()`.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/interfaces.hpp"
#include "actors/leases.hpp"

namespace coati::config {
struct mode_cfg_block;
}

namespace coati::actors {

/// An address for `user`, held by `owner` (the peer actor of the ISAKMP SA; the sender
/// when empty) until it releases it or goes down. The lease records the user's `groups`.
struct lease_request {
  lease_request() = default;
  lease_request(std::string u, caf::actor_addr o, std::string a = {},
                std::vector<std::string> g = {})
      : user(std::move(u)), owner(std::move(o)), address(std::move(a)), groups(std::move(g)) {}
  std::string user;
  caf::actor_addr owner;
  /// The user's own address (dotted quad, from the directory with conf_source ldap):
  /// that one or an error, never another; empty: any from the pool.
  std::string address;
  std::vector<std::string> groups; ///< the user's groups (auth_reply::groups), kept with the lease
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease_request& x) {
  return f(caf::meta::type_name("lease_request"), x.user, x.owner, x.address, x.groups);
}

/// The answer to a lease request.
struct lease_reply {
  bool ok = false;
  std::string address;  ///< dotted quad (INTERNAL_IP4_ADDRESS)
  std::string netmask;  ///< dotted quad (INTERNAL_IP4_NETMASK): racoon's netmask4
  std::string error;    ///< why not, when !ok
  bool renewed = false; ///< the user's previous address again
  bool shared = false;  ///< the user's live lease, now also held by this owner
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease_reply& x) {
  return f(caf::meta::type_name("lease_reply"), x.ok, x.address, x.netmask, x.error, x.renewed,
           x.shared);
}

/// Ends holds: set one of `owner` (all its holds: the peer's ISAKMP SA ended), `user`
/// (that user's lease, whoever holds it) or `address` (that lease); none: the sender's.
struct lease_release {
  caf::actor_addr owner;
  std::string user;
  std::string address;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease_release& x) {
  return f(caf::meta::type_name("lease_release"), x.owner, x.user, x.address);
}

/// One lease (or reserved address) for `coatictl show-pool`.
struct lease_row {
  std::string address;
  std::string user;
  std::int64_t holders = 0;        ///< 0: free, reserved for `user` (lease_options::keep)
  std::int64_t seconds = 0;        ///< since leased (since released, when reserved)
  std::vector<std::string> groups; ///< the user's groups at login (empty when reserved)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease_row& x) {
  return f(caf::meta::type_name("lease_row"), x.address, x.user, x.holders, x.seconds, x.groups);
}

/// Every lease, by address.
struct lease_rows {
  std::vector<lease_row> rows;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease_rows& x) {
  return f(caf::meta::type_name("lease_rows"), x.rows);
}

} // namespace coati::actors

CAF_ADD_ATOM(coati_pool, coati::actors, show_pool_atom, "showpool")

namespace coati::actors {

/// The typed interface of the pool actor.
using pool_actor = caf::typed_actor<
    /// An address for a user; ok, or an error (exhausted, second login refused).
    caf::replies_to<lease_request>::with<lease_reply>,
    /// Ends holds (owner, user or address); no answer.
    caf::reacts_to<lease_release>,
    /// Who holds what.
    caf::replies_to<show_pool_atom>::with<lease_rows>,
    /// The pool.* counters.
    caf::replies_to<status_atom>::with<counters>,
    /// Test hook (the daemon's `crash`): throws.
    caf::reacts_to<crash_atom>>;

/// The pool for racoon's `mode_cfg` block (network4, netmask4, pool_size); `keep` and the
/// second-login policy have no racoon.conf words: coati's defaults (0 s, share).
/// Throws std::invalid_argument when network4 is not IPv4 or the pool does not fit.
lease_options pool_options_for(const config::mode_cfg_block& m);

/// The pool actor's state.
struct pool_state {
  static inline const char* name = "pool";
  std::optional<lease_table> table;                           ///< set by pool_behavior
  std::map<lease_table::owner_id, caf::actor_addr> monitored; ///< owners holding leases
  std::map<std::string, std::int64_t> counts;
  handler_clock clock{name};
};

/// The pool actor's behavior; throws std::invalid_argument (the actor fails) on a bad pool.
pool_actor::behavior_type pool_behavior(pool_actor::stateful_pointer<pool_state> self,
                                        lease_options opts);

/// Spawns the pool actor from `where` (an actor system, or `*self` of a supervisor).
template <class Spawner>
pool_actor spawn_pool(Spawner& where, lease_options opts) {
  return where.spawn(pool_behavior, opts);
}

} // namespace coati::actors

// coati_auth (actors/auth.hpp) owns [coati::end, coati::end + 16).
CAF_BEGIN_TYPE_ID_BLOCK(coati_pool, caf::id_block::coati::end + 16)
CAF_ADD_TYPE_ID(coati_pool, (coati::actors::lease_request))
CAF_ADD_TYPE_ID(coati_pool, (coati::actors::lease_reply))
CAF_ADD_TYPE_ID(coati_pool, (coati::actors::lease_release))
CAF_ADD_TYPE_ID(coati_pool, (coati::actors::lease_row))
CAF_ADD_TYPE_ID(coati_pool, (coati::actors::lease_rows))
CAF_END_TYPE_ID_BLOCK(coati_pool)
