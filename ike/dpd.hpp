#pragma once
// Dead peer detection (RFC 3706) for IKEv1, the parts that decide: the DPD vendor ID, which
// received R-U-THERE is fresh, and when to probe and when the peer is dead. The notify
// payloads themselves (R-U-THERE 36136, R-U-THERE-ACK 36137, SPI = CKY-I | CKY-R, data = a
// 32-bit sequence number) are built and read in ike/informational.hpp; ike::session runs
// all of it and the peer actor only keeps the clock.
//
//   phase 1:   VID(DPD) -->            <-- VID(DPD)          both must send it
//   idle for dpd_delay s:   R-U-THERE(seq) -->                 probe
//   no ACK for dpd_retry s: R-U-THERE(seq+1) -->               retry, up to dpd_maxfail probes
//   <-- R-U-THERE-ACK(seq)    alive again (last acked < seq <= last sent)
//   dpd_maxfail probes unanswered, dpd_retry s more: dead
//
// As racoon: the VID goes out with `dpd on` (the default), the peer counts as capable when
// it sent the VID, and only `dpd_delay > 0` probes. Unlike racoon (which probes every
// dpd_delay s whatever happens), coati probes only a peer it has heard nothing fresh from
// for dpd_delay s (RFC 3706 §5.3): an accepted ACK or a fresh R-U-THERE counts (both are
// authenticated and replay-checked); a resent, replayed or stale one does not.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "ike/informational.hpp"

namespace coati::ike {

namespace vendor_ids {
/// RFC 3706's vendor ID: afcad71368a1f1c96b8696fc7757, major 1, minor 0 (not an MD5).
inline const bytes dpd = {0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
                          0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00};
/// True for the DPD vendor ID of any version (16 bytes, the first 14 match).
bool is_dpd(std::span<const std::uint8_t> vid);
} // namespace vendor_ids

/// True when one of `m`'s vendor ID payloads announces DPD.
bool announces_dpd(const message& m);

/// What the sequence number of a received R-U-THERE says.
enum class dpd_freshness : std::uint8_t {
  fresh,         ///< after the last one seen, within the window: answer it
  resent,        ///< the last one's number in a message of its own: answer it again
  replayed,      ///< an older number, or a message already seen: a copy, ignore it
  out_of_window, ///< too far ahead of the last one seen to be the peer's next: ignore it
};

/// The counter suffix of a freshness: "fresh", "resent", "replayed", "out_of_window".
const char* to_string(dpd_freshness f);

/// The receiving side of R-U-THERE: remembers the peer's last sequence number. RFC 3706 §7
/// lets a receiver refuse numbers that do not increase; the peer takes one number per probe,
/// so a number more than `window` ahead is not one it sent next (32-bit serial arithmetic,
/// so the counter may wrap). strongSwan keeps its number until an ACK comes and sends it
/// again in a new message (a new message ID, which HASH(1) covers, so only the peer can
/// make one): that is `resent` and gets its ACK again (else a lost ACK would make the peer
/// give up on us); the same message twice is `replayed`.
class dpd_replay_window {
public:
  /// How far ahead of the last one a fresh sequence number may be.
  static constexpr std::uint32_t window = 0x10000;
  /// How many messages of the last number are answered.
  static constexpr std::size_t max_resends = 16;
  /// Judges `seq` that came in the informational `message_id`; a fresh one becomes the last
  /// one seen. The first one is always fresh.
  dpd_freshness check(std::uint32_t seq, std::uint32_t message_id);
  /// The last fresh sequence number, if any came.
  std::optional<std::uint32_t> last() const { return last_; }

private:
  std::optional<std::uint32_t> last_;
  std::vector<std::uint32_t> messages_; ///< message IDs that carried `last_`
};

/// The clock DPD runs on (monotonic: a wall clock step must not kill or spare a peer).
using dpd_clock = std::chrono::steady_clock;

/// dpd_delay, dpd_retry and dpd_maxfail of a remote block.
struct dpd_timing {
  std::chrono::seconds delay{0}; ///< idle time before the first probe; 0: never probe
  std::chrono::seconds retry{5}; ///< time between unanswered probes
  unsigned maxfail = 5;          ///< unanswered probes before the peer is dead
};

/// The probing side: when to send an R-U-THERE, which ACK answers one, when the peer is dead.
/// The caller asks `due()` at `next_due()` (or later) and sends what it says.
class dpd_prober {
public:
  /// What `due()` asks for.
  enum class action : std::uint8_t {
    wait,  ///< nothing now: ask again at next_due()
    probe, ///< send an R-U-THERE with `sequence`
    dead,  ///< dpd_maxfail probes went unanswered
  };
  struct step {
    action what = action::wait;
    std::uint32_t sequence = 0;
  };

  /// Starts at `now` (phase 1 just came up: the peer counts as heard from).
  dpd_prober(dpd_timing t, dpd_sequencer seq, dpd_clock::time_point now);

  /// The peer proved itself alive at `now`: no probe is due before now + delay.
  void alive(dpd_clock::time_point now);
  /// An R-U-THERE-ACK with `seq`: true (and alive) when it answers a probe we sent since the
  /// last ACK that counted; false for a stale, replayed or unknown number.
  bool ack(std::uint32_t seq, dpd_clock::time_point now);
  /// What to do at `now`.
  step due(dpd_clock::time_point now);
  /// When `due()` has something to do next.
  dpd_clock::time_point next_due() const;
  /// Probes sent since the peer was last heard from.
  unsigned unanswered() const { return probes_; }
  const dpd_timing& timing() const { return t_; }

private:
  dpd_timing t_;
  dpd_sequencer seq_;
  dpd_clock::time_point heard_;
  dpd_clock::time_point last_probe_{};
  unsigned probes_ = 0;
  bool dead_ = false;
};

} // namespace coati::ike
