#pragma once
// The conversation of coatid's actors, in one place: atoms, message structs and the
// type-ID block. Every actor answers `status_atom` with its flat counters.
//
//   daemon   <- (reload_atom)                      -> reload_result   re-read the config
//            <- (status_atom)                      -> counters        daemon.* counters
//            <- (stats_atom)                       -> counters        delegated to stats
//            <- (crash_atom, name)                 -> bool            test hook: crash a child
//            <- (children_atom)                    -> child_list      itself + live children
//   listener <- (datagram)                                            one UDP datagram read
//            <- (status_atom)                      -> counters        listener.* counters
//            <- (crash_atom)                                          test hook: throw
//   stats    <- (stats_atom)                       -> counters        every actor's counters
//            <- (status_atom)                      -> counters        stats.* counters
//            <- (crash_atom)                                          test hook: throw
//   admin    <- (status_atom)                      -> counters        admin.* counters
//            <- (crash_atom)                                          test hook: throw
//   listener <- (outgoing)                                            send one datagram
//            <- (connect_atom, address)            -> std::string     vpn-connect: start phase 1
//            <- (show_sa_atom, kind)               -> std::string     rows of every peer
//            <- (sa_rows_atom, isakmp, esp)                           a peer's rows changed
//            <- (snapshot)                                            new config for new peers
//            <- (services)                                            kernel/policy/script handles
//            <- (event_atom, counter)                                 count ike.<counter>
//            <- (initial_contact_atom, remote)                        stop the remote's older peers
//   peer     <- (datagram)                                            one of its exchanges
//            <- (sa_rows_atom, isakmp, esp)                           from a child (esp only)
//   child    <- (delete_atom, spi)                                    the peer deleted the SA
//                                                                     whose inbound SPI (ours
//                                                                     outbound) is spi; 0: all
//   kernel   <- (kernel_request)                   -> kernel_reply    one netlink operation
//            <- (subscribe_atom, listener)                            where XFRM events go
//   listener <- (kernel_event)                                        ACQUIRE: start quick mode
//   peer     <- (kernel_event)                                        ACQUIRE for its remote
//   policy   <- (policy_set)                       -> kernel_reply    install; removed when
//                                                                     the owner goes down
//            <- (policy_remove_atom, owner)                           remove the owner's now
//   script   <- (script_atom, path, env)                              run a hook (own thread)
// Senders: the listener's I/O thread sends `datagram`; coatid's signal thread sends
// `reload_atom` (SIGHUP) and an exit message (SIGTERM) to the daemon; the admin
// socket's thread asks the daemon for everything else.
//
// Actors are dynamically typed (caf::actor) on CAF 0.17.6: the table above is the
// contract, and each behavior handles exactly these messages.

#include <chrono>
#include <cstdint>
#include <exception>
#include <map>
#include <span>
#include <string>
#include <vector>

#include <caf/all.hpp>

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

/// One UDP datagram as the listener's I/O thread read it.
struct datagram {
  std::uint16_t local_port = 0;    ///< the port it arrived on (500, 4500 or -p/-P)
  bool natt = false;               ///< arrived on the NAT-T port (non-ESP marker expected)
  std::string from;                ///< "addr:port" of the sender
  std::string to;                  ///< "addr" it was sent to (IP_PKTINFO / IPV6_PKTINFO)
  std::vector<std::uint8_t> bytes; ///< the payload as read
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, datagram& x) {
  return f(caf::meta::type_name("datagram"), x.local_port, x.natt, x.from, x.to, x.bytes);
}

/// The ISAKMP message in a datagram: after the non-ESP marker on the NAT-T port.
inline std::span<const std::uint8_t> isakmp_bytes(const datagram& d) {
  std::span<const std::uint8_t> b{d.bytes};
  return d.natt && b.size() >= 4 ? b.subspan(4) : b;
}

/// One UDP datagram a peer wants sent, from our `local` address and port.
struct outgoing {
  std::string local; ///< our address (the one the peer talks to)
  std::uint16_t local_port = 500;
  std::string remote; ///< the peer's address
  std::uint16_t remote_port = 500;
  bool natt = false; ///< prepend the non-ESP marker (port 4500)
  std::vector<std::uint8_t> bytes;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, outgoing& x) {
  return f(caf::meta::type_name("outgoing"), x.local, x.local_port, x.remote, x.remote_port, x.natt,
           x.bytes);
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

/// The service actors peers talk to.
struct services {
  caf::actor kernel, policy, script;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, services& x) {
  return f(caf::meta::type_name("services"), x.kernel, x.policy, x.script);
}

/// One operation for the kernel actor (the only one that speaks netlink).
struct kernel_request {
  enum class op : std::uint8_t { alloc_spi, add_sa, delete_sa, add_policy, delete_policy };
  op what = op::alloc_spi;
  std::shared_ptr<const kernel::sa_spec> sa;         ///< add_sa
  std::shared_ptr<const kernel::policy_spec> policy; ///< add_policy, delete_policy
  config::ip_address src, dst;                       ///< alloc_spi, delete_sa (dst)
  std::uint32_t spi = 0;                             ///< delete_sa
  kernel::xfrm_proto proto = kernel::xfrm_proto::esp;
  std::uint32_t reqid = 0; ///< alloc_spi
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, kernel_request& x) {
  return f(caf::meta::type_name("kernel_request"), x.spi, x.reqid);
}

/// An XFRM event (ACQUIRE or EXPIRE) the kernel actor's event thread read. Local only.
struct kernel_event {
  std::shared_ptr<const kernel::xfrm_event> ev;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, kernel_event&) {
  return f(caf::meta::type_name("kernel_event"));
}

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
/// so the supervisor's log says what happened. Install with set_exception_handler.
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
template <class Actor>
std::size_t mailbox_depth(Actor* self) {
  return static_cast<std::size_t>(self->mailbox().queue().total_task_size());
}

/// Wall-clock time spent in handlers, counted by each actor for `status`.
class handler_clock {
public:
  /// Counts one handled message and its handling time when it goes out of scope.
  class scope {
  public:
    explicit scope(handler_clock& c) : clock_(c), start_(std::chrono::steady_clock::now()) {}
    scope(const scope&) = delete;
    scope& operator=(const scope&) = delete;
    ~scope() {
      clock_.handled_ += 1;
      clock_.nanos_ += std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::steady_clock::now() - start_)
                           .count();
    }

  private:
    handler_clock& clock_;
    std::chrono::steady_clock::time_point start_;
  };

  /// Adds messages_handled, handling_ns and mailbox_depth under `prefix`.
  void add_to(counters& out, const std::string& prefix, std::size_t mailbox_depth) const {
    out.values[prefix + ".messages_handled"] = handled_;
    out.values[prefix + ".handling_ns"] = nanos_;
    out.values[prefix + ".mailbox_depth"] = static_cast<std::int64_t>(mailbox_depth);
  }

private:
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
CAF_END_TYPE_ID_BLOCK(coati)
