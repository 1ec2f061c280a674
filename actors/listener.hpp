#pragma once
// The listener: owns coatid's IKE sockets (UDP 500 + 4500, v4 + v6) on an I/O thread,
// reads datagrams with their local address (IP_PKTINFO / IPV6_RECVPKTINFO) and hands
// them to the listener actor, which checks the ISAKMP header and counts what it drops.
// It never does crypto and never blocks.

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>

#include "actors/admission.hpp"
#include "actors/alarms.hpp"
#include "actors/counter_board.hpp"
#include "actors/interfaces.hpp"
#include "actors/keeper.hpp"
#include "actors/services.hpp"
#include "config/address.hpp"
#include "ike/payloads.hpp"

namespace coati::actors {

/// Where to bind. Empty address lists mean "every address" (0.0.0.0 and ::).
struct listener_options {
  std::vector<config::endpoint> isakmp;      ///< `listen { isakmp ... }` (port 0 = ike_port)
  std::vector<config::endpoint> isakmp_natt; ///< `listen { isakmp_natt ... }`
  std::uint16_t ike_port = 500;              ///< racoon's -p
  std::uint16_t natt_port = 4500;            ///< racoon's -P
  bool bind_sockets = true;                  ///< false: no I/O thread (tests feed datagrams)
};

/// What the header check decided: "accepted" or the drop counter's name
/// ("dropped.short", "dropped.bad_length", "dropped.version", "dropped.ikev2",
/// "dropped.exchange", "dropped.zero_cookie", "dropped.esp", "natt_keepalive").
std::string classify(const datagram& d);

class udp_io;

/// The listener actor's state: its sockets' thread and its counters.
/// A peer actor as the listener knows it.
struct peer_entry {
  ike::cookie icookie{};
  std::string remote; ///< the peer's address
  bool initiator = false;
  bool up = false;              ///< its ISAKMP SA has been established
  bool half_open = false;       ///< a responder whose ISAKMP SA is not established yet
  std::uint64_t seq = 0;        ///< order of start: the newest peer of a remote wins ACQUIREs
  std::string user;             ///< the XAuth user, once accepted
  std::string local;            ///< our address it talks from
  std::string id;               ///< the peer's phase-1 ID, once established
  bool xauth = false;           ///< XAuth follows its phase 1: its identity is (ID, user)
  bool contact_pending = false; ///< INITIAL-CONTACT came before its XAuth user was known
  bool filed = false;           ///< filed in by_identity (under its ID, and user with XAuth)
};

/// Peers filed under a text key (a remote address, an identity). Most keys have one peer
/// (a satellite's address, a certificate's subject): it is kept in the key's slot. More
/// go to a set beside it, so thousands under one key (behind one NAT address, a load
/// test's one certificate) never make one peer's end a scan of all of them.
class peer_index {
public:
  void add(const std::string& key, const caf::actor_addr& peer);
  void remove(const std::string& key, const caf::actor_addr& peer);
  bool contains(const std::string& key) const { return slots_.contains(key); }
  /// Calls `f(peer)` for the peers under `key` until it returns true; true when it did.
  /// `f` must not add to or remove from the index.
  template <class F>
  bool any(const std::string& key, F&& f) const {
    auto i = slots_.find(key);
    if (i == slots_.end())
      return false;
    if (f(i->second.one))
      return true;
    if (i->second.more)
      for (const auto& p : *i->second.more)
        if (f(p))
          return true;
    return false;
  }
  /// Calls `f(peer)` for every peer under `key` (the same rule for `f`).
  template <class F>
  void each(const std::string& key, F&& f) const {
    any(key, [&f](const caf::actor_addr& p) {
      f(p);
      return false;
    });
  }

private:
  struct slot {
    caf::actor_addr one;                             ///< never null
    std::unique_ptr<std::set<caf::actor_addr>> more; ///< the others, when there are
  };
  std::unordered_map<std::string, slot> slots_;
};

/// Hashes an initiator cookie for the listener's table. The peer chooses it: a mix keyed
/// with a secret drawn at start-up (a bijection on 64 bits), so nobody can aim many
/// cookies at one bucket.
struct cookie_hash {
  std::size_t operator()(const ike::cookie& c) const noexcept;
};

struct listener_state {
  listener_state();
  ~listener_state(); ///< stops and joins the I/O thread, closing the sockets
  listener_state(const listener_state&) = delete;
  listener_state& operator=(const listener_state&) = delete;
  static inline const char* name = "listener";
  std::unique_ptr<udp_io> io;
  /// Its peers' and children's timers (alarms.hpp), with the sockets (tests: CAF's clock).
  std::shared_ptr<alarm_service> alarms;
  std::map<std::string, std::int64_t> counts;
  std::map<std::string, std::int64_t> ike_counts; ///< events the peers report: ike.*
  /// The peers' and children's ike.* counters, added where they happen (counter_board.hpp).
  std::shared_ptr<counter_board> board = std::make_shared<counter_board>();
  snapshot snap;                       ///< for the peers spawned from now on
  shared_services svc = no_services(); ///< (never null; what peers get)
  /// Every live peer, by initiator cookie (hashed: a hub's hot lookup, one per datagram).
  std::unordered_map<ike::cookie, peer_api, cookie_hash> by_cookie;
  std::unordered_map<caf::actor_addr, peer_entry> peers;
  /// The same peers by remote address (INITIAL-CONTACT, ACQUIRE and vpn-connect look
  /// them up by address: no scan of every peer on a hub with thousands).
  peer_index by_remote;
  /// Established peers by identity (phase-1 ID, and XAuth user when XAuth follows):
  /// INITIAL-CONTACT ends the same identity's older ISAKMP SAs at other addresses.
  peer_index by_identity;
  std::uint16_t ike_port = 500, natt_port = 4500;
  keeper keep; ///< addresses whose phase 1 is re-initiated when it ends
  /// Children of an ended ISAKMP SA waiting for a phase 1 under way with their address.
  std::multimap<std::string, handover> parked;
  std::uint64_t peer_seq = 0;
  std::uint64_t net_gen = 0; ///< the pending network check's generation (netwatch.hpp)
  bool net_pending = false;  ///< a network check is scheduled
  bool net_up = false;       ///< an address, link or route appeared since the last check
  bool stopping = false;     ///< an exit came: peers are ending, then the listener
  caf::error stop_reason;
  handler_clock clock{name};
  admission admit; ///< half-open peers and the MM1/AM1 token bucket
  /// The half-open responders by age (start order): the oldest gives way when full.
  std::map<std::uint64_t, caf::actor_addr> half_open_age;
};

/// An exit message stops the peers first (their last Deletes still go out through the
/// sockets), then the listener, at most 3 s later.
/// Spawns the I/O thread (unless opts.bind_sockets is false) and checks each datagram;
/// accepted ones go to the peer actor of their initiator cookie, and a main mode's first
/// message from a peer a `remote` block accepts starts a responder peer. Peers send
/// through it (`outgoing`). Until it has a `snapshot` and `services`, it starts no peer.
/// Fails to start (quits with an error) when no socket could be bound.
listener_api::behavior_type listener(listener_api::stateful_pointer<listener_state> self,
                                     listener_options opts);

} // namespace coati::actors
