#pragma once
// Extended authentication (draft-beaulieu-ike-xauth-02) over transaction exchanges, as two
// pure state machines: the server (the hub, edge device) and the client.
//
//   S->C  new M-ID m1: REQUEST {XAUTH_TYPE=generic, USER_NAME="", USER_PASSWORD=""}
//   C->S  m1:          REPLY   {XAUTH_TYPE, USER_NAME, USER_PASSWORD}
//         (the server's caller checks the credentials, then gives its verdict)
//   S->C  new M-ID m2: SET     {XAUTH_STATUS=1 ok | 0 fail}
//   C->S  m2:          ACK     {XAUTH_STATUS}
//
// Wrong password: racoon (isakmp_xauth.c, xauth_reply) sends SET with XAUTH_STATUS=0 and
// at once a Delete of the ISAKMP SA, without retrying and without waiting for the ACK;
// libreswan does the same. That is the default here (max_attempts 1): the verdict step is
// `failed` with next = delete_phase1. With max_attempts > 1 a refused REPLY is answered
// with a fresh REQUEST (new M-ID, an XAUTH_MESSAGE saying why) until the attempts run out.
// A REPLY without user name or password counts as a refused attempt.
//
// Both numberings are understood: the draft's 16520.. and Cisco's legacy 13..20; the
// client answers in the numbering it was asked in, the server's SET follows the REPLY's.
// Duplicates (a retransmitted REPLY, REQUEST or SET) are answered with the stored
// datagram and not processed again. Passwords live in crypto::secret_bytes and never
// appear in any step's text.
//
// Routing: the server only takes messages of its own exchanges (`not_mine` otherwise); the
// client takes new exchanges whose attributes are XAuth's (ike::is_xauth).

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "ike/transaction.hpp"

namespace coati::ike {

/// The hub's side of XAuth for one ISAKMP SA.
class xauth_server {
public:
  /// `max_attempts`: how many REPLYs may be judged before the final SET (racoon: 1).
  explicit xauth_server(phase1_context p1, unsigned max_attempts = 1);

  /// The first REQUEST, in a new exchange (`message_id` 0 = random).
  xact_step start(std::uint32_t message_id = 0);
  /// A transaction datagram: REPLY -> check_credentials; ACK -> succeeded (or, after a
  /// refusal, failed); duplicates are answered from the store.
  xact_step receive(std::span<const std::uint8_t> datagram);
  /// The caller's judgement of the credentials it was given: SET(STATUS), or a new REQUEST
  /// while attempts remain (`message_id` of that new exchange, 0 = random).
  xact_step verdict(bool ok, std::uint32_t message_id = 0);

  /// The final verdict once given (true = ok), before the ACK arrives.
  std::optional<bool> outcome() const { return outcome_; }
  /// The user name of the last REPLY (escape it before logging).
  const std::string& user() const { return user_; }
  /// How many REPLYs have been judged or are being judged.
  unsigned attempts() const { return attempts_; }
  /// The last datagram sent, for the actor's retransmission timer.
  const bytes& last_sent() const { return core_.last_sent(); }
  /// The exchange in progress (its M-ID, for routing).
  std::uint32_t message_id() const { return core_.message_id(); }
  /// The shared machinery (IV chain), for tests and the fuzzer.
  const detail::xact_core& core() const { return core_; }

private:
  enum class state : std::uint8_t { idle, requested, checking, status_sent, done };
  xact_step on_reply(xact_message& m);
  xact_step judge(bool ok, std::uint32_t message_id, xact_reason why, std::string text);
  attribute_payload request_payload(std::string_view message) const;

  detail::xact_core core_;
  unsigned max_attempts_;
  unsigned attempts_ = 0;
  state state_ = state::idle;
  bool cisco_ = false; ///< the client answered in Cisco's numbering
  std::optional<bool> outcome_;
  std::string user_;
};

/// coati's side as an XAuth client (hybrid_rsa_client, xauth_psk_client, coati-load).
class xauth_client {
public:
  /// Answers with this user name and password.
  xauth_client(phase1_context p1, std::string user, crypto::secret_bytes password);

  /// A transaction datagram: REQUEST -> REPLY; SET -> ACK and the outcome (failure: next
  /// = delete_phase1, as racoon deletes the ISAKMP SA after its ACK).
  xact_step receive(std::span<const std::uint8_t> datagram);

  /// The server's verdict, once its SET arrived.
  std::optional<bool> outcome() const { return outcome_; }
  /// The last datagram sent.
  const bytes& last_sent() const { return core_.last_sent(); }
  /// The exchange in progress.
  std::uint32_t message_id() const { return core_.message_id(); }
  /// The shared machinery (IV chain), for tests and the fuzzer.
  const detail::xact_core& core() const { return core_; }

private:
  xact_step on_request(const xact_message& m);
  xact_step on_set(const xact_message& m);

  detail::xact_core core_;
  std::string user_;
  crypto::secret_bytes password_;
  std::optional<bool> outcome_;
};

} // namespace coati::ike
