#pragma once
// The peer actor: one per ISAKMP SA. ike::session decides what each datagram means and
// answers with effects; this actor performs them: it sends (through the listener's
// sockets), retransmits and gives up per the `timer` block, keeps the phase-1 lifetime,
// runs the hook scripts, spawns one child actor per quick mode (actors/child.hpp) and
// merges their show-sa rows.
//
//   listener --datagram--> peer --datagram (quick mode, by message ID)--> child
//   peer --outgoing--> udp_sender (the shared sockets, from our address and port; sendmsg)
//   peer --(script_atom, path, env)--> script              phase1_up / phase1_down / phase1_dead
//   peer --(dpd_atom, generation)--> peer                   DPD: probe when idle, or dead
//   listener --(sa_rows_atom)--> peer: row, children         coatictl show-sa (rows.hpp)
//   peer --(event_atom, counter)--> listener                ike.* counters for stats
//   peer --(initial_contact_atom, remote)--> listener       older peers of that remote go
//   peer --(established_atom, id, xauth)--> listener         phase 1 up: no longer half-open
//   listener --(moved_atom, gone)--> peer                    our own address changed: end
//   peer --(rekey_atom, remote)--> listener, peer --handover--> peer    phase-1 rekey
//                                                          (actors/rekey.hpp)
//
// A peer's crash stops only its own children (it ends them from its state's destructor);
// the listener (monitoring) forgets its cookies and rows; each child's exit removes its
// own SAs and the policy actor removes its policies.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/interfaces.hpp"
#include "actors/light_actor.hpp"
#include "actors/link.hpp"
#include "actors/services.hpp"
#include "ike/fragment.hpp"
#include "ike/session.hpp"

namespace coati::actors {

/// What a peer actor is started with.
struct peer_args {
  snapshot snap;
  shared_services svc = no_services(); ///< (never null)
  /// How it sends: the listener, its ends (addresses and ports), the shared sockets (none
  /// in actor tests), the listener's ike.* counters and the timers (idem: CAF's clock
  /// without); its persend and fragment size are set when the peer starts.
  peer_link link;
  std::size_t remote = 0; ///< index of the remote block in snap.cfg->remotes
  bool initiator = false;
  bool aggressive = false;         ///< aggressive mode instead of main mode
  ike::cookie cookie{};            ///< ours: icookie as initiator, rcookie as responder
  std::shared_ptr<datagram> first; ///< responder: the first message (once)
  /// Initiator: quick mode for this traffic (the ACQUIRE's selector). Its policy's reqid:
  /// our SAs must carry it to be used by that policy. `ipcomp`: the policy wants IPComp (its
  /// first template is IPComp); racoon builds its proposal from the policy: an ESP-only
  /// policy gets an ESP-only proposal, whatever the sainfo's compression_algorithm says, so
  /// the SAs fit the policy's templates. (Shared, immutable: 16 bytes per peer, not 60.)
  std::shared_ptr<const kernel::acquire_event> acquire;
  /// Phase-1 rekey (actors/rekey.hpp): the peer this one replaces. No INITIAL-CONTACT,
  /// no quick mode; once up, it adopts the predecessor's children.
  std::optional<peer_api> predecessor;
};

/// What only a roadwarrior's ISAKMP SA carries (XAuth, Mode Config): allocated when its
/// user sends a name, so a satellite's peer does not hold ~100 bytes of empty fields.
struct roadwarrior_part {
  std::string name;                             ///< the XAuth user
  std::vector<std::string> groups;              ///< its groups (auth_reply), once accepted
  std::unique_ptr<ike::mode_cfg_values> config; ///< what Mode Config gave the client
  std::optional<config::ip_address> lease;      ///< its address: quick mode only from there
};

/// One of a peer's children (a quick mode and its SAs). A peer has few, mostly one: a
/// vector of these, not maps by message ID (48 bytes each, empty).
struct peer_child {
  std::uint32_t mid = 0; ///< its quick mode's message ID
  child_api child;
  const config::sainfo_block* sainfo = nullptr; ///< initiator's: its SAs are rekeyed from it
};

/// A peer actor's state.
struct peer_state {
  static inline const char* name = "peer";
  handler_clock clock{name}; ///< this peer's handling time, and its kind's figures
  alarm_slot alarm;          ///< its timers on the listener's alarm service (link.hpp `later`)
  peer_args args;
  peer_link& link = args.link; ///< (one copy: the peer's own arguments')
  std::optional<ike::session> session;
  std::shared_ptr<const phase1_shared> p1;
  std::vector<peer_child> children;
  retransmitter rtx;
  const char* state_text = "negotiating"; ///< (a literal)
  std::chrono::system_clock::time_point created = std::chrono::system_clock::now();
  bool remote_deleted = false; ///< the peer deleted the ISAKMP SA: no Delete back
  bool local_gone = false;     ///< our address is gone (netwatch.hpp): no Delete can go out
  std::unique_ptr<roadwarrior_part> user;      ///< a roadwarrior's, once its XAuth user sent a name
  std::uint64_t dpd_gen = 0;                   ///< the DPD timer that counts (older ones are stale)
  std::unique_ptr<ike::reassembler> fragments; ///< the peer's fragmented message under way
  peer_endpoints arrival;                      ///< where the datagram being handled came from
  std::uint64_t keepalive_gen = 0;             ///< the NAT-T keepalive timer that counts
  bool rekeying = false;                       ///< our successor is being negotiated
  bool handed_over = false;                    ///< rekeyed: the tunnel goes on, so no phase1_down
  bool predecessor_gone = false; ///< a rekey whose predecessor ended first: phase1_up runs
  std::vector<snapshot> held;    ///< adopted children's snapshots (their sainfo lives there)
  peer_state() = default;
  peer_state(const peer_state&) = delete;
  peer_state& operator=(const peer_state&) = delete;
  /// The end of the ISAKMP SA: phase1_down script, children stopped. CAF destroys the
  /// state before attached functors run, so the clean-up lives here.
  ~peer_state();

  /// The XAuth user ("": none yet).
  const std::string& xauth_user() const;
  /// Its leased address, once accepted.
  const std::optional<config::ip_address>& lease() const;
  /// The child of quick mode `mid` (null: none).
  peer_child* child(std::uint32_t mid);
  const peer_child* child(std::uint32_t mid) const;
};

/// One per ISAKMP SA, spawned (`spawn<peer_actor>(args)`) and monitored by the listener.
/// A light actor (actors/light_actor.hpp): all peers share one behavior.
class peer_actor final : public light_actor<peer_api, peer_state> {
public:
  peer_actor(caf::actor_config& cfg, peer_args args);
  /// Starts the exchange (and handles the responder's first datagram).
  behavior_type make_behavior() override;
  /// Our predecessor (rekey) or a child ended.
  void on_down(caf::down_msg& dm) override;

private:
  static peer_api::behavior_type shared_behavior();
};

/// What the peer's helper functions take (the actor whose message is being handled).
using peer_self = peer_actor::pointer;

} // namespace coati::actors
