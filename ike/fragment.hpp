#pragma once
// IKEv1 fragmentation as racoon, Cisco and strongSwan do it (not RFC 7383, which is IKEv2):
// a peer that sent the FRAGMENTATION vendor ID accepts a long message cut into packets of
// their own, each an ISAKMP header (the message's cookies and exchange type, next payload
// 132) and one fragment payload (ID, number from 1, "last" flag) carrying a slice of the
// whole datagram, encrypted or not. The receiver puts the slices back together and handles
// the result as if it had come in one piece.
//
//   split(MM5 of 2400 bytes, 548) -> [HDR, FRAG(1)] [HDR, FRAG(2)] ... [HDR, FRAG(5, last)]
//   reassembler.add(each, now)    -> pending, pending, ..., complete(MM5)
//
// The reassembler keeps one message per peer, with limits on its fragments, its size and
// its age, so fragments from a peer (or someone who learned its cookies) cannot pile up.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ike/payloads.hpp"

namespace coati::ike {

namespace vendor_ids {
/// The FRAGMENTATION vendor ID as racoon sends it: MD5("FRAGMENTATION") followed by the
/// capability word 0x80000000 (fragments of main and aggressive mode messages).
extern const bytes fragmentation;
/// True when `vid` announces IKE fragmentation: the 16-byte MD5 alone (Windows) or with a
/// capability word that has the main/aggressive mode bit (racoon, Cisco, strongSwan).
bool is_fragmentation(std::span<const std::uint8_t> vid);
} // namespace vendor_ids

/// The largest ISAKMP packet we send whole when fragmenting: racoon's 576-byte IP datagram
/// (the smallest every IPv4 host must accept) less the IPv4 and UDP headers.
inline constexpr std::size_t default_fragment_packet = 548;

/// True when `datagram` (ISAKMP, without a NAT-T marker) is a fragment packet: its header
/// names payload 132 first.
bool is_fragment(std::span<const std::uint8_t> datagram);

/// True when a clear (not encrypted) message carries the FRAGMENTATION vendor ID.
bool announces_fragmentation(std::span<const std::uint8_t> datagram);

/// The fragment packets carrying `message` (a whole ISAKMP datagram), none longer than
/// `max_packet` bytes; `message` itself alone when it already fits (or is no ISAKMP
/// message, or max_packet leaves no room for data).
std::vector<bytes> split(std::span<const std::uint8_t> message, std::size_t max_packet,
                         std::uint16_t fragment_id = 1);

/// What the reassembler bounds.
struct reassembly_limits {
  std::size_t max_fragments = 64;   ///< highest fragment number accepted
  std::size_t max_bytes = 32768;    ///< whole message, all slices together
  std::chrono::seconds max_age{30}; ///< from the first fragment of a message
};

/// What one fragment packet did.
enum class fragment_verdict : std::uint8_t {
  pending,   ///< kept; more are needed
  complete,  ///< the message is whole: see `message`
  duplicate, ///< that number is already here (a retransmission): ignored
  dropped,   ///< refused: see `reason`
};

/// The answer to reassembler::add.
struct fragment_result {
  fragment_verdict verdict = fragment_verdict::dropped;
  bytes message;      ///< with complete: the whole datagram
  std::string reason; ///< with dropped: the counter suffix ("malformed", "too_many", ...)
  std::string text;   ///< with dropped: a sentence for the log
  bool discarded_partial = false; ///< an unfinished older message was thrown away
};

/// Puts one peer's fragments back together, one message at a time.
class reassembler {
public:
  using clock = std::chrono::steady_clock;
  explicit reassembler(reassembly_limits limits = {}) : limits_(limits) {}

  /// One fragment packet (ISAKMP, without a NAT-T marker) that came at `now`.
  fragment_result add(std::span<const std::uint8_t> datagram, clock::time_point now);
  /// Bytes held for the message under way.
  std::size_t held() const { return bytes_; }
  /// Fragments held for the message under way.
  std::size_t count() const { return count_; }

private:
  fragment_result drop(std::string reason, std::string text);
  void reset();

  reassembly_limits limits_;
  bool active_ = false;
  std::uint16_t id_ = 0;
  cookie icookie_{}, rcookie_{};
  clock::time_point started_{};
  std::uint8_t last_ = 0;     ///< number of the fragment flagged last, 0 while unknown
  std::vector<bytes> slices_; ///< by number - 1; empty = not yet here
  std::size_t count_ = 0, bytes_ = 0;
};

} // namespace coati::ike
