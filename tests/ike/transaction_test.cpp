// XAuth between two coati ends on top of a real main mode: accepted, refused the racoon
// way, retried, Cisco numbering, retransmissions; what the transaction opener refuses
// (tampering) and with which reason; passwords kept out of every text. Mode Config and
// tshark are in mode_cfg_test.cpp.
#include <boost/test/unit_test.hpp>

#include "crypto/prf.hpp"
#include "ike/encrypted.hpp"
#include "ike/xauth.hpp"
#include "transaction_fixtures.hpp"

using namespace coati;
using namespace coati::ike;
using namespace coati::ike::testing;

namespace {

/// XAuth between a hub and a client who knows the password, up to the client's REPLY.
struct xauth_replied {
  hub_and_client h;
  xauth_server server{h.hub()};
  xauth_client client{h.client(), "alice", crypto::secret_bytes::from_string(password)};
  // <-- XAUTH REQUEST, XAUTH REPLY -->
  bytes req = h.one(server.start(), false);
  bytes reply = h.one(client.receive(req), true);
};

} // namespace

BOOST_AUTO_TEST_SUITE(xauth_suite)

BOOST_AUTO_TEST_CASE(vendor_ids_are_the_hashes_peers_send) {
  auto md5 = [](std::string_view s) {
    return crypto::hash(crypto::hash_alg::md5,
                        {{reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}});
  };
  auto xauth = md5("draft-ietf-ipsra-isakmp-xauth-06.txt");
  BOOST_TEST(vendor_ids::xauth == bytes(xauth.begin(), xauth.begin() + 8),
             boost::test_tools::per_element());
  auto unity = md5("CISCO-UNITY");
  unity[14] = 0x01;
  unity[15] = 0x00;
  BOOST_TEST(vendor_ids::unity == unity, boost::test_tools::per_element());
  BOOST_TEST(vendor_ids::is_xauth(vendor_ids::xauth));
  BOOST_TEST(vendor_ids::is_unity(vendor_ids::unity));
  unity[15] = 0x01; // Unity 1.1: still Unity
  BOOST_TEST(vendor_ids::is_unity(unity));
  BOOST_TEST(!vendor_ids::is_unity(vendor_ids::xauth));
  BOOST_TEST(!vendor_ids::is_xauth(unity));
}

BOOST_AUTO_TEST_CASE(accepted_credentials) {
  hub_and_client h;
  auto iv_before = h.p.r.established()->keys.iv;
  xauth_server server(h.hub());
  xauth_client client(h.client(), "alice", crypto::secret_bytes::from_string(password));

  // <-- XAUTH REQUEST {TYPE=generic, USER_NAME, USER_PASSWORD}
  auto req = h.one(server.start(0x11110001), false);
  BOOST_TEST(types(contents(h.client(), req)) ==
                 (std::vector<std::uint16_t>{xauth_attr::type, xauth_attr::user_name,
                                             xauth_attr::user_password}),
             boost::test_tools::per_element());
  // XAUTH REPLY {TYPE, USER_NAME="alice", USER_PASSWORD} -->
  auto reply = h.one(client.receive(req), true);
  BOOST_TEST(contents(h.hub(), reply, &req).find(xauth_attr::user_name)->as_text() == "alice");
  auto check = server.receive(reply);
  h.steps.push_back(check);
  BOOST_TEST((check.next == xact_next::check_credentials));
  BOOST_REQUIRE(check.credentials.has_value());
  BOOST_TEST(check.credentials->user == "alice");
  BOOST_TEST((check.credentials->password == crypto::secret_bytes::from_string(password)));
  BOOST_TEST(check.message_id == 0x11110001u);
  // <-- XAUTH SET {STATUS=OK}, a new exchange
  auto set = h.one(server.verdict(true, 0x11110002), false);
  auto status = contents(h.client(), set);
  BOOST_TEST(status.attributes.size() == 1u); // vpnc wants exactly one attribute
  BOOST_TEST((status.attributes[0] == data_attribute::tv(xauth_attr::status, 1)));
  BOOST_TEST((server.outcome() == true));
  // XAUTH ACK -->
  auto ack_step = client.receive(set);
  auto ack = h.one(ack_step, true);
  BOOST_TEST((ack_step.status == xact_status::succeeded));
  BOOST_TEST((contents(h.hub(), ack, &set).kind == cfg_type::ack));
  auto done = server.receive(ack);
  BOOST_TEST((done.status == xact_status::succeeded));
  BOOST_TEST(server.attempts() == 1u);
  BOOST_TEST((client.outcome() == true));
  // The phase-1 IV is only read by transaction exchanges.
  BOOST_TEST((h.p.r.established()->keys.iv == iv_before));
}

BOOST_AUTO_TEST_CASE(wrong_password_ends_with_status_fail_as_racoon_does) {
  hub_and_client h;
  xauth_server server(h.hub()); // max_attempts 1, racoon's behaviour
  xauth_client client(h.client(), "alice", crypto::secret_bytes::from_string("not-" + password));
  // <-- XAUTH REQUEST, XAUTH REPLY -->
  auto reply = h.one(client.receive(h.one(server.start(), false)), true);
  auto check = server.receive(reply);
  BOOST_TEST((check.next == xact_next::check_credentials));
  // <-- XAUTH SET {STATUS=FAIL}: failed at once, the ISAKMP SA is to be deleted
  auto verdict = server.verdict(false);
  auto set = h.one(verdict, false);
  BOOST_TEST((verdict.status == xact_status::failed));
  BOOST_TEST((verdict.next == xact_next::delete_phase1));
  BOOST_TEST((verdict.reason == xact_reason::auth_failed));
  BOOST_TEST(
      (contents(h.client(), set).attributes[0] == data_attribute::tv(xauth_attr::status, 0)));
  // XAUTH ACK -->: the client also gives up the ISAKMP SA after acknowledging
  auto ack_step = client.receive(set);
  auto ack = h.one(ack_step, true);
  BOOST_TEST((ack_step.status == xact_status::failed));
  BOOST_TEST((ack_step.next == xact_next::delete_phase1));
  BOOST_TEST((client.outcome() == false));
  // the ACK, if racoon's Delete did not beat it, changes nothing
  auto late = h.none(server.receive(ack));
  BOOST_TEST((late.status == xact_status::failed));
  BOOST_TEST((server.outcome() == false));
  // no second verdict
  BOOST_TEST((server.verdict(true).reason == xact_reason::wrong_state));
}

BOOST_AUTO_TEST_CASE(retries_when_allowed) {
  hub_and_client h;
  xauth_server server(h.hub(), 3);
  xauth_client wrong(h.client(), "alice", crypto::secret_bytes::from_string("guess"));
  xauth_client right(h.client(), "alice", crypto::secret_bytes::from_string(password));
  // <-- REQUEST, REPLY (wrong) -->
  h.steps.push_back(server.receive(h.one(wrong.receive(h.one(server.start(), false)), true)));
  // <-- REQUEST again, a new exchange with a message
  auto again = server.verdict(false);
  auto req2 = h.one(again, false);
  BOOST_TEST((again.status == xact_status::in_progress));
  BOOST_TEST((again.reason == xact_reason::auth_failed));
  BOOST_TEST(contents(h.client(), req2).find(xauth_attr::message) != nullptr);
  // REPLY (right) -->
  auto answer = right.receive(req2);
  BOOST_TEST(!answer.peer_message.empty());
  auto check = server.receive(h.one(answer, true));
  BOOST_TEST((check.next == xact_next::check_credentials));
  BOOST_TEST(server.attempts() == 2u);
  // <-- SET OK, ACK -->
  auto ack = h.one(right.receive(h.one(server.verdict(true), false)), true);
  BOOST_TEST((server.receive(ack).status == xact_status::succeeded));
}

BOOST_AUTO_TEST_CASE(missing_password_counts_as_a_refused_attempt) {
  hub_and_client h;
  xauth_server server(h.hub());
  auto req = h.one(server.start(), false);
  // XAUTH REPLY {USER_NAME} only -->, sealed by hand in the REQUEST's exchange
  xact_chain chain = server.core().chain();
  auto bare = seal_transaction(
      h.client(), chain,
      {cfg_type::reply, 0, {data_attribute::text(xauth_attr::user_name, "alice")}});
  auto step = server.receive(std::get<bytes>(bare));
  h.steps.push_back(step);
  BOOST_TEST((step.reason == xact_reason::missing_credentials));
  BOOST_TEST((step.status == xact_status::failed));
  BOOST_TEST(step.send.size() == 1u); // SET STATUS=FAIL
  (void)req;
}

BOOST_FIXTURE_TEST_CASE(retransmissions_are_answered_from_the_store, xauth_replied) {
  // <-- XAUTH REQUEST again (the REPLY was lost): the same REPLY, not a new one
  auto again = client.receive(req);
  BOOST_TEST(again.retransmit);
  BOOST_TEST((again.reason == xact_reason::duplicate));
  BOOST_TEST((h.one(again, true) == reply));
  // XAUTH REPLY -->, twice before the verdict: the copy is dropped
  BOOST_TEST((server.receive(reply).next == xact_next::check_credentials));
  auto early = h.none(server.receive(reply));
  BOOST_TEST((early.reason == xact_reason::duplicate));
  BOOST_TEST(!early.credentials.has_value());
  // <-- XAUTH SET; the REPLY once more is answered with the stored SET
  auto set = h.one(server.verdict(true), false);
  auto late = server.receive(reply);
  BOOST_TEST(late.retransmit);
  BOOST_TEST((h.one(late, false) == set));
  BOOST_TEST(server.attempts() == 1u);
  // XAUTH ACK -->, and again for a repeated SET
  auto ack = h.one(client.receive(set), true);
  BOOST_TEST((h.one(client.receive(set), true) == ack));
  BOOST_TEST((server.receive(ack).status == xact_status::succeeded));
  BOOST_TEST((h.none(server.receive(ack)).reason == xact_reason::duplicate));
}

BOOST_AUTO_TEST_CASE(cisco_numbering_both_ways) {
  hub_and_client h;
  // <-- REQUEST in Cisco's legacy numbering (TYPE 13 as TV, USER_NAME 14, PASSWORD 15)
  xact_chain out{0x0c15c001, {}};
  auto req = seal_transaction(h.hub(), out,
                              {cfg_type::request,
                               7,
                               {data_attribute::tv(xauth_attr::cisco_type, 0),
                                data_attribute::tlv(xauth_attr::cisco_user_name, {}),
                                data_attribute::tlv(xauth_attr::cisco_user_password, {})}});
  xauth_client client(h.client(), "bob", crypto::secret_bytes::from_string(password));
  auto req_wire = std::get<bytes>(req);
  auto reply = contents(h.hub(), h.one(client.receive(req_wire), true), &req_wire);
  BOOST_TEST(types(reply) == (std::vector<std::uint16_t>{13, 14, 15}),
             boost::test_tools::per_element());
  BOOST_TEST(reply.identifier == 7u);
  BOOST_TEST(reply.find(14)->as_text() == "bob");

  // XAUTH REPLY in Cisco numbering --> our server; its SET answers with STATUS 20
  xauth_server server(h.hub());
  h.one(server.start(), false);
  xact_chain chain = server.core().chain();
  auto cisco_reply = seal_transaction(h.client(), chain,
                                      {cfg_type::reply,
                                       server.core().peer_identifier(),
                                       {data_attribute::tv(13, 0), data_attribute::text(14, "bob"),
                                        data_attribute::text(15, password)}});
  auto check = server.receive(std::get<bytes>(cisco_reply));
  h.steps.push_back(check);
  BOOST_REQUIRE(check.credentials.has_value());
  BOOST_TEST(check.credentials->user == "bob");
  auto set = contents(h.client(), h.one(server.verdict(true), false));
  BOOST_TEST((set.attributes.at(0) == data_attribute::tv(xauth_attr::cisco_status, 1)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(transaction_refusals)

/// The reason `wire` is refused by the opener, as the next message of `chain`.
xact_reason refusal(const phase1_context& at, const bytes& wire, xact_chain chain = {}) {
  auto in = open_transaction(at, wire, chain);
  const auto* no = std::get_if<xact_rejection>(&in);
  BOOST_REQUIRE_MESSAGE(no != nullptr, "accepted, but should have been refused");
  BOOST_TEST(!no->text.empty());
  return no->reason;
}

/// HDR*, `chain` encrypted under the client's keys in the exchange of `first` (its answer).
bytes sealed_by_hand(const phase1_context& at, const bytes& first, std::vector<payload> chain) {
  auto block = crypto::block_size(at.keys->cipher);
  std::vector<std::uint8_t> iv(first.end() - static_cast<std::ptrdiff_t>(block), first.end());
  auto h = header::make(exchange_type::transaction, at.icookie, at.rcookie,
                        *transaction_message_id(first));
  auto wire = seal(h, chain, at.keys->cipher, at.keys->enc_key, iv);
  BOOST_REQUIRE(wire.has_value());
  return *wire;
}

/// HDR*, HASH(1), `body` under the client's keys in the exchange of `first`.
bytes hashed_by_hand(const phase1_context& at, const bytes& first, std::vector<payload> body) {
  auto block = crypto::block_size(at.keys->cipher);
  std::vector<std::uint8_t> iv(first.end() - static_cast<std::ptrdiff_t>(block), first.end());
  auto h = header::make(exchange_type::transaction, at.icookie, at.rcookie,
                        *transaction_message_id(first));
  std::string why;
  auto wire = seal_hashed(h, body, *at.keys, iv, why);
  BOOST_REQUIRE_MESSAGE(wire.has_value(), why);
  return *wire;
}

BOOST_FIXTURE_TEST_CASE(tampered_messages_are_refused_with_their_reason, xauth_replied) {
  attribute_payload attrs{cfg_type::reply,
                          server.core().peer_identifier(),
                          {data_attribute::text(xauth_attr::user_name, "mallory"),
                           data_attribute::text(xauth_attr::user_password, "x")}};
  auto expect = [&](const bytes& wire, xact_reason why) {
    auto s = h.none(server.receive(wire));
    BOOST_TEST((s.reason == why), to_string(s.reason) << " instead of " << to_string(why));
    BOOST_TEST((s.status == xact_status::in_progress));
    BOOST_TEST((s.next == xact_next::none));
    BOOST_TEST(!s.credentials.has_value());
  };
  // HASH(1) of zeros
  expect(sealed_by_hand(h.client(), req, {hash_payload{bytes(20, 0)}, attrs}),
         xact_reason::bad_hash);
  // no HASH at all
  expect(sealed_by_hand(h.client(), req, {attrs}), xact_reason::missing_hash);
  // a good HASH(1), but over a vendor ID instead of an attribute payload
  expect(hashed_by_hand(h.client(), req, {vendor_id_payload{vendor_ids::xauth}}),
         xact_reason::missing_attributes);
  // a byte flipped in the first cipher block: the plaintext no longer decodes
  auto flipped = reply;
  flipped[header_size + 1] ^= 0x40;
  expect(flipped, xact_reason::bad_plaintext);
  // the body cut short of a whole block
  auto cut = reply;
  cut.resize(cut.size() - 3);
  fix_length(cut);
  expect(cut, xact_reason::bad_length);
  // another exchange type, other cookies
  auto informational = reply;
  informational[18] = static_cast<std::uint8_t>(exchange_type::informational);
  expect(informational, xact_reason::wrong_exchange);
  auto foreign = reply;
  foreign[0] ^= 1;
  expect(foreign, xact_reason::wrong_cookies);
  // in the clear
  message clear{
      header::make(exchange_type::transaction, h.p.ic(), h.p.rc(), *transaction_message_id(req))};
  clear.add(hash_payload{bytes(20, 0)}).add(attrs);
  expect(*encode(clear), xact_reason::not_encrypted);
  // garbage
  expect(bytes{1, 2, 3}, xact_reason::undecodable);
  // After all that, the genuine REPLY still goes through.
  BOOST_TEST((server.receive(reply).next == xact_next::check_credentials));
}

BOOST_AUTO_TEST_CASE(opener_refusals) {
  hub_and_client h;
  xact_chain out{0x5eed0001, {}};
  auto wire = std::get<bytes>(seal_transaction(h.hub(), out, {cfg_type::set, 1, {}}));
  // M-ID 0
  auto zero = wire;
  std::fill(zero.begin() + 20, zero.begin() + 24, 0);
  BOOST_TEST((refusal(h.client(), zero) == xact_reason::bad_message_id));
  // an exchange it does not continue
  BOOST_TEST((refusal(h.client(), wire, {0x5eed0002, {}}) == xact_reason::bad_message_id));
  // no keys
  phase1_context none{nullptr, h.p.ic(), h.p.rc()};
  BOOST_TEST((refusal(none, wire) == xact_reason::no_keys));
  // two attribute payloads
  xact_chain fresh{0x5eed0003, {}};
  auto block = crypto::block_size(h.hub().keys->cipher);
  auto iv =
      crypto::ikev1::exchange_iv(h.hub().keys->hash, h.hub().keys->iv, fresh.message_id, block);
  std::string why;
  std::vector<payload> two{attribute_payload{cfg_type::set, 1, {}},
                           attribute_payload{cfg_type::set, 2, {}}};
  auto twice =
      seal_hashed(header::make(exchange_type::transaction, h.p.ic(), h.p.rc(), fresh.message_id),
                  two, *h.hub().keys, iv, why);
  BOOST_REQUIRE(twice.has_value());
  BOOST_TEST((refusal(h.client(), *twice) == xact_reason::several_attributes));
  // a refused message leaves the chain as it was; the genuine one opens with it
  xact_chain chain;
  BOOST_TEST((refusal(h.client(), zero, chain) == xact_reason::bad_message_id));
  auto ok = open_transaction(h.client(), wire, chain);
  BOOST_TEST(std::holds_alternative<xact_message>(ok));
  BOOST_TEST(chain.message_id == 0x5eed0001u);
  // and every reason has a name
  for (int r = 0; r <= static_cast<int>(xact_reason::cannot_seal); ++r)
    BOOST_TEST(std::string(to_string(static_cast<xact_reason>(r))) != "?");
}

BOOST_AUTO_TEST_SUITE_END()
