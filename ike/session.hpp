#pragma once
// One ISAKMP SA as a value: it takes every datagram that carries its cookies, decides what
// it means (phase 1, quick mode for a child, informational) and gives back the effects
// its actor must perform, in order. The actor decides nothing: it sends, counts, starts
// or feeds children, runs scripts and logs as told.
//
//   datagram --> session.receive() --> [send, count, to_child, phase1_up, failed, ...]
//
// Transaction exchanges (XAuth, Mode Config) join here as their own sub-machines.

#include <cstdint>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "ike/aggressive_mode.hpp"
#include "ike/dpd.hpp"
#include "ike/main_mode.hpp"
#include "ike/mode_cfg.hpp"
#include "ike/xauth.hpp"

namespace coati::ike {

/// How loud a log line of the session is.
enum class log_level : std::uint8_t { error, warning, notify, info };

/// Send `wire` to the peer; `awaits_reply`: it starts a round trip, so the actor
/// retransmits it until the next message of the exchange comes.
struct send_effect {
  bytes wire;
  bool awaits_reply = false;
};
/// Count `name` under ike.*.
struct count_effect {
  std::string name;
};
/// A log line about this peer (the actor prefixes who the peer is).
struct log_effect {
  log_level level = log_level::info;
  std::string text;
};
/// Phase 1 is up: `session::established()` holds the SA. `config_follows`: we are the
/// XAuth server, so the phase1_up script waits for config_done_effect (as racoon).
struct phase1_up_effect {
  bool config_follows = false;
};
/// XAuth: check these credentials (and find the user's Mode Config values), then call
/// session::xauth_verdict.
struct check_credentials_effect {
  std::string user; ///< as the client sent it (escape before logging)
  crypto::secret_bytes password;
};
/// The client has its Mode Config values: XAuth and Mode Config are done.
struct config_done_effect {
  std::string user;
  mode_cfg_values values;
};
/// A round trip ended: stop retransmitting.
struct stop_retransmit_effect {};
/// End the ISAKMP SA now, telling the peer (a Delete): XAuth refused or not answered.
struct end_effect {
  std::string why;
};
/// Phase 1 failed: the actor ends.
struct phase1_failed_effect {
  phase1_failure why = phase1_failure::internal;
  std::string text;
};
/// A quick mode datagram for the child of `message_id`; `new_child`: none exists yet
/// (the peer starts a quick mode as initiator), so spawn a responder for it.
struct child_datagram_effect {
  std::uint32_t message_id = 0;
  bytes wire;
  bool new_child = false;
};
/// The peer deleted IPsec SAs: end the child whose outbound SPI is `spi` (0: every child).
struct delete_children_effect {
  std::uint32_t spi = 0;
};
/// The peer said INITIAL-CONTACT: older ISAKMP SAs with it are stale.
struct initial_contact_effect {};
/// The peer deleted this ISAKMP SA: end without sending a Delete back.
struct deleted_by_peer_effect {};
/// DPD: the peer left dpd_maxfail probes unanswered. Run phase1_dead, then end the ISAKMP
/// SA and its IPsec SAs as a Delete would.
struct dpd_dead_effect {
  unsigned probes = 0; ///< R-U-THEREs sent since the peer was last heard from
};

/// NAT-T (initiator): a NAT is in the way, so from now on talk on port 4500, with the
/// non-ESP marker (the peer's port 4500 too). Comes before the sends of MM5.
struct natt_float_effect {};
/// NAT-T: an authenticated message came from another address or port than the peer's (its
/// NAT mapping changed, or it floated to 4500): talk to it there from now on and move its
/// IPsec SAs and policies. Comes before the answer to that message.
struct peer_moved_effect {};

/// One thing the actor must do.
using effect = std::variant<send_effect, count_effect, log_effect, phase1_up_effect,
                            phase1_failed_effect, child_datagram_effect, delete_children_effect,
                            initial_contact_effect, deleted_by_peer_effect,
                            check_credentials_effect, config_done_effect, stop_retransmit_effect,
                            end_effect, dpd_dead_effect, natt_float_effect, peer_moved_effect>;
using effects = std::vector<effect>;

/// Main mode or aggressive mode, behind one face.
using phase1_exchange = std::variant<main_mode, aggressive_mode>;

/// One ISAKMP SA, from its first message to its end.
class session {
public:
  session(phase1_exchange x, bool initiator);

  /// Initiator: the first message.
  effects start();
  /// Handles one datagram with this SA's cookies (without the NAT-T marker) that came at
  /// `now` (DPD: an authenticated one proves the peer alive). `moved`: it came from another
  /// address or port than the peer's (or to another of our ports).
  effects receive(std::span<const std::uint8_t> datagram,
                  dpd_clock::time_point now = dpd_clock::now(), bool moved = false);

  /// NAT-T: a quick mode message that came from another address or port than the peer's
  /// proved itself (HASH verified under this SA, a new message, not a retransmission):
  /// follow the peer there as an authenticated informational would (peer_moved_effect).
  /// Quick mode is checked outside the session (its child), hence this second entry.
  effects quick_mode_moved();
  /// NAT-T: true when we are behind a NAT (or force it), so we send keepalives on 4500.
  bool sends_natt_keepalives() const;
  /// NAT-T: true once IKE runs on port 4500 (floated, or NAT-T started there).
  bool floated() const { return floated_; }

  /// DPD, once phase 1 is up: probe the peer as `t` says, from `now` on. False (nothing
  /// starts) when t.delay is 0 or the peer did not send the DPD vendor ID.
  bool start_dpd(const dpd_timing& t, dpd_clock::time_point now);
  /// DPD timer: the R-U-THERE to send, or dpd_dead_effect, when due at `now`.
  effects dpd_timer(dpd_clock::time_point now);
  /// When dpd_timer() has something to do next; nullopt when not probing.
  std::optional<dpd_clock::time_point> dpd_next() const;

  /// The actor started a quick mode of its own (initiator) with this message ID.
  void child_started(std::uint32_t message_id) { children_.insert(message_id); }
  /// That child has ended: a later datagram with its message ID is a new quick mode.
  void child_ended(std::uint32_t message_id) { children_.erase(message_id); }

  /// XAuth server: the verdict on the credentials of check_credentials_effect, with the
  /// user's Mode Config values when accepted (nullopt: refused, e.g. no address left).
  effects xauth_verdict(std::optional<mode_cfg_values> values, const std::string& why);
  /// No answer to our XAuth/Mode Config message after the retransmissions.
  effects transaction_timeout();
  /// Phase 1 did not complete: no answer after the retransmissions, or the phase1 timer.
  effects phase1_timeout(std::string why);

  /// The phase-1 SA, once established.
  const phase1_established* established() const;
  /// The same, to share with the children (nullptr before phase 1 is up).
  std::shared_ptr<const phase1_established> established_shared() const { return sa_; }
  /// Phase 1 is up and the peer has shown it knows (an authenticated message came, or the
  /// phase1 timer ran out): the answers kept for a retransmitted last phase-1 message go.
  void settle();
  /// True while an XAuth server still waits for the client's credentials or ACK.
  bool in_transaction() const { return xa_ && !xa_->done; }
  bool initiator() const { return initiator_; }
  bool aggressive() const { return aggressive_; }

private:
  effects dispatch(std::span<const std::uint8_t> d, dpd_clock::time_point now);
  void natt_after(effects& out, bool moved);
  effects on_phase1(std::span<const std::uint8_t> d, const header& h);
  effects on_quick(std::span<const std::uint8_t> d, std::uint32_t message_id);
  effects on_informational(std::span<const std::uint8_t> d, dpd_clock::time_point now);
  void on_dpd_notify(const notify_payload& n, std::uint32_t message_id, dpd_clock::time_point now,
                     effects& out);
  effects on_clear_informational(std::span<const std::uint8_t> d);
  effects on_transaction(std::span<const std::uint8_t> d);
  void take(xact_step& s, effects& out, bool awaits_reply);
  void start_xauth(effects& out);
  void fail(effects& out, phase1_failure why, std::string text);
  void phase1_done();
  effects after_phase1(std::span<const std::uint8_t> d);

  /// A phase-1 message answered last, kept once the exchange is gone (by hash: a match
  /// only resends `reply`).
  struct kept_answer {
    std::size_t hash = 0;
    std::size_t size = 0;
    bytes reply;
  };
  /// XAuth server and Mode Config (hybrid_rsa_server, xauth_*_server): XAuth, then Mode
  /// Config pull. Only roadwarriors' SAs carry one.
  struct transaction_part {
    xauth_server xs;
    mode_cfg_server ms;
    bool done = false; ///< the client ACKed the verdict
    std::string user;
    /// What the user gets (its lease, DNS, ...): set when the verdict was yes, so quick
    /// mode and Mode Config may go on.
    std::optional<mode_cfg_values> values;
  };

  /// The phase-1 exchange while it runs: its keys, nonces, DH values and messages go once
  /// phase 1 is up (what an established SA needs is in sa_), so an SA held for hours
  /// keeps only that.
  std::unique_ptr<phase1_exchange> x_;
  std::shared_ptr<const phase1_established> sa_; ///< once up
  std::vector<kept_answer> kept_;                ///< until settle()
  bool aggressive_;
  bool initiator_;
  bool up_ = false;
  std::set<std::uint32_t> children_;
  std::unique_ptr<transaction_part> xa_;
  dpd_replay_window dpd_in_;         ///< the peer's R-U-THERE sequence numbers
  std::unique_ptr<dpd_prober> prober_; ///< ours, when dpd_delay > 0 and the peer does DPD
  bool authentic_ = false; ///< the datagram being handled proved itself (MM5/MM6, a fresh INFO)
  bool floated_ = false;   ///< NAT-T: IKE runs on port 4500
  bool natt_told_ = false; ///< NAT-T: what NAT-D found is logged
};

} // namespace coati::ike
