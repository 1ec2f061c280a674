#pragma once
// The auth actor: XAuth user/password checks (PAM or LDAP) on a bounded pool of worker
// threads, so that a slow PAM stack or directory never holds up a scheduler thread or
// another user's check.
//
//   auth <- (auth_request)  -> auth_reply   check one user; answered `busy` at once when
//                                           the queue is full, `timeout` after the limit
//        <- (status_atom)   -> counters     auth.* counters
//        <- (crash_atom)                    test hook: throw
//
// Inside: each check gets an id; it waits in a bounded queue until one of `workers`
// detached worker actors (own threads, linked to the auth actor) is free; the worker calls
// the back end's blocking `checker::check` and answers. A timer per check answers
// `timeout` when the limit passes (from arrival, so a check that waited in the queue too
// long never runs); a worker still inside PAM then finishes later and its answer is
// dropped (counted in auth.late). The password is moved, never copied, from the request to
// the worker, and every copy is a crypto::secret_bytes that wipes itself.
//
// Counters: auth.requests, auth.ok, auth.failed.<reason> (bad_credentials,
// account_expired, account_denied, backend_error, unsupported), auth.timeouts, auth.busy,
// auth.late, auth.in_flight (workers inside a check), auth.queued, auth.workers, and
// messages_handled / handling_ns / mailbox_depth.
//
// Type IDs: block `coati_auth`, right after `coati`'s; load it with
// `cfg.add_message_types<caf::id_block::coati_auth>()` next to the `coati` block.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/interfaces.hpp"
#include "auth/check.hpp"
#include "auth/ldap.hpp"
#include "auth/pam.hpp"
#include "crypto/secret.hpp"

namespace coati::config {
struct mode_cfg_block;
struct ldapcfg_block;
} // namespace coati::config

namespace coati::actors {

/// One XAuth check, as the peer actor asks it. Local only: `inspect` leaves the password
/// out, so it is never serialized or printed.
struct auth_request {
  std::string user;
  crypto::secret_bytes password; ///< wiped when the message goes
  std::string remote;            ///< "addr:port" of the client, for logs and PAM_RHOST
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, auth_request& x) {
  return f(caf::meta::type_name("auth_request"), x.user, x.remote);
}

/// The verdict on one check.
struct auth_reply {
  auth_reply() = default;
  auth_reply(bool k, auth::reason r, std::string t, std::vector<std::string> g = {},
             std::string a = {}, std::string m = {})
      : ok(k), reason(r), text(std::move(t)), groups(std::move(g)), address(std::move(a)),
        netmask(std::move(m)) {}
  bool ok = false;
  auth::reason reason = auth::reason::backend_error; ///< `ok` when ok
  std::string text;                                  ///< why, for the log (never the password)
  std::vector<std::string> groups; ///< the user's groups when ok (per-group policies)
  /// The user's own address / netmask (dotted quads) from the directory (conf_source
  /// ldap); empty: one from the pool.
  std::string address, netmask;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, auth_reply& x) {
  return f(caf::meta::type_name("auth_reply"), x.ok, x.reason, x.text, x.groups, x.address,
           x.netmask);
}

/// The typed interface of the auth actor: what the daemon and the peers may send.
using auth_actor = caf::typed_actor<
    /// Checks one user and password; answers when the back end did, or busy / timeout.
    caf::replies_to<auth_request>::with<auth_reply>,
    /// The auth.* counters.
    caf::replies_to<status_atom>::with<counters>,
    /// Test hook (the daemon's `crash`): throws.
    caf::reacts_to<crash_atom>>;

/// Self-sent: the time limit of check `id` has passed.
struct auth_expired {
  std::uint64_t id = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, auth_expired& x) {
  return f(caf::meta::type_name("auth_expired"), x.id);
}

/// Auth actor -> worker: run check `id`.
struct auth_job {
  std::uint64_t id = 0;
  auth_request request;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, auth_job& x) {
  return f(caf::meta::type_name("auth_job"), x.id, x.request);
}

/// Worker -> auth actor: the back end's answer to check `id`.
struct auth_done {
  std::uint64_t id = 0;
  auth_reply reply;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, auth_done& x) {
  return f(caf::meta::type_name("auth_done"), x.id, x.reply);
}

/// The auth actor's interface plus its own timer message.
using auth_impl = auth_actor::extend<caf::reacts_to<auth_expired>>;

/// How the auth actor checks and how much it takes on.
struct auth_options {
  auth::backend source = auth::backend::pam; ///< racoon's `auth_source`
  auth::pam_options pam;                     ///< service "racoon", system /etc/pam.d
  /// Used instead of source/pam/ldap when set (tests).
  std::shared_ptr<const auth::checker> checker;
  /// The directory of the `ldapcfg` block (when there is one): the checker for
  /// auth_source ldap, and the groups / address source for group_source / conf_source ldap.
  std::shared_ptr<const auth::ldap_directory> ldap;
  bool ldap_groups = false;  ///< group_source ldap
  bool ldap_address = false; ///< conf_source ldap
  std::size_t workers = 8;   ///< threads that may sit in PAM at once
  /// Workers when a check talks to LDAP: they wait on the network, not the CPU, so a slow
  /// directory (2 s per answer, 4 answers per check) still lets 100 logins through well
  /// within `time_limit`.
  static constexpr std::size_t ldap_workers = 64;
  std::size_t queue_limit = 2048; ///< checks waiting beyond that: busy (a few hundred bytes each)
  std::chrono::milliseconds time_limit{30000}; ///< per check, from arrival
  /// racoon's `auth_groups`: when not empty, an accepted user must be in one of them
  /// (system groups, or the directory's with group_source ldap), else the answer is
  /// account_denied.
  std::vector<std::string> auth_groups;
};

/// The auth options for racoon's `mode_cfg` block (auth_source system|pam|ldap, radius
/// answers `unsupported`; auth_groups; group_source and conf_source ldap) and its
/// `ldapcfg` block (`l`, null when there is none).
auth_options auth_options_for(const config::mode_cfg_block& m,
                              const config::ldapcfg_block* l = nullptr);

/// The checker for `o`: o.checker, else the back end of o.source, with the directory's
/// groups / address when o.ldap_groups / o.ldap_address.
std::shared_ptr<const auth::checker> checker_for(const auth_options& o);

/// The auth actor's state.
struct auth_state {
  static inline const char* name = "auth";
  /// A check not answered yet: waiting in the queue, or running on a worker.
  struct pending_check {
    auth_request request; ///< moved to the worker when it starts
    std::string user, remote;
    caf::typed_response_promise<auth_reply> promise;
    bool running = false;
  };
  auth_options opts;
  std::shared_ptr<const auth::checker> checker;
  std::vector<caf::actor> workers; ///< all of them
  std::vector<caf::actor> idle;    ///< those free now
  std::map<std::uint64_t, pending_check> pending;
  std::deque<std::uint64_t> queue; ///< ids waiting for a worker, oldest first
  std::uint64_t next_id = 1;
  std::map<std::string, std::int64_t> counts;
  handler_clock clock{name};
};

/// The auth actor's behavior: spawns `opts.workers` detached, linked workers.
auth_impl::behavior_type auth_behavior(auth_impl::stateful_pointer<auth_state> self,
                                       auth_options opts);

/// Spawns the auth actor from `where` (an actor system, or `*self` of a supervisor, which
/// then monitors the result) and returns its public handle.
template <class Spawner>
auth_actor spawn_auth(Spawner& where, auth_options opts) {
  return caf::actor_cast<auth_actor>(where.spawn(auth_behavior, std::move(opts)));
}

} // namespace coati::actors

// Chained after coati's block: IDs [coati::end, coati::end + 16) are this block's.
CAF_BEGIN_TYPE_ID_BLOCK(coati_auth, caf::id_block::coati::end)
CAF_ADD_TYPE_ID(coati_auth, (coati::actors::auth_request))
CAF_ADD_TYPE_ID(coati_auth, (coati::actors::auth_reply))
CAF_ADD_TYPE_ID(coati_auth, (coati::actors::auth_expired))
CAF_ADD_TYPE_ID(coati_auth, (coati::actors::auth_job))
CAF_ADD_TYPE_ID(coati_auth, (coati::actors::auth_done))
CAF_END_TYPE_ID_BLOCK(coati_auth)
static_assert(caf::id_block::coati_auth::end <= caf::id_block::coati::end + 16,
              "coati_auth outgrew its 16 IDs: move coati_pool's block (actors/pool.hpp)");
