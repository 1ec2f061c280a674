#pragma once
// The conversation of coatid's actors, in one place: atoms, message structs, the type-ID
// block and each actor kind's typed interface (at the end of this file: listener, peer,
// child, kernel, policy, script; the auth and pool actors declare theirs beside them).
// Every actor answers `status_atom` with its flat counters.
//
// The supervisor side is still dynamically typed (caf::actor); its contract:
//   daemon   <- (reload_atom)                      -> reload_result   re-read the config
//            <- (status_atom)                      -> counters        daemon.* counters
//            <- (stats_atom)                       -> counters        delegated to stats
//            <- (crash_atom, name)                 -> bool            test hook: crash a child
//            <- (children_atom)                    -> child_list      itself + live children
//            <- (show_sa_atom, kind)               -> std::string     delegated to listener
//            <- (connect_atom, address)            -> std::string     delegated to listener
//            <- (logout_atom, user)                -> std::string     delegated to listener
//            <- (show_pool_atom)                   -> lease_rows      delegated to pool
//            <- (show_ddns_atom)                   -> ddns_rows       delegated to ddns
//   stats    <- (stats_atom)                       -> counters        every actor's counters
//            <- (status_atom)                      -> counters        stats.* counters
//            <- (crash_atom)                                          test hook: throw
//   admin    <- (status_atom)                      -> counters        admin.* counters
//            <- (crash_atom)                                          test hook: throw
// Senders from outside CAF: the listener's I/O thread sends `datagram`, the kernel's event
// thread `kernel_event` and `(net_atom, kind, address)`; coatid's signal thread sends `reload_atom`
// (SIGHUP) and an exit message (SIGTERM) to the daemon; the admin socket's thread asks the daemon.
// Shared objects instead of messages, where a message per event would load one mailbox:
// peers and children send datagrams on the listener's sockets themselves (udp_sender.hpp)
// and add their ike.* counts to the listener's counter_board.hpp (relaxed atomics,
// metrics only); without them (actor tests) the same goes as `outgoing` and `event_atom`.

#include <chrono>
#include <cstdint>
#include <exception>
#include <map>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include <caf/all.hpp>

#include "actors/kind_metrics.hpp"
#include "kernel/xfrm.hpp"
#include "kernel/xfrm_events.hpp"

namespace coati::config {
struct configuration;
}

namespace coati::actors {

struct credentials;

/// Flat counters "actor.key" -> value, as every `status` answer carries them.
struct counters {
  std::map<std::string, std::int64_t> values;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, counters& x) {
  return f(caf::meta::type_name("counters"), x.values);
}

/// One UDP datagram as the listener's I/O thread read it (addresses binary, as the socket
/// gave them: no text on the way in). Local only.
struct datagram {
  config::ip_address from;         ///< the sender's address
  std::uint16_t from_port = 0;     ///< the sender's port (0: none recorded)
  config::ip_address to;           ///< our address it was sent to (IP_PKTINFO / IPV6_PKTINFO)
  std::uint16_t local_port = 0;    ///< the port it arrived on (500, 4500 or -p/-P)
  bool natt = false;               ///< arrived on the NAT-T port (non-ESP marker expected)
  std::vector<std::uint8_t> bytes; ///< the payload as read
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, datagram& x) {
  return f(caf::meta::type_name("datagram"), x.from_port, x.local_port, x.natt, x.bytes);
}

/// "192.0.2.1:500" or "[2001:db8::1]:500": where a datagram came from, for logs.
inline std::string from_text(const datagram& d) {
  auto host = d.from.to_string();
  if (d.from.fam == config::ip_address::family::v6)
    host = "[" + host + "]";
  return host + ":" + std::to_string(d.from_port);
}

/// The ISAKMP message in a datagram: after the non-ESP marker on the NAT-T port.
inline std::span<const std::uint8_t> isakmp_bytes(const datagram& d) {
  std::span<const std::uint8_t> b{d.bytes};
  return d.natt && b.size() >= 4 ? b.subspan(4) : b;
}

/// One UDP datagram a peer wants sent, from our `local` address and port. Peers and
/// children send their own through the shared udp_sender; as a message (to the listener)
/// only where there is none (actor tests). Local only.
struct outgoing {
  config::ip_address local; ///< our address (the one the peer talks to)
  std::uint16_t local_port = 500;
  config::ip_address remote; ///< the peer's address
  std::uint16_t remote_port = 500;
  bool natt = false; ///< prepend the non-ESP marker (port 4500)
  std::vector<std::uint8_t> bytes;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, outgoing& x) {
  return f(caf::meta::type_name("outgoing"), x.local_port, x.remote_port, x.natt, x.bytes);
}

/// A configuration snapshot with its credentials, for the peers spawned from now on.
/// Local only: shared, immutable, never serialized.
struct snapshot {
  std::shared_ptr<const config::configuration> cfg;
  std::shared_ptr<const credentials> creds;
  std::int64_t generation = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, snapshot& x) {
  return f(caf::meta::type_name("snapshot"), x.generation);
}

/// The service actors peers talk to (typed handles; defined below the type IDs).
struct services;

/// What the kernel actor is asked to do: one small command each (kernel_request).
namespace kernel_cmd {
/// Reserve an SPI (an IPComp CPI for proto comp) for an inbound SA from `src` to `dst`:
/// a larval SA. Replies with the SPI.
struct alloc_spi {
  config::ip_address src, dst;
  kernel::xfrm_proto proto = kernel::xfrm_proto::esp;
  std::uint32_t reqid = 0;
};
/// Add an SA (the larval SA of its SPI, if coati reserved it, becomes it).
struct add_sa {
  std::shared_ptr<const kernel::sa_spec> sa;
};
/// Delete the SA (dst, spi, proto) coati installed or reserved.
struct delete_sa {
  config::ip_address dst;
  std::uint32_t spi = 0;
  kernel::xfrm_proto proto = kernel::xfrm_proto::esp;
};
/// NAT-T: replace the SA `old` by `sa` (new addresses or UDP ports, same SPI), its replay
/// state carried over (the peer would drop our sequence numbers from 1 again as replays).
struct move_sa {
  delete_sa old;
  std::shared_ptr<const kernel::sa_spec> sa;
};
/// Add a policy (or replace the one with its selector and direction).
struct add_policy {
  std::shared_ptr<const kernel::policy_spec> policy;
};
/// Delete the policy with this one's selector and direction, if coati installed it.
struct delete_policy {
  std::shared_ptr<const kernel::policy_spec> policy;
};
} // namespace kernel_cmd

/// A request to the kernel actor. Local only.
struct kernel_request {
  std::variant<kernel_cmd::alloc_spi, kernel_cmd::add_sa, kernel_cmd::delete_sa,
               kernel_cmd::move_sa, kernel_cmd::add_policy, kernel_cmd::delete_policy>
      cmd;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, kernel_request&) {
  return f(caf::meta::type_name("kernel_request"));
}

/// An XFRM event (ACQUIRE or EXPIRE) the kernel actor's event thread read. Local only.
struct kernel_event {
  std::shared_ptr<const kernel::xfrm_event> ev;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, kernel_event&) {
  return f(caf::meta::type_name("kernel_event"));
}

/// How long a request to the kernel or policy actor may wait: for ever. Each answers every
/// request (netlink is synchronous), and CAF answers a request to an actor that is gone
/// with an error. A timeout would only cost two wake-ups of CAF's clock thread per request
/// (set, then cancelled), and a quick mode makes about eight requests.
inline constexpr caf::infinite_t kernel_wait = caf::infinite;

/// The kernel actor's answer.
struct kernel_reply {
  bool ok = false;
  std::uint32_t value = 0;  ///< alloc_spi: the SPI
  std::string error;        ///< what the kernel said
  bool unsupported = false; ///< the kernel lacks the transform (no ESP on this host)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, kernel_reply& x) {
  return f(caf::meta::type_name("kernel_reply"), x.ok, x.value, x.error, x.unsupported);
}

/// Policies one owner (a child actor) wants installed; the policy actor removes them when
/// the owner goes down or asks.
struct policy_set {
  caf::actor_addr owner;
  std::shared_ptr<const std::vector<kernel::policy_spec>> specs;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, policy_set& x) {
  return f(caf::meta::type_name("policy_set"), x.owner);
}

/// Phase-1 rekey (actors/rekey.hpp): an ISAKMP SA's children offered to its successor,
/// and a child's new peer. Local only: shared, immutable, never serialized.
struct handover_data;
struct adoption_data;

/// The children of an ending ISAKMP SA, for its successor (same remote, same ID) to adopt.
struct handover {
  std::shared_ptr<const handover_data> data;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, handover&) {
  return f(caf::meta::type_name("handover"));
}

/// A child's new peer actor, phase-1 SA and link after a phase-1 rekey.
struct adoption {
  std::shared_ptr<const adoption_data> data;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, adoption&) {
  return f(caf::meta::type_name("adoption"));
}

/// The answer to a reload: whether the new snapshot was taken, and why not.
struct reload_result {
  bool ok = false;
  std::int64_t generation = 0; ///< the generation in force after the reload
  std::string message;         ///< diagnostics when !ok, "reloaded" otherwise
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reload_result& x) {
  return f(caf::meta::type_name("reload_result"), x.ok, x.generation, x.message);
}

/// The daemon's supervised children, by name.
struct child_list {
  std::vector<std::string> names;
  std::vector<caf::actor> handles;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, child_list& x) {
  return f(caf::meta::type_name("child_list"), x.names, x.handles);
}

/// Turns an exception escaping a handler into the actor's exit reason, keeping what()
/// so the supervisor's log says what happened. Install with set_exception_handler (a light
/// actor's default).
inline caf::error exit_reason_of(std::exception_ptr& ep) {
  try {
    std::rethrow_exception(ep);
  } catch (const std::exception& e) {
    return caf::make_error(caf::sec::runtime_error, std::string{e.what()});
  } catch (...) {
    return caf::make_error(caf::sec::runtime_error, std::string{"unknown exception"});
  }
}

/// Messages waiting in `self`'s mailbox that CAF already moved to its queue (at most
/// one scheduling round old). Reads a counter only: mailbox().size() would fetch from
/// the lock-free inbox through a downcast that UBSan reports inside CAF 0.17's headers.
/// A light actor (actors/light_actor.hpp) counts its own.
template <class Actor>
std::size_t mailbox_depth(Actor* self) {
  if constexpr (requires { self->mailbox_depth(); })
    return self->mailbox_depth();
  else
    return static_cast<std::size_t>(self->mailbox().queue().total_task_size());
}

/// Wall-clock time spent in handlers, counted by each actor for `status`, and by its kind
/// for `coatictl stats` / `top` (actors/kind_metrics.hpp). A state holds one, made with
/// the state's name (`handler_clock clock{name};`): the kind's live count follows it.
class handler_clock {
public:
  explicit handler_clock(const char* kind) : kind_(&kind_metrics::of(kind)) { kind_->born(); }
  ~handler_clock() { kind_->died(); }
  handler_clock(const handler_clock&) = delete;
  handler_clock& operator=(const handler_clock&) = delete;

  /// Counts one handled message, its handling time and the mailbox depth it found, when
  /// it goes out of scope: `handler_clock::scope timing{self};` first in a handler.
  class scope {
  public:
    template <class Self>
    explicit scope(Self self)
        : clock_(self->state.clock), depth_(mailbox_depth(self)),
          start_(std::chrono::steady_clock::now()) {}
    scope(const scope&) = delete;
    scope& operator=(const scope&) = delete;
    ~scope() {
      auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::steady_clock::now() - start_)
                    .count();
      clock_.handled_ += 1;
      clock_.nanos_ += ns;
      clock_.kind_->handled(static_cast<std::uint64_t>(ns), depth_);
    }

  private:
    handler_clock& clock_;
    std::size_t depth_;
    std::chrono::steady_clock::time_point start_;
  };

  /// Adds messages_handled, handling_ns and mailbox_depth under `prefix`.
  void add_to(counters& out, const std::string& prefix, std::size_t mailbox_depth) const {
    out.values[prefix + ".messages_handled"] = handled_;
    out.values[prefix + ".handling_ns"] = nanos_;
    out.values[prefix + ".mailbox_depth"] = static_cast<std::int64_t>(mailbox_depth);
  }

private:
  kind_metrics* kind_;
  std::int64_t handled_ = 0;
  std::int64_t nanos_ = 0;
};

} // namespace coati::actors

CAF_BEGIN_TYPE_ID_BLOCK(coati, caf::first_custom_type_id)
CAF_ADD_TYPE_ID(coati, (coati::actors::counters))
CAF_ADD_TYPE_ID(coati, (coati::actors::datagram))
CAF_ADD_TYPE_ID(coati, (coati::actors::reload_result))
CAF_ADD_TYPE_ID(coati, (coati::actors::child_list))
CAF_ADD_TYPE_ID(coati, (coati::actors::outgoing))
CAF_ADD_TYPE_ID(coati, (coati::actors::snapshot))
CAF_ADD_TYPE_ID(coati, (coati::actors::services))
CAF_ADD_TYPE_ID(coati, (coati::actors::kernel_request))
CAF_ADD_TYPE_ID(coati, (coati::actors::kernel_reply))
CAF_ADD_TYPE_ID(coati, (coati::actors::kernel_event))
CAF_ADD_TYPE_ID(coati, (coati::actors::policy_set))
CAF_ADD_TYPE_ID(coati, (std::vector<std::string>))
CAF_ADD_TYPE_ID(coati, (coati::actors::handover))
CAF_ADD_TYPE_ID(coati, (coati::actors::adoption))
CAF_ADD_ATOM(coati, coati::actors, status_atom, "status")
CAF_ADD_ATOM(coati, coati::actors, stats_atom, "stats")
CAF_ADD_ATOM(coati, coati::actors, reload_atom, "reload")
CAF_ADD_ATOM(coati, coati::actors, crash_atom, "crash")
CAF_ADD_ATOM(coati, coati::actors, children_atom, "children")
CAF_ADD_ATOM(coati, coati::actors, connect_atom, "connect")
CAF_ADD_ATOM(coati, coati::actors, show_sa_atom, "showsa")
CAF_ADD_ATOM(coati, coati::actors, sa_rows_atom, "sarows")
CAF_ADD_ATOM(coati, coati::actors, policy_remove_atom, "polrm")
CAF_ADD_ATOM(coati, coati::actors, script_atom, "script")
CAF_ADD_ATOM(coati, coati::actors, tick_atom, "tick")
CAF_ADD_ATOM(coati, coati::actors, expire_atom, "expire")
CAF_ADD_ATOM(coati, coati::actors, event_atom, "event")
CAF_ADD_ATOM(coati, coati::actors, initial_contact_atom, "initcont")
CAF_ADD_ATOM(coati, coati::actors, subscribe_atom, "subscribe")
CAF_ADD_ATOM(coati, coati::actors, delete_atom, "delete")
CAF_ADD_ATOM(coati, coati::actors, user_atom, "user")
CAF_ADD_ATOM(coati, coati::actors, logout_atom, "logout")
CAF_ADD_ATOM(coati, coati::actors, dpd_atom, "dpd")
CAF_ADD_ATOM(coati, coati::actors, keepalive_atom, "keepalive")
CAF_ADD_ATOM(coati, coati::actors, moved_atom, "moved")
CAF_ADD_ATOM(coati, coati::actors, established_atom, "p1up")
CAF_ADD_ATOM(coati, coati::actors, rekey_atom, "rekey")
CAF_ADD_ATOM(coati, coati::actors, net_atom, "net")
CAF_END_TYPE_ID_BLOCK(coati)

namespace coati::actors {

// ---------------------------------------------------------------- typed interfaces
// Each actor kind's messages, checked by the compiler. Timer messages an actor sends
// itself are part of its interface (CAF needs every handled signature declared).

/// The kernel actor: the only netlink speaker (actors/kernel.hpp).
using kernel_api = caf::typed_actor<
    /// One netlink operation: SPI, SA or policy add/delete.
    caf::replies_to<kernel_request>::with<kernel_reply>,
    /// Where ACQUIRE/EXPIRE events (kernel_event) go from now on.
    caf::reacts_to<subscribe_atom, caf::actor>,
    /// kernel.* counters.
    caf::replies_to<status_atom>::with<counters>>;

/// The policy actor: owners' generated policies, removed when the owner ends.
using policy_api = caf::typed_actor<
    /// Install an owner's policies; the first kernel error, if any.
    caf::replies_to<policy_set>::with<kernel_reply>,
    /// The kernel's answer to a removal it was sent.
    caf::reacts_to<kernel_reply>,
    /// Remove that owner's policies now.
    caf::reacts_to<policy_remove_atom, caf::actor_addr>,
    /// policy.* counters.
    caf::replies_to<status_atom>::with<counters>>;

/// The script actor: hooks on detached workers.
using script_api = caf::typed_actor<
    /// Run the hook at path with this environment.
    caf::reacts_to<script_atom, std::string, std::vector<std::string>>,
    /// The same for an ISAKMP SA's phase1_down (true): later hooks of its REMOTE_ADDR wait
    /// until it has ended.
    caf::reacts_to<script_atom, std::string, std::vector<std::string>, bool>,
    /// A worker's report: the hook at path ended, successfully or not.
    caf::reacts_to<script_atom, std::string, bool>,
    /// script.* counters.
    caf::replies_to<status_atom>::with<counters>>;

/// The listener: the IKE sockets' actor, router of datagrams to peers (actors/listener.hpp).
using listener_api = caf::typed_actor<
    /// One UDP datagram its I/O thread read.
    caf::reacts_to<datagram>,
    /// Send one datagram from our address and port.
    caf::reacts_to<outgoing>,
    /// The configuration for peers spawned from now on.
    caf::reacts_to<snapshot>,
    /// The kernel, policy and script actors' handles.
    caf::reacts_to<services>,
    /// A peer counts ike.<counter>.
    caf::reacts_to<event_atom, std::string>,
    /// A peer's ISAKMP SA is established (the peer's ID; true: XAuth follows): no longer
    /// half-open (admission control); INITIAL-CONTACT finds it by that ID.
    caf::reacts_to<established_atom, std::string, bool>,
    /// A peer's XAuth user was accepted (logout-user finds it by this name).
    caf::reacts_to<user_atom, std::string>,
    /// logout-user USER: end that user's ISAKMP SAs; answers "ok: ..." or "error: ...".
    caf::replies_to<logout_atom, std::string>::with<std::string>,
    /// A peer got INITIAL-CONTACT: end the remote's other peers.
    caf::reacts_to<initial_contact_atom, std::string>,
    /// ACQUIRE (and EXPIRE) from the kernel's event thread.
    caf::reacts_to<kernel_event>,
    /// vpn-connect ADDRESS: start a phase 1; answers "ok: ..." or "error: ...".
    caf::replies_to<connect_atom, std::string>::with<std::string>,
    /// show-sa rows of every peer: "isakmp", "esp"/"ipsec" or all (each peer asked).
    caf::replies_to<show_sa_atom, std::string>::with<std::string>,
    /// listener.* and ike.* counters.
    caf::replies_to<status_atom>::with<counters>,
    /// Stopping: the peers did not all end in time (self).
    caf::reacts_to<tick_atom>,
    /// The keeper's retry timer for an address, of generation n (self).
    caf::reacts_to<tick_atom, std::string, std::uint64_t>,
    /// Phase-1 rekey: a peer wants a successor for its ISAKMP SA with this address.
    caf::reacts_to<rekey_atom, std::string>,
    /// An ending ISAKMP SA's children: to the newest established peer of their remote.
    caf::reacts_to<handover>,
    /// An address, link or route change (kind, address or interface) from the kernel
    /// actor's event thread: the kept phase 1s follow our own address (netwatch.hpp).
    caf::reacts_to<net_atom, std::string, std::string>,
    /// The network settled after changes of generation n (self): check the kept peers.
    caf::reacts_to<net_atom, std::uint64_t>,
    /// Test hook: crash a peer actor ("peer" or "peer:ICOOKIE").
    caf::reacts_to<crash_atom, std::string>,
    /// Test hook: throw.
    caf::reacts_to<crash_atom>>;

/// A peer actor: one ISAKMP SA (actors/peer.hpp; a light actor, actors/light_actor.hpp).
using peer_api = caf::typed_actor<
    /// A datagram with its cookies, from the listener.
    caf::reacts_to<datagram>,
    /// Retransmission tick of generation n (self).
    caf::reacts_to<tick_atom, std::uint64_t>,
    /// Dead peer detection timer of generation n (self): probe, or declare the peer dead.
    caf::reacts_to<dpd_atom, std::uint64_t>,
    /// false: the phase1 timer ran out; true: the ISAKMP SA's lifetime did (self).
    caf::reacts_to<expire_atom, bool>,
    /// A child's SAs (quick mode message ID) reach their soft lifetime: rekey them.
    caf::reacts_to<expire_atom, std::uint32_t>,
    /// An ACQUIRE for this peer's remote, or a MAPPING (NAT-T) from its address, from the
    /// listener; a MAPPING goes on to the children.
    caf::reacts_to<kernel_event>,
    /// show-sa (asked by the listener): our ISAKMP SA's row and our children, whom the
    /// listener asks for theirs next (actors/rows.hpp).
    caf::replies_to<sa_rows_atom>::with<std::vector<std::string>, std::vector<caf::actor>>,
    /// NAT-T keepalive timer of generation n (self): we are behind a NAT, send one.
    caf::reacts_to<keepalive_atom, std::uint64_t>,
    /// NAT-T: a child's quick mode message, authenticated and new, came from where this
    /// datagram (without bytes) says, not from the peer's endpoint: follow the peer there.
    caf::reacts_to<moved_atom, datagram>,
    /// Phase-1 rekey: the soft lifetime of the ISAKMP SA (self): start a successor.
    caf::reacts_to<rekey_atom>,
    /// Phase-1 rekey: our successor (this peer actor) is established: hand over, end.
    caf::reacts_to<rekey_atom, caf::actor>,
    /// Phase-1 rekey: the children of our predecessor, to adopt.
    caf::reacts_to<handover>,
    /// Our own address changed (netwatch.hpp): end now; true: it is gone, so no Delete.
    caf::reacts_to<moved_atom, bool>,
    /// Test hook (COATI_TEST_HOOKS=1 only): throw.
    caf::reacts_to<crash_atom>>;

/// A child actor: one quick mode and its pair of IPsec SAs (actors/child.hpp; a light
/// actor).
using child_api = caf::typed_actor<
    /// A quick mode datagram from its peer actor.
    caf::reacts_to<datagram>,
    /// Retransmission tick of generation n (self).
    caf::reacts_to<tick_atom, std::uint64_t>,
    /// The peer deleted the SA whose outbound SPI is spi; 0: all of this ISAKMP SA's.
    caf::reacts_to<delete_atom, std::uint32_t>,
    /// Soft lifetime reached (self): ask the peer actor for a successor.
    caf::reacts_to<expire_atom, std::uint32_t>,
    /// false: the phase2 timer ran out; true: the hard lifetime (self).
    caf::reacts_to<expire_atom, bool>,
    /// NAT-T: the peer now talks from (address, port) to our port (the NAT-T port: true):
    /// move the SAs and policies there.
    caf::reacts_to<moved_atom, std::string, std::uint16_t, std::uint16_t, bool>,
    /// Phase-1 rekey: a new peer actor (and ISAKMP SA) carries this child from now on.
    caf::reacts_to<adoption>,
    /// show-sa (asked by the listener): its IPsec SAs' rows (no isakmp rows).
    caf::replies_to<sa_rows_atom>::with<std::vector<std::string>, std::vector<std::string>>,
    /// Our own address is gone (netwatch.hpp): end without a Delete.
    caf::reacts_to<moved_atom>,
    /// NAT-T: a MAPPING from the kernel (via the peer): if it names our inbound SA, the
    /// peer talks from a new address or port; moved as for an authenticated message.
    caf::reacts_to<kernel_event>>;

} // namespace coati::actors
