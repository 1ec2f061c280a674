#pragma once
// The child actor: one quick mode and the pair of IPsec SAs it makes, under its peer's
// phase-1 SA. It asks the kernel for its SPI (and IPComp CPI) first, runs ike/'s quick
// mode, installs the SAs (kernel actor) and, as a generate_policy responder, the tunnel's
// policies (policy actor); it removes them when it ends (lifetime, Delete, its peer's end).
//
//   peer --datagram (its message ID)--> child --outgoing--> udp_sender (shared sockets)
//   child --kernel_request--> kernel      child --policy_set--> policy
//   child --(expire_atom, mid)--> peer               peer --(delete_atom, spi)--> child
//   listener --(sa_rows_atom)--> child: {}, esp rows (show-sa, rows.hpp)
//   (delete_atom: the peer deleted the SA; spi 0: all of them)

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/interfaces.hpp"
#include "actors/light_actor.hpp"
#include "actors/link.hpp"
#include "actors/services.hpp"
#include "config/model.hpp"
#include "ike/quick_mode.hpp"

namespace coati::actors {

/// What a child keeps of its start for its whole life.
struct child_common {
  snapshot snap;
  shared_services svc = no_services(); ///< (never null)
  peer_link link;
  peer_api peer;
  std::size_t remote = 0;
  std::shared_ptr<const phase1_shared> p1;
  std::uint32_t message_id = 0;
  bool initiator = false;
  std::string xauth_user;             ///< the phase-1's XAuth user (its events name it)
  std::optional<std::uint32_t> reqid; ///< the SAs' reqid (an acquiring policy's); else ours
};

/// What the quick mode is held to: what to propose, or what QM1 may ask for.
struct child_terms {
  const config::sainfo_block* sainfo = nullptr; ///< initiator: what to propose (in snap.cfg)
  bool offer_ipcomp = true;                     ///< initiator: may propose IPComp
  /// A roadwarrior's leased address: its quick modes must come from there (IDci).
  std::optional<config::ip_address> lease;
  /// The phase-1's XAuth groups: a sainfo with a `group` applies only to its members.
  std::vector<std::string> xauth_groups;
};

/// What a child actor is started with: the above, and what only its exchange needs.
struct child_args : child_common {
  std::optional<ike::bytes> first; ///< responder: QM1
  datagram first_from;             ///< responder: where QM1 came from (no bytes)
  child_terms terms;
};

/// What only the exchange needs, until it has settled (child_state::settle): the
/// responder's at QM3, the initiator's at its phase2 timer (it may have to send QM3 again
/// until then). Kept apart so that an established child does not carry it (issue 9's
/// memory per SA).
struct child_exchange {
  child_terms terms;
  std::vector<ike::bytes> waiting; ///< datagrams that came before the SPIs
  retransmitter rtx;
};

/// A child actor's state.
struct child_state {
  static inline const char* name = "child";
  handler_clock clock{name}; ///< this child's handling time, and its kind's figures
  alarm_slot alarm;          ///< its timers on the listener's alarm service (link.hpp `later`)
  child_common args;
  /// The exchange (null until the SPIs are there), until it has settled.
  std::unique_ptr<ike::quick_mode> qm;
  /// What else only the exchange needs (null once settled).
  std::unique_ptr<child_exchange> ex;
  /// The SAs once the exchange has settled: what they need for their life (SPIs, keys
  /// for a NAT-T move, IDs, lifetime), without the exchange (PFS key pair, nonces, IV,
  /// kept messages, the offers).
  std::unique_ptr<const ike::child_established> kept;
  datagram arrival; ///< where the last quick mode datagram came from (no bytes; NAT-T)
  std::optional<peer_endpoints> moved_from; ///< NAT-T: the ends before this child moved ahead
  std::uint32_t spi = 0;
  std::uint16_t cpi = 0;
  std::string install_error;
  std::vector<kernel_cmd::delete_sa> to_remove; ///< what was reserved or installed
  bool policies = false;
  caf::actor_addr self_addr;
  bool remote_deleted = false; ///< the peer deleted these SAs: no Delete back
  child_state() = default;
  child_state(const child_state&) = delete;
  child_state& operator=(const child_state&) = delete;
  /// The established SAs (null: not yet).
  const ike::child_established* up() const;
  /// What the exchange has negotiated so far (null: no exchange yet).
  const ike::child_established* negotiated() const;
  /// The exchange is over: its SAs are kept, the rest goes.
  void settle();
  /// Removes the SAs and policies this child installed.
  ~child_state();
};

/// Spawned (`spawn<child_actor>(args)`) and monitored by its peer; ends with its SAs.
/// A light actor (actors/light_actor.hpp): all children share one behavior.
class child_actor final : public light_actor<child_api, child_state> {
public:
  child_actor(caf::actor_config& cfg, child_args args);
  /// Reserves the SPIs and arms the phase2 timer.
  behavior_type make_behavior() override;

private:
  static child_api::behavior_type shared_behavior();
};

/// What the child's helper functions take (the actor whose message is being handled).
using child_self = child_actor::pointer;

} // namespace coati::actors
