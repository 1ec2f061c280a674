#pragma once
// The informational exchange (RFC 2409 §5.7, RFC 2408 §4.8): Delete and Notify payloads,
// dead peer detection (RFC 3706), as pure functions for the peer actor.
//
//   protected, once the ISAKMP SA has keys:  HDR*, HASH(1), N/D
//       HASH(1) = prf(SKEYID_a, M-ID | N/D), fresh random M-ID, its own IV:
//       hash(phase-1 final IV | M-ID) (RFC 2409 appendix B). The phase-1 IV is only read,
//       so a quick mode or transaction in progress keeps its own chain.
//   unprotected, before there are keys:      HDR, N   (errors a failing responder sends)
//
// Receiving is split the same way, on purpose: a peer with an established ISAKMP SA calls
// open_informational(), which refuses anything in the clear; only a peer without keys calls
// open_unprotected_informational(), whose result keeps deletes apart under a name that says
// they are not authenticated (racoon acts on them only with weak_phase1_check).
//
//   auto out = ike::seal_informational(p1, {ike::delete_isakmp_sa(ic, rc)});
//   auto in  = ike::open_informational(p1, datagram);
//   if (auto* info = std::get_if<ike::informational>(&in)) ...

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "ike/message.hpp"
#include "ike/quick_mode.hpp" // phase1_context

namespace coati::ike {

/// An authenticated informational message: what the peer asked us to delete or told us.
struct informational {
  std::uint32_t message_id = 0;
  std::vector<delete_payload> deletes;
  std::vector<notify_payload> notifies;
  std::vector<payload_type> ignored; ///< other payloads that came along, not acted on
};

/// An informational that came in the clear: nothing in it is authenticated.
struct unprotected_informational {
  std::uint32_t message_id = 0;
  cookie icookie{}, rcookie{};
  std::vector<notify_payload> notifies; ///< e.g. NO-PROPOSAL-CHOSEN from a failing responder
  /// Deletes anyone could have sent; act on them only when told to (weak_phase1_check).
  std::vector<delete_payload> unauthenticated_deletes;
  std::vector<payload_type> ignored;
};

/// Why a received informational was refused.
enum class info_reject : std::uint8_t {
  undecodable,    ///< the datagram does not decode as ISAKMP
  wrong_exchange, ///< exchange type is not informational (5)
  wrong_cookies,  ///< the cookies are not those of this ISAKMP SA
  not_encrypted,  ///< in the clear, but the ISAKMP SA has keys: it must be protected
  encrypted,      ///< encrypted, but there are no keys to open it with
  bad_length,     ///< the encrypted body is not a whole number of cipher blocks
  bad_plaintext,  ///< decrypted bytes do not decode (wrong key or IV, or damaged)
  missing_hash,   ///< the first payload is not HASH(1)
  bad_hash,       ///< HASH(1) does not verify
  empty,          ///< neither a Notify nor a Delete
};

/// A refusal: the reason and a sentence for the log.
struct info_rejection {
  info_reject reason = info_reject::undecodable;
  std::string text;
};

/// The name of a reason, e.g. "bad-hash".
const char* to_string(info_reject r);

/// A datagram to send and the message ID it carries.
struct info_datagram {
  bytes wire;
  std::uint32_t message_id = 0;
};

/// Builds a protected informational, HDR*, HASH(1), `body`, under the ISAKMP SA `p1`. `body`
/// holds Notify and Delete payloads only, sent in this order (racoon hashes only the first
/// payload after HASH: send it one payload per message). `message_id` 0 picks a random
/// non-zero one. The phase-1 IV is not changed. Gives the reason when `body` is empty, holds
/// something else, or does not encode.
std::variant<info_datagram, std::string> seal_informational(const phase1_context& p1,
                                                            std::span<const payload> body,
                                                            std::uint32_t message_id = 0);

/// Opens a protected informational received under the ISAKMP SA `p1`: decrypts it with the
/// IV of its message ID and verifies HASH(1) in constant time. Refuses clear messages.
std::variant<informational, info_rejection>
open_informational(const phase1_context& p1, std::span<const std::uint8_t> datagram);

/// Builds HDR, N in the clear for an ISAKMP SA that has no keys (yet): a responder's
/// NO-PROPOSAL-CHOSEN, INVALID-ID-INFORMATION, AUTHENTICATION-FAILED... `message_id` 0 picks
/// a random non-zero one, as racoon does.
std::variant<info_datagram, std::string> unprotected_notify(const cookie& icookie,
                                                            const cookie& rcookie,
                                                            const notify_payload& n,
                                                            std::uint32_t message_id = 0);

/// Reads an informational in the clear, for an ISAKMP SA without keys. Refuses encrypted
/// ones (reason `encrypted`).
std::variant<unprotected_informational, info_rejection>
open_unprotected_informational(std::span<const std::uint8_t> datagram);

/// Delete of the ISAKMP SA itself: protocol ISAKMP, one 16-byte SPI CKY-I | CKY-R.
delete_payload delete_isakmp_sa(const cookie& icookie, const cookie& rcookie);

/// Delete of IPsec SAs of one protocol (ESP or AH) in one payload: 4-byte SPIs, given in
/// host order; they are the sender's inbound SPIs (RFC 2408 §3.15). `spis` must not be empty.
delete_payload delete_ipsec_sas(protocol_id protocol, std::span<const std::uint32_t> spis);

/// The SPIs of an ESP/AH delete in host order; empty when they are not 4 bytes each.
std::vector<std::uint32_t> ipsec_spis(const delete_payload& d);

/// True when a Delete names this ISAKMP SA (protocol ISAKMP, SPI = CKY-I | CKY-R).
bool deletes_isakmp_sa(const delete_payload& d, const cookie& icookie, const cookie& rcookie);

/// An error notify (types 1..16383), IPsec DOI. About the ISAKMP SA (phase 1) the SPI is
/// empty, as racoon sends it; about a phase-2 proposal, give its protocol and SPI.
notify_payload error_notify(notify_type type, protocol_id protocol = protocol_id::isakmp,
                            bytes spi = {}, bytes data = {});

/// The DPD sequence number of an R-U-THERE or R-U-THERE-ACK (`kind`) naming this ISAKMP SA:
/// protocol ISAKMP, SPI = the cookies (either order, as racoon accepts), 4 bytes of data.
/// nullopt otherwise.
std::optional<std::uint32_t> dpd_sequence(const notify_payload& n, notify_type kind,
                                          const cookie& icookie, const cookie& rcookie);

/// The R-U-THERE-ACK answering `probe`: the same SPI and sequence number (RFC 3706).
/// nullopt when `probe` is not an R-U-THERE for this ISAKMP SA.
std::optional<notify_payload> dpd_ack_for(const notify_payload& probe, const cookie& icookie,
                                          const cookie& rcookie);

/// The sending side of DPD: sequence numbers of our R-U-THEREs and which ACK counts.
/// Every probe (a retry too) takes the next number; an ACK counts when it echoes a number
/// sent since the last ACK that counted (racoon's window: last_ack < seq <= last sent,
/// in 32-bit serial arithmetic).
class dpd_sequencer {
public:
  /// Starts after `first - 1`: the first probe carries `first`.
  explicit dpd_sequencer(std::uint32_t first);
  /// Starts at a random number below 0x1000, as racoon does.
  static dpd_sequencer random_start();

  /// The sequence number for the next R-U-THERE.
  std::uint32_t next_probe();
  /// Whether an R-U-THERE-ACK with `seq` answers one of the probes still unanswered; if so
  /// that probe and the ones before it count as answered.
  bool accept_ack(std::uint32_t seq);
  /// Probes sent since the last ACK that counted (dpd_maxfail compares with this).
  std::uint32_t unanswered() const { return last_sent_ - last_acked_; }
  /// The number of the last probe sent.
  std::uint32_t last_sent() const { return last_sent_; }

private:
  std::uint32_t last_sent_;
  std::uint32_t last_acked_;
};

} // namespace coati::ike
