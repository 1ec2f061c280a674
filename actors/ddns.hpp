#pragma once
// The ddns actor: registers every roadwarrior's Mode Config address in DNS (RFC 2136
// UPDATE, TSIG-signed): `USER-vpn.<zone>` A <address> and the PTR in the reverse zone, and
// removes both when the user's last ISAKMP SA ends (logout, delete, DPD death, expiry or a
// crash of the peer actor).
//
//   ddns <- (ddns_register)             a peer's user has this address (phase 1 up with a
//                                       lease); the ddns actor watches the peer and removes
//                                       the records once no peer of that name is left
//        <- (show_ddns_atom) -> ddns_rows   every name, its user and state (show-users)
//        <- (status_atom) -> counters   ddns.* counters
//        <- (crash_atom)                test hook: throw
//
// Inside: one entry per DNS name with what should be published (an address or nothing)
// and what the server was last seen to hold. Names with work wait in one queue, in order;
// one UPDATE round trip runs at a time, on a detached worker actor (own thread, linked),
// since the socket calls block. A later change to a name replaces an earlier one that was
// not sent yet (an add followed by a remove sends only the removal), and a name is never
// sent twice at once, so the server sees every name's changes in order. When the server
// does not answer or refuses (timeout, REFUSED, SERVFAIL, NOTAUTH, a TSIG error), the
// name goes back to the head of the queue and the whole queue waits `retry` seconds,
// doubled after each failure up to 8 times `retry`; the first success resets the wait.
// Nothing is dropped: the queue empties once the server answers again.
//
// Counters: ddns.registered, ddns.removed, ddns.updates_ok, ddns.failures,
// ddns.failed.<timeout|network|badsig|badkey|badtime|notauth|refused|servfail|other>,
// ddns.retries, ddns.bad_names, ddns.pending (names waiting), ddns.published (names
// whose address the server holds), ddns.backoff_s (current wait), and
// messages_handled / handling_ns / mailbox_depth.
//
// Type IDs: block `coati_ddns`, 32 IDs after coati's (coati_auth and coati_pool sit in
// between); load it with `cfg.add_message_types<caf::id_block::coati_ddns>()`.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/interfaces.hpp"
#include "ddns/update.hpp"

namespace coati::config {
struct ddns_block;
}

namespace coati::actors {

/// A peer's user holds `address` (dotted quad) while `owner` (the peer actor; the sender
/// when empty) lives.
struct ddns_register {
  std::string user;
  std::string address;
  caf::actor_addr owner;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ddns_register& x) {
  return f(caf::meta::type_name("ddns_register"), x.user, x.address, x.owner);
}

/// The ddns actor -> its worker: bring `name` to `address` (empty: no records), and
/// remove the PTRs of `old` addresses.
struct ddns_job {
  std::string name;
  std::string address;
  std::vector<std::string> old;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ddns_job& x) {
  return f(caf::meta::type_name("ddns_job"), x.name, x.address, x.old);
}

/// The worker's answer to a job: how the UPDATEs went (ddns::outcome::kind as a number).
struct ddns_done {
  std::string name;
  std::uint8_t what = 0;
  std::string text;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ddns_done& x) {
  return f(caf::meta::type_name("ddns_done"), x.name, x.what, x.text);
}

/// One DNS name for `coatictl show-users`.
struct ddns_row {
  std::string user;
  std::string name;    ///< fully qualified, without the final dot
  std::string address; ///< what should be published; empty: being removed
  std::string state;   ///< published | pending | removing
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ddns_row& x) {
  return f(caf::meta::type_name("ddns_row"), x.user, x.name, x.address, x.state);
}

/// Every name the ddns actor knows.
struct ddns_rows {
  std::vector<ddns_row> rows;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ddns_rows& x) {
  return f(caf::meta::type_name("ddns_rows"), x.rows);
}

} // namespace coati::actors

CAF_ADD_ATOM(coati_ddns, coati::actors, show_ddns_atom, "showddns")

namespace coati::actors {

/// The typed interface of the ddns actor.
using ddns_actor = caf::typed_actor<
    /// A user's address to publish while the owner lives; no answer.
    caf::reacts_to<ddns_register>,
    /// Every name with its user, address and state.
    caf::replies_to<show_ddns_atom>::with<ddns_rows>,
    /// The ddns.* counters.
    caf::replies_to<status_atom>::with<counters>,
    /// Test hook (the daemon's `crash`): throws.
    caf::reacts_to<crash_atom>>;

/// The ddns actor's interface plus its retry timer (ignored unless its number is current).
using ddns_impl = ddns_actor::extend<caf::reacts_to<tick_atom, std::uint64_t>>;

/// What the ddns actor registers where.
struct ddns_options {
  std::string server; ///< address of the primary
  std::uint16_t port = 53;
  std::string zone, reverse_zone; ///< reverse empty: no PTRs
  std::string name = "%u-vpn";    ///< %u = the user
  std::uint32_t ttl = 86400;
  std::shared_ptr<const ddns::tsig_key> key; ///< null: unsigned UPDATEs
  std::chrono::milliseconds timeout{5000};   ///< per UPDATE round trip
  std::chrono::seconds retry{30};            ///< first wait after a failure
};

/// The options for the `ddns` block; reads the key file (nullopt and `why` if unusable).
std::optional<ddns_options> ddns_options_for(const config::ddns_block& b, std::string& why);

/// The ddns actor's state.
struct ddns_state {
  static inline const char* name = "ddns";
  /// One DNS name.
  struct entry {
    std::string user;
    std::string want;                ///< address to publish; empty: none
    std::optional<std::string> held; ///< what the server holds (known after a success)
    std::set<std::string> old;       ///< addresses whose PTR must go
    std::set<caf::actor_id> holders; ///< peers of this name
  };
  ddns_options opts;
  caf::actor worker;
  std::map<std::string, entry> names;
  std::map<caf::actor_id, std::set<std::string>> owners; ///< monitored peers -> their names
  std::deque<std::string> queue;                         ///< names with work, in order
  std::string in_flight;                                 ///< the name the worker has, empty if none
  ddns_job sent;                                         ///< what it has
  bool waiting = false;                                  ///< the retry timer runs
  std::uint64_t timer = 0;                               ///< current timer number
  std::chrono::seconds backoff{0};                       ///< current wait
  std::map<std::string, std::int64_t> counts;
  handler_clock clock{name};
};

/// The ddns actor's behavior: spawns its detached, linked worker.
ddns_impl::behavior_type ddns_behavior(ddns_impl::stateful_pointer<ddns_state> self,
                                       ddns_options opts);

/// Spawns the ddns actor from `where` (an actor system, or `*self` of a supervisor).
template <class Spawner>
ddns_actor spawn_ddns(Spawner& where, ddns_options opts) {
  return caf::actor_cast<ddns_actor>(where.spawn(ddns_behavior, std::move(opts)));
}

} // namespace coati::actors

// coati_auth and coati_pool own [coati::end, coati::end + 32).
CAF_BEGIN_TYPE_ID_BLOCK(coati_ddns, caf::id_block::coati::end + 32)
CAF_ADD_TYPE_ID(coati_ddns, (coati::actors::ddns_register))
CAF_ADD_TYPE_ID(coati_ddns, (coati::actors::ddns_job))
CAF_ADD_TYPE_ID(coati_ddns, (coati::actors::ddns_done))
CAF_ADD_TYPE_ID(coati_ddns, (coati::actors::ddns_row))
CAF_ADD_TYPE_ID(coati_ddns, (coati::actors::ddns_rows))
CAF_END_TYPE_ID_BLOCK(coati_ddns)
