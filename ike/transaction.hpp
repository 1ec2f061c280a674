#pragma once
// The transaction exchange (exchange type 6) that carries XAuth and Mode Config, as pure
// code for the peer actor (draft-dukes-ike-mode-cfg-02, draft-beaulieu-ike-xauth-02).
//
//   HDR*, HASH(1), ATTR      HASH(1) = prf(SKEYID_a, M-ID | ATTR), like an informational
//
// Each exchange is two messages under one message ID (REQUEST/REPLY or SET/ACK) with its
// own IV chain: the first message uses hash(phase-1 final IV | M-ID), the second chains on
// the first's last cipher block (RFC 2409 appendix B). The phase-1 IV is only read.
//
// This header holds the sealing and opening of one message, the result every state
// machine step gives back (`xact_step`), the data the caller gets or provides (XAuth
// credentials, Mode Config values) and the XAuth / Cisco Unity vendor IDs. The machines
// are in ike/xauth.hpp and ike/mode_cfg.hpp.
//
// A hub doing hybrid XAuth + Mode Config pull, once phase 1 is up (peer sent the XAuth VID):
//
//   ike::xauth_server xs(p1);                 ike::mode_cfg_server ms(p1, peer_sent_unity);
//   send(xs.start());                         // retransmit xs.last_sent() until answered
//   on each transaction datagram d:
//     auto s = xs.receive(d);                 // try XAuth first...
//     if (s.reason == ike::xact_reason::not_mine)
//       s = ms.receive(d);                    // ...then Mode Config
//     send(s.send);
//     if (s.next == check_credentials)  -> check s.credentials (PAM...), send(xs.verdict(ok))
//     if (s.next == provide_values)     -> lease from the pool, send(ms.answer(values))
//                                          (answer only once xs.outcome() == true, as racoon)
//     if (s.next == delete_phase1)      -> send a Delete of the ISAKMP SA after s.send
//   push instead of pull: after XAuth, send(ms.push(values)); its ACK comes to ms.receive.
//
// Every step says what to send, how the exchange stands, why (an enum and a sentence that
// never holds a password) and what the caller must do next.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "crypto/secret.hpp"
#include "ike/message.hpp"
#include "ike/quick_mode.hpp" // phase1_context

namespace coati::ike {

/// Vendor IDs that announce transaction exchange support in phase 1.
namespace vendor_ids {
/// XAuth: the first 8 bytes of MD5("draft-ietf-ipsra-isakmp-xauth-06.txt").
inline const bytes xauth = {0x09, 0x00, 0x26, 0x89, 0xdf, 0xd6, 0xb7, 0x12};
/// Cisco Unity 1.0: MD5("CISCO-UNITY") with its last two bytes set to major 1, minor 0.
inline const bytes unity = {0x12, 0xf5, 0xf2, 0x8c, 0x45, 0x71, 0x68, 0xa9,
                            0x70, 0x2d, 0x9f, 0xe2, 0x74, 0xcc, 0x01, 0x00};
/// True for the XAuth vendor ID (exactly its 8 bytes).
bool is_xauth(std::span<const std::uint8_t> vid);
/// True for a Cisco Unity vendor ID of any version (the first 14 bytes match, as strongSwan
/// and racoon compare).
bool is_unity(std::span<const std::uint8_t> vid);
} // namespace vendor_ids

/// Why a transaction message was refused or ignored, or why an exchange failed.
enum class xact_reason : std::uint8_t {
  none,
  // the message itself
  undecodable,        ///< the datagram does not decode as ISAKMP
  wrong_exchange,     ///< exchange type is not transaction (6)
  wrong_cookies,      ///< cookies of another ISAKMP SA
  not_encrypted,      ///< in the clear (racoon refuses those too: credentials inside)
  no_keys,            ///< the phase-1 context has no keys
  bad_message_id,     ///< M-ID 0, or not the M-ID of the exchange it must continue
  bad_length,         ///< the encrypted body is not a whole number of cipher blocks
  bad_plaintext,      ///< decrypted bytes do not decode (wrong key or IV, or damaged)
  missing_hash,       ///< the first payload is not HASH(1)
  bad_hash,           ///< HASH(1) does not verify
  missing_attributes, ///< no attribute payload
  several_attributes, ///< more than one attribute payload
  // the exchange
  not_mine,            ///< authentic, but for another state machine (try the next one)
  duplicate,           ///< a copy of the last message; `send` holds the stored answer if any
  unexpected_message,  ///< a message type this state does not take (e.g. SET while waiting)
  wrong_state,         ///< the caller asked for a step the machine is not ready for
  unsupported_type,    ///< XAUTH_TYPE other than generic
  missing_credentials, ///< a REPLY without user name or password
  auth_failed,         ///< the credentials were refused (XAUTH_STATUS 0)
  no_address,          ///< a Mode Config answer without the address we asked for
  cannot_seal,         ///< our own message could not be built (no keys, too large)
};

/// The name of a reason, e.g. "bad-hash".
const char* to_string(xact_reason r);

/// An authenticated transaction message.
struct xact_message {
  std::uint32_t message_id = 0;
  attribute_payload attrs;
  std::vector<payload_type> ignored; ///< other payloads that came along (VID, N...)
};

/// A refusal: the reason and a sentence for the log.
struct xact_rejection {
  xact_reason reason = xact_reason::undecodable;
  std::string text;
};

/// The IV chain of one transaction exchange.
struct xact_chain {
  std::uint32_t message_id = 0; ///< 0 = not started: the next opened message starts it
  std::vector<std::uint8_t> iv; ///< the next message's IV; empty = derive from phase 1
};

/// Seals HDR*, HASH(1), ATTR as the next message of `chain` (its first when `chain.iv` is
/// empty; `chain.message_id` must be set and non-zero). `chain.iv` advances to the last
/// cipher block. Gives the datagram, or why it cannot be built.
std::variant<bytes, std::string> seal_transaction(const phase1_context& p1, xact_chain& chain,
                                                  const attribute_payload& attrs);

/// Opens a transaction message received under `p1` as the next message of `chain`: a chain
/// with message ID 0 takes the datagram's; `chain` advances only when the message is
/// accepted (decrypted, HASH(1) verified in constant time, one attribute payload).
std::variant<xact_message, xact_rejection> open_transaction(const phase1_context& p1,
                                                            std::span<const std::uint8_t> datagram,
                                                            xact_chain& chain);

/// The message ID of a datagram whose header says transaction exchange, for routing.
std::optional<std::uint32_t> transaction_message_id(std::span<const std::uint8_t> datagram);

/// True when an attribute payload belongs to XAuth: it holds an attribute of the draft
/// numbering (16520..16529), or, in Cisco's legacy numbering, XAUTH_TYPE as TV (13) in a
/// REQUEST/REPLY or XAUTH_STATUS (20) in a SET/ACK (the way racoon tells them apart from
/// Mode Config attributes 13..15).
bool is_xauth(const attribute_payload& a);

/// XAuth credentials from a REPLY; the password is wiped when this is destroyed.
struct xauth_credentials {
  std::string user;              ///< as received (may hold any byte: escape before logging)
  crypto::secret_bytes password; ///< never log or copy into text
};

/// One Cisco Unity split network (14 bytes on the wire: address, mask, protocol, source
/// port, destination port; racoon sends zeros for the last three).
struct split_network {
  ipv4_address address{};
  ipv4_address mask{};
  std::uint16_t protocol = 0;
  std::uint16_t source_port = 0;
  std::uint16_t destination_port = 0;
  friend bool operator==(const split_network&, const split_network&) = default;
};

/// Mode Config values, from the hub's configuration or an answer to a client. A value that
/// is not set (nullopt, empty) is not sent.
struct mode_cfg_values {
  std::optional<ipv4_address> address;         ///< INTERNAL_IP4_ADDRESS
  std::optional<ipv4_address> netmask;         ///< INTERNAL_IP4_NETMASK
  std::vector<ipv4_address> dns;               ///< INTERNAL_IP4_DNS, one attribute each
  std::vector<ipv4_address> nbns;              ///< INTERNAL_IP4_NBNS (WINS), one each
  std::optional<std::uint32_t> address_expiry; ///< INTERNAL_ADDRESS_EXPIRY, seconds
  std::string application_version;             ///< APPLICATION_VERSION
  std::vector<split_network> split_include;    ///< UNITY_SPLIT_INCLUDE (+ INTERNAL_IP4_SUBNET)
  std::vector<split_network> local_lan;        ///< UNITY_LOCAL_LAN
  std::vector<std::string> split_dns;          ///< UNITY_SPLITDNS_NAME, comma-joined
  std::string default_domain;                  ///< UNITY_DEF_DOMAIN
  std::string banner;                          ///< UNITY_BANNER
  std::optional<bool> save_passwd;             ///< UNITY_SAVE_PASSWD
  std::optional<std::uint16_t> pfs_group;      ///< UNITY_PFS (0 = none)
  std::string ddns_hostname;                   ///< UNITY_DDNS_HOSTNAME
  friend bool operator==(const mode_cfg_values&, const mode_cfg_values&) = default;
};

/// What a Mode Config client asked for (server, pull).
struct mode_cfg_request {
  std::vector<std::uint16_t> asked;              ///< attribute types, in order, no repeats
  std::optional<ipv4_address> suggested_address; ///< a non-zero INTERNAL_IP4_ADDRESS it sent
  std::string ddns_hostname;                     ///< its UNITY_DDNS_HOSTNAME (echoed back)
};

/// How an exchange stands after a step.
enum class xact_status : std::uint8_t {
  in_progress, ///< more messages to come, or the caller has something to do (`next`)
  succeeded,   ///< finished well
  failed,      ///< finished badly (`reason`)
};

/// What the caller must do after a step (besides sending `send`).
enum class xact_next : std::uint8_t {
  none,              ///< nothing: wait for the peer, or the exchange is over
  check_credentials, ///< XAuth server: check `credentials`, then call verdict()
  provide_values,    ///< Mode Config server: find values for `request`, then answer()
  delete_phase1,     ///< XAuth failed for good: send `send`, then delete the ISAKMP SA
};

/// What one call of a transaction state machine gives back.
struct xact_step {
  xact_status status = xact_status::in_progress;
  xact_next next = xact_next::none;
  std::vector<bytes> send;                      ///< datagrams to send now, in order
  bool retransmit = false;                      ///< `send` is the stored answer to a duplicate
  xact_reason reason = xact_reason::none;       ///< why it failed or an input was ignored
  std::string text;                             ///< a sentence for the log; never holds a password
  std::uint32_t message_id = 0;                 ///< the exchange this step is about
  std::optional<xauth_credentials> credentials; ///< with check_credentials
  std::optional<mode_cfg_request> request;      ///< with provide_values
  std::optional<mode_cfg_values> values;        ///< Mode Config client: what the hub gave
  std::string peer_message; ///< XAUTH_MESSAGE text from the server (client), escaped
};

/// The name of a status ("in-progress", "succeeded", "failed").
const char* to_string(xact_status s);

/// Printable form of untrusted text for logs: bytes outside 0x20..0x7e become "\xNN".
std::string escape_text(std::span<const std::uint8_t> raw);
/// The same for text held in a string.
std::string escape_text(std::string_view raw);

namespace detail {

/// What the state machines share: the current exchange's IV chain and the last datagram
/// received with the answer given to it (duplicates are answered from it, never
/// re-processed).
class xact_core {
public:
  explicit xact_core(phase1_context p1) : p1_(p1) {}

  /// A datagram accepted by take(), with the chain it advanced.
  struct taken {
    xact_message msg;
    xact_chain chain;
  };
  /// Takes a datagram: a duplicate or a message that is not ours ends the call (the step);
  /// otherwise the opened message, not yet committed. `fresh` tells whether a new exchange
  /// started by the peer with this content is ours.
  std::variant<taken, xact_step> take(std::span<const std::uint8_t> datagram,
                                      bool (*fresh)(const attribute_payload&)) const;
  /// Commits a taken message: its chain becomes the current one, it becomes the last
  /// received, with no answer yet.
  void accept(std::span<const std::uint8_t> datagram, const taken& t);
  /// Seals `attrs` as the first message of a new exchange (`message_id` 0 = random) into
  /// `step`; it answers the last received datagram. False (and `step` failed) when sealing
  /// fails.
  bool send_new(attribute_payload attrs, std::uint32_t message_id, xact_step& step);
  /// Seals `attrs` as the answer in the current exchange (the peer's identifier echoed).
  bool send_answer(attribute_payload attrs, xact_step& step);

  /// A random identifier for a message that starts an exchange.
  static std::uint16_t new_identifier();
  /// The peer's identifier of the last accepted message.
  std::uint16_t peer_identifier() const { return peer_identifier_; }
  const bytes& last_sent() const { return last_sent_; }
  std::uint32_t message_id() const { return chain_.message_id; }
  /// The current exchange's chain.
  const xact_chain& chain() const { return chain_; }
  const phase1_context& p1() const { return p1_; }

private:
  bool seal_into(const attribute_payload& attrs, xact_step& step);

  phase1_context p1_;
  xact_chain chain_;
  bytes last_received_, answer_, last_sent_;
  std::uint16_t peer_identifier_ = 0;
};

/// A step that ignores an input: in progress, nothing sent, with a reason.
xact_step ignored(xact_reason r, std::string text, std::uint32_t message_id = 0);
/// A step that ends an exchange badly.
xact_step failure(xact_reason r, std::string text, std::uint32_t message_id = 0);

} // namespace detail

} // namespace coati::ike
