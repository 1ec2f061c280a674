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
#include <string>
#include <vector>

#include <caf/all.hpp>

namespace coati::actors {

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
CAF_ADD_ATOM(coati, coati::actors, status_atom, "status")
CAF_ADD_ATOM(coati, coati::actors, stats_atom, "stats")
CAF_ADD_ATOM(coati, coati::actors, reload_atom, "reload")
CAF_ADD_ATOM(coati, coati::actors, crash_atom, "crash")
CAF_ADD_ATOM(coati, coati::actors, children_atom, "children")
CAF_END_TYPE_ID_BLOCK(coati)
