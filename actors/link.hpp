#pragma once
// What a peer actor and its child actors share about talking to one remote: where the
// datagrams go, how they are sent and retransmitted (the `timer` block), and the phase-1
// SA the children run under.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <caf/all.hpp>

#include "actors/alarms.hpp"
#include "actors/counter_board.hpp"
#include "actors/interfaces.hpp"
#include "actors/udp_sender.hpp"
#include "config/model.hpp"
#include "ike/fragment.hpp"
#include "ike/main_mode.hpp"
#include "util/log.hpp"

namespace coati::actors {

/// Where a peer talks from and to.
struct peer_endpoints {
  config::ip_address local, remote;
  std::uint16_t local_port = 500, remote_port = 500;
  bool natt = false; ///< on the NAT-T port: datagrams carry the non-ESP marker
};

/// "192.0.2.1[500]" for logs.
std::string where(const peer_endpoints& e);

/// "c0ffee..:12ab.." for logs and show-sa.
std::string cookie_text(const ike::cookie& i, const ike::cookie& r);

/// A datagram (without bytes) that says where `e`'s peer talks from and to which port of
/// ours: what a child is told of a quick mode message's arrival.
datagram arrival_datagram(const peer_endpoints& e);

/// The datagram carrying `bytes` to the peer.
outgoing make_out(const peer_endpoints& e, std::vector<std::uint8_t> bytes);

/// The phase-1 SA a peer's children run under (immutable once made, shared read-only).
struct phase1_shared {
  std::shared_ptr<const ike::phase1_established> est; ///< the session's own, not a copy
  const ike::phase1_established& sa() const { return *est; }
  std::string peer_id; ///< for logs and REMOTE_ID
};

/// The datagram of a protected informational carrying `body` under `p1`, to `ends`;
/// nullopt (logged) when it cannot be built.
std::optional<outgoing> informational_to(const peer_endpoints& ends, const phase1_shared& p1,
                                         const std::vector<ike::payload>& body);

/// How a peer or child sends: on the shared sockets (`sender`; without one, as a message
/// to the listener), `persend` copies each; and counts (`board`).
struct peer_link {
  listener_api listener;
  peer_endpoints ends;
  unsigned persend = 1;
  std::shared_ptr<const udp_sender> sender;
  std::shared_ptr<counter_board> board; ///< the listener's ike.* counters (none in tests)
  /// IKE fragmentation: a datagram longer than this many bytes (the non-ESP marker on
  /// port 4500 included) goes as fragments; 0: never (the peer did not announce them).
  std::size_t fragment_packet = 0;
  /// The timers (alarms.hpp); none in actor tests, which use CAF's clock (`later`).
  std::shared_ptr<alarm_service> alarms = nullptr;

  /// Sends `wire` to the peer (persend times), as fragments when it is too long for one
  /// packet and the peer takes fragments. A retransmission calls this again: the same
  /// fragments go again.
  template <class Self>
  void send(Self* self, const ike::bytes& wire) const {
    std::size_t room = fragment_packet > 4 && ends.natt ? fragment_packet - 4 : fragment_packet;
    if (room != 0 && wire.size() > room) {
      auto parts = ike::split(wire, room);
      if (parts.size() > 1) {
        count(self, "frag.messages_sent");
        for (auto& p : parts) {
          count(self, "frag.fragments_sent");
          auto o = make_out(ends, p);
          for (unsigned i = 0; i < std::max(1U, persend); ++i)
            put(self, o);
        }
        return;
      }
    }
    auto o = make_out(ends, wire);
    for (unsigned i = 0; i < std::max(1U, persend); ++i)
      put(self, o);
  }

  /// Sends one datagram as it is (no fragments, no copies).
  template <class Self>
  void put(Self* self, const outgoing& o) const {
    if (sender)
      put_detached(o);
    else
      self->send(listener, o);
  }
  /// The same without an actor (a state's destructor: the last Delete).
  void put_detached(const outgoing& o) const;
  /// Counts `what` under ike.* on the listener's board (without one, a message to it).
  template <class Self>
  void count(Self* self, std::string what) const {
    if (board)
      board->add(what);
    else
      self->send(listener, event_atom_v, std::move(what));
  }
  /// The same without an actor (a state's destructor).
  void count_detached(std::string what) const {
    if (board)
      board->add(what);
    else
      caf::anon_send(listener, event_atom_v, std::move(what));
  }
};

/// Resends the datagram that started a round trip until the answer comes: at each
/// `interval`, at most `counter` transmissions in all (the `timer` block). Timer messages
/// carry a generation; a tick of an older round trip is stale.
class retransmitter {
public:
  /// What a tick means.
  enum class verdict : std::uint8_t { stale, resend, give_up };

  /// A new round trip with `wire`; gives the generation the ticks must carry.
  std::uint64_t arm(ike::bytes wire) {
    last_ = std::move(wire);
    tries_ = 0;
    return ++gen_;
  }
  /// The answer came (or the exchange ended): no more resends. The datagram's memory goes
  /// too (clear() would keep it for the SA's whole life: an MM4 or a QM2, ~0.2 kB each).
  void stop() {
    ++gen_;
    ike::bytes{}.swap(last_);
  }
  /// A tick of generation `gen`, with the timer block's `counter`.
  verdict tick(std::uint64_t gen, unsigned counter) {
    if (gen != gen_ || last_.empty())
      return verdict::stale;
    if (++tries_ >= std::max(1U, counter))
      return verdict::give_up;
    return verdict::resend;
  }
  const ike::bytes& last() const { return last_; }
  unsigned tries() const { return tries_; }

private:
  ike::bytes last_;
  unsigned tries_ = 0;
  std::uint64_t gen_ = 0;
};

/// Sends `self` the timer message (`atom`, `arg`) after `delay`: on the link's alarm
/// service (the daemon; `self`'s state holds an alarm_slot named `alarm`), else with CAF's
/// delayed_send (actor tests advance that clock by hand). Both paths are compiled, so the
/// typed interface checks the message either way.
template <class Self, class Atom, class Arg>
void later(Self* self, const peer_link& link, caf::timespan delay, Atom atom, Arg arg) {
  static_assert(std::is_integral_v<Arg>, "an alarm carries one number");
  if (link.alarms)
    self->state.alarm.after(link.alarms, self, delay, &timer_message<Atom, Arg>,
                            static_cast<std::uint64_t>(arg));
  else
    self->delayed_send(self, delay, atom, arg);
}

/// Arms `r` with `wire` and schedules its first tick on `self` after the interval.
template <class Self>
void arm_retransmit(Self* self, retransmitter& r, ike::bytes wire, const peer_link& link,
                    const config::timer_block& t) {
  later(self, link, t.interval, tick_atom_v, r.arm(std::move(wire)));
}

/// A retransmission tick of generation `gen`: resends the round trip's datagram (counted
/// as ike.retransmitted) and schedules the next tick. True when the peer has not answered
/// `counter` transmissions: the caller gives up.
template <class Self>
bool retransmit_tick(Self* self, retransmitter& r, std::uint64_t gen, const peer_link& link,
                     const config::timer_block& t) {
  switch (r.tick(gen, t.counter)) {
  case retransmitter::verdict::give_up:
    return true;
  case retransmitter::verdict::resend:
    link.count(self, "retransmitted");
    link.send(self, r.last());
    later(self, link, t.interval, tick_atom_v, gen);
    return false;
  case retransmitter::verdict::stale:
    break;
  }
  return false;
}

} // namespace coati::actors
