#pragma once
// What the transaction exchange tests share: a hub and a client with an ISAKMP SA that
// record every step (no text may hold the password), a way to read what a datagram
// carries, the seed hub's Mode Config values and a whole XAuth run.

#include <boost/test/unit_test.hpp>

#include "ike/mode_cfg.hpp"
#include "ike/transaction.hpp"
#include "ike/xauth.hpp"
#include "phase1_fixtures.hpp"

namespace coati::ike::testing {

/// The password of the tests: no step text may hold it.
inline const std::string password = "wonderland";

/// A hub (main mode responder) and a client (initiator) with an ISAKMP SA, and every step
/// the transaction machines gave, to check that no text holds the password.
struct hub_and_client {
  established_pair p;
  std::vector<xact_step> steps;
  std::vector<std::pair<bool, bytes>> wire; ///< transaction datagrams (from the client?)

  explicit hub_and_client(phase1_offer offer = testing::psk_aes()) : p(offer) {}
  phase1_context hub() const { return p.at_r(); }
  phase1_context client() const { return p.at_i(); }

  /// Records a step; gives its only datagram (fails the test when it sends another count).
  const bytes& one(const xact_step& s, bool from_client) {
    steps.push_back(s);
    BOOST_REQUIRE_EQUAL(s.send.size(), 1u);
    wire.emplace_back(from_client, s.send.front());
    return s.send.front();
  }
  /// Records a step that sends nothing.
  const xact_step& none(const xact_step& s) {
    steps.push_back(s);
    BOOST_TEST(s.send.empty());
    return steps.back();
  }
  ~hub_and_client() {
    for (const auto& s : steps) {
      BOOST_TEST(s.text.find(password) == std::string::npos, "a step's text: " << s.text);
      BOOST_TEST(s.peer_message.find(password) == std::string::npos);
    }
  }
};

/// The attribute payload a datagram carries, opened under `at`: the first message of its
/// exchange, or the answer to `first`.
inline attribute_payload contents(const phase1_context& at, const bytes& wire,
                                  const bytes* first = nullptr) {
  xact_chain chain;
  if (first != nullptr) {
    auto block = crypto::block_size(at.keys->cipher);
    chain.message_id = *transaction_message_id(*first);
    chain.iv.assign(first->end() - static_cast<std::ptrdiff_t>(block), first->end());
  }
  auto in = open_transaction(at, wire, chain);
  if (const auto* no = std::get_if<xact_rejection>(&in))
    BOOST_FAIL("open_transaction: " << to_string(no->reason) << ": " << no->text);
  return std::get<xact_message>(in).attrs;
}

/// The attribute types of a payload, in order.
inline std::vector<std::uint16_t> types(const attribute_payload& a) {
  std::vector<std::uint16_t> out;
  for (const auto& x : a.attributes)
    out.push_back(x.type);
  return out;
}

/// An IPv4 address.
inline ipv4_address ip(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  return {a, b, c, d};
}

/// The seed hub's mode_cfg block (network4 192.168.201.20, three split networks...).
inline mode_cfg_values seed_values() {
  mode_cfg_values v;
  v.address = ip(192, 168, 201, 20);
  v.netmask = ip(255, 255, 255, 255);
  v.dns = {ip(192, 168, 1, 1), ip(192, 168, 1, 2)};
  v.nbns = {ip(192, 168, 1, 1)};
  for (std::uint8_t n : {1, 2, 3})
    v.split_include.push_back({ip(192, 168, n, 0), ip(255, 255, 255, 0)});
  v.default_domain = "local";
  v.application_version = "coati";
  v.save_passwd = false;
  v.pfs_group = 0;
  return v;
}

/// Runs XAuth to the ACK of STATUS=OK; gives the server's last step.
inline xact_step xauth_ok(hub_and_client& h, xauth_server& s, xauth_client& c) {
  auto req = h.one(s.start(), false);
  auto reply = h.one(c.receive(req), true);
  h.steps.push_back(s.receive(reply));
  auto set = h.one(s.verdict(true), false);
  auto ack = h.one(c.receive(set), true);
  return s.receive(ack);
}

} // namespace coati::ike::testing
