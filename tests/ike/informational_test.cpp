// The informational exchange between two coati ends on top of a real main mode: Delete
// (ISAKMP SA, several ESP SPIs), INITIAL-CONTACT, error notifies, DPD with its sequence
// rules; what is refused (tampering, other keys, clear messages once keys exist); a quick
// mode in progress that informationals must not disturb; and tshark decrypting and
// dissecting every kind.
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "ike/encrypted.hpp"
#include "ike/informational.hpp"
#include "pcap.hpp"
#include "phase1_fixtures.hpp"

using namespace coati;
using namespace coati::ike;
using coati::ike::test::pcap_writer;
using coati::ike::testing::ck;
using coati::ike::testing::established_pair;
using coati::ike::testing::fix_length;
using coati::ike::testing::output_of;

namespace {

/// Seals `body` under `from` or fails the test.
info_datagram seal_or_fail(const phase1_context& from, std::vector<payload> body,
                           std::uint32_t mid = 0) {
  auto out = seal_informational(from, body, mid);
  if (const auto* why = std::get_if<std::string>(&out))
    BOOST_FAIL("seal_informational: " << *why);
  return std::get<info_datagram>(out);
}

/// Opens `wire` under `at` or fails the test.
informational open_or_fail(const phase1_context& at, const bytes& wire) {
  auto in = open_informational(at, wire);
  if (const auto* no = std::get_if<info_rejection>(&in))
    BOOST_FAIL("open_informational: " << to_string(no->reason) << ": " << no->text);
  return std::get<informational>(in);
}

/// The reason `wire` is refused under `at` (fails the test when it is accepted).
info_reject refusal(const phase1_context& at, const bytes& wire) {
  auto in = open_informational(at, wire);
  const auto* no = std::get_if<info_rejection>(&in);
  BOOST_REQUIRE_MESSAGE(no != nullptr, "accepted, but should have been refused");
  BOOST_TEST(!no->text.empty());
  return no->reason;
}

} // namespace

BOOST_AUTO_TEST_SUITE(informational_suite)

BOOST_AUTO_TEST_CASE(delete_of_the_isakmp_sa) {
  established_pair p;
  // D(ISAKMP) -->
  auto out = seal_or_fail(p.at_i(), {delete_isakmp_sa(p.ic(), p.rc())});
  BOOST_TEST(out.message_id != 0u);
  auto hdr = decode_header(out.wire);
  BOOST_REQUIRE(hdr.ok());
  BOOST_TEST((hdr->exchange == exchange_type::informational));
  BOOST_TEST(hdr->encrypted());
  BOOST_TEST((hdr->next_payload == payload_type::hash));
  BOOST_TEST(hdr->message_id == out.message_id);
  auto in = open_or_fail(p.at_r(), out.wire);
  BOOST_TEST(in.message_id == out.message_id);
  BOOST_REQUIRE(in.deletes.size() == 1u);
  BOOST_TEST(in.notifies.empty());
  BOOST_TEST(deletes_isakmp_sa(in.deletes[0], p.ic(), p.rc()));
  BOOST_TEST(!deletes_isakmp_sa(in.deletes[0], p.rc(), p.ic()));
  BOOST_TEST(in.deletes[0].spis[0].size() == 16u);
}

BOOST_AUTO_TEST_CASE(delete_of_several_esp_sas_in_one_payload) {
  established_pair p;
  std::vector<std::uint32_t> spis = {0xc0000001, 0x0000abcd, 0xffffffff};
  // <-- D(ESP, 3 SPIs)
  auto out = seal_or_fail(p.at_r(), {delete_ipsec_sas(protocol_id::esp, spis)}, 0x01020304);
  BOOST_TEST(out.message_id == 0x01020304u);
  auto in = open_or_fail(p.at_i(), out.wire);
  BOOST_REQUIRE(in.deletes.size() == 1u);
  BOOST_TEST((in.deletes[0].protocol == protocol_id::esp));
  BOOST_TEST(in.deletes[0].doi == doi::ipsec);
  BOOST_TEST((in.deletes[0].spis[0] == bytes{0xc0, 0, 0, 1}));
  BOOST_TEST(ipsec_spis(in.deletes[0]) == spis, boost::test_tools::per_element());
  BOOST_TEST(!deletes_isakmp_sa(in.deletes[0], p.ic(), p.rc()));
  BOOST_TEST(ipsec_spis(delete_isakmp_sa(p.ic(), p.rc())).empty());
}

BOOST_AUTO_TEST_CASE(initial_contact_and_error_notifies) {
  established_pair p;
  // N(INITIAL-CONTACT) -->
  auto ic = open_or_fail(
      p.at_r(), seal_or_fail(p.at_i(), {notify_payload::initial_contact(p.ic(), p.rc())}).wire);
  BOOST_REQUIRE(ic.notifies.size() == 1u);
  BOOST_TEST((ic.notifies[0].message == notify_type::initial_contact));
  BOOST_TEST((ic.notifies[0].spi == bytes{0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x7e,
                                          0x7e, 0x7e, 0x7e, 0x7e, 0x7e, 0x7e, 0x7e}));
  // <-- N(INVALID-SPI, ESP, the SPI, data), N(CONNECTED)... several in one message
  auto bad = error_notify(notify_type::invalid_spi, protocol_id::esp, {1, 2, 3, 4}, {'x'});
  BOOST_TEST(bad.is_error());
  notify_payload connected;
  connected.message = notify_type::connected;
  auto two = open_or_fail(p.at_i(), seal_or_fail(p.at_r(), {bad, connected}).wire);
  BOOST_REQUIRE(two.notifies.size() == 2u);
  BOOST_TEST((two.notifies[0] == bad));
  BOOST_TEST((two.notifies[1] == connected));
  // An error about the ISAKMP SA has no SPI, as racoon sends it.
  auto p1err = error_notify(notify_type::invalid_hash_information);
  BOOST_TEST(p1err.spi.empty());
  BOOST_TEST((p1err.protocol == protocol_id::isakmp));
}

BOOST_AUTO_TEST_CASE(dpd_probe_ack_and_sequence_rules) {
  established_pair p;
  dpd_sequencer mine(0x0123);
  // R-U-THERE -->
  auto seq = mine.next_probe();
  BOOST_TEST(seq == 0x0123u);
  BOOST_TEST(mine.unanswered() == 1u);
  auto probe_in = open_or_fail(
      p.at_r(),
      seal_or_fail(p.at_i(), {notify_payload::dpd(notify_type::r_u_there, p.ic(), p.rc(), seq)})
          .wire);
  BOOST_REQUIRE(probe_in.notifies.size() == 1u);
  const auto& probe = probe_in.notifies[0];
  BOOST_TEST((dpd_sequence(probe, notify_type::r_u_there, p.ic(), p.rc()) == seq));
  // <-- R-U-THERE-ACK, a new message ID of its own
  auto ack = dpd_ack_for(probe, p.ic(), p.rc());
  BOOST_REQUIRE(ack.has_value());
  auto ack_out = seal_or_fail(p.at_r(), {*ack});
  auto ack_in = open_or_fail(p.at_i(), ack_out.wire);
  BOOST_REQUIRE(ack_in.notifies.size() == 1u);
  auto echoed = dpd_sequence(ack_in.notifies[0], notify_type::r_u_there_ack, p.ic(), p.rc());
  BOOST_REQUIRE(echoed.has_value());
  BOOST_TEST(*echoed == seq);
  BOOST_TEST(mine.accept_ack(*echoed));
  BOOST_TEST(mine.unanswered() == 0u);
  BOOST_TEST(!mine.accept_ack(*echoed)); // the same ACK again counts for nothing

  // Two unanswered probes (a retry takes a new number); an ACK of the first still counts,
  // the second stays outstanding; numbers never sent do not count.
  auto a = mine.next_probe(), b = mine.next_probe();
  BOOST_TEST(mine.unanswered() == 2u);
  BOOST_TEST(!mine.accept_ack(b + 1));
  BOOST_TEST(!mine.accept_ack(a - 1));
  BOOST_TEST(mine.accept_ack(a));
  BOOST_TEST(mine.unanswered() == 1u);
  BOOST_TEST(mine.accept_ack(b));
  BOOST_TEST(mine.last_sent() == b);

  // Wrap-around of the 32-bit counter.
  dpd_sequencer top(0xffffffff);
  auto x = top.next_probe(), y = top.next_probe();
  BOOST_TEST(x == 0xffffffffu);
  BOOST_TEST(y == 0u);
  BOOST_TEST(top.accept_ack(y));
  BOOST_TEST(!top.accept_ack(x));
  auto r = dpd_sequencer::random_start().next_probe();
  BOOST_TEST((r >= 1u && r <= 0x1000u));
}

BOOST_AUTO_TEST_CASE(dpd_cookie_rules) {
  established_pair p;
  auto probe = notify_payload::dpd(notify_type::r_u_there, p.ic(), p.rc(), 7);
  // Cookies in either order name this SA (racoon accepts both); others do not.
  auto swapped = notify_payload::dpd(notify_type::r_u_there, p.rc(), p.ic(), 7);
  BOOST_TEST((dpd_sequence(swapped, notify_type::r_u_there, p.ic(), p.rc()) == 7u));
  auto ack = dpd_ack_for(swapped, p.ic(), p.rc());
  BOOST_REQUIRE(ack.has_value());
  BOOST_TEST((ack->spi == swapped.spi)); // echoed as received
  auto foreign = notify_payload::dpd(notify_type::r_u_there, ck(1), ck(2), 7);
  BOOST_TEST(!dpd_sequence(foreign, notify_type::r_u_there, p.ic(), p.rc()));
  BOOST_TEST(!dpd_ack_for(foreign, p.ic(), p.rc()));
  // The kind must match, and the data be exactly 4 bytes.
  BOOST_TEST(!dpd_sequence(probe, notify_type::r_u_there_ack, p.ic(), p.rc()));
  BOOST_TEST(!dpd_ack_for(*dpd_ack_for(probe, p.ic(), p.rc()), p.ic(), p.rc()));
  auto short_data = probe;
  short_data.data.pop_back();
  BOOST_TEST(!dpd_sequence(short_data, notify_type::r_u_there, p.ic(), p.rc()));
  BOOST_TEST(!dpd_ack_for(short_data, p.ic(), p.rc()));
}

BOOST_AUTO_TEST_CASE(every_flipped_ciphertext_byte_is_refused) {
  established_pair p;
  auto out = seal_or_fail(
      p.at_i(), {delete_ipsec_sas(protocol_id::esp, std::vector<std::uint32_t>{0x11223344})});
  open_or_fail(p.at_r(), out.wire);
  for (std::size_t k = header_size; k < out.wire.size(); ++k) {
    auto bent = out.wire;
    bent[k] ^= 0x40;
    auto why = refusal(p.at_r(), bent);
    BOOST_TEST_INFO("byte " << k);
    BOOST_TEST((why == info_reject::bad_hash || why == info_reject::bad_plaintext ||
                why == info_reject::missing_hash));
  }
  // The message ID chooses the IV and is hashed: another one does not open.
  auto moved = out.wire;
  moved[23] ^= 0x01;
  refusal(p.at_r(), moved);
  // Cookies of another SA, another exchange type.
  auto other = out.wire;
  other[0] ^= 0x01;
  BOOST_TEST((refusal(p.at_r(), other) == info_reject::wrong_cookies));
  auto quick = out.wire;
  quick[18] = static_cast<std::uint8_t>(exchange_type::quick);
  BOOST_TEST((refusal(p.at_r(), quick) == info_reject::wrong_exchange));
  BOOST_TEST((refusal(p.at_r(), bytes(out.wire.begin(), out.wire.begin() + 20)) ==
              info_reject::undecodable));
}

BOOST_AUTO_TEST_CASE(bad_hash_missing_hash_bad_length_empty) {
  established_pair p;
  const auto& k = p.i.established()->keys;
  auto sealed_as_is = [&](std::vector<payload> chain, std::uint32_t mid) {
    auto iv = crypto::ikev1::exchange_iv(k.hash, k.iv, mid, crypto::block_size(k.cipher));
    auto wire = seal(header::make(exchange_type::informational, p.ic(), p.rc(), mid), chain,
                     k.cipher, k.enc_key, iv);
    BOOST_REQUIRE(wire.has_value());
    return *wire;
  };
  auto d = delete_isakmp_sa(p.ic(), p.rc());
  // A HASH of the right size but the wrong value; a HASH computed for another M-ID.
  auto wrong = crypto::ikev1::message_hash(k.hash, k.skeyid_a, 41,
                                           encode_payloads(std::vector<payload>{d}).value());
  BOOST_TEST(
      (refusal(p.at_r(), sealed_as_is({hash_payload{wrong}, d}, 42)) == info_reject::bad_hash));
  BOOST_TEST((refusal(p.at_r(), sealed_as_is({hash_payload{bytes(20, 0)}, d}, 42)) ==
              info_reject::bad_hash));
  // No HASH at all.
  BOOST_TEST((refusal(p.at_r(), sealed_as_is({d}, 43)) == info_reject::missing_hash));
  // A right HASH over a chain with nothing to act on.
  vendor_id_payload vid{{1, 2, 3}};
  auto h = crypto::ikev1::message_hash(k.hash, k.skeyid_a, 44,
                                       encode_payloads(std::vector<payload>{vid}).value());
  BOOST_TEST((refusal(p.at_r(), sealed_as_is({hash_payload{h}, vid}, 44)) == info_reject::empty));
  // A body cut short of a whole cipher block.
  auto cut = seal_or_fail(p.at_i(), {d}).wire;
  cut.resize(cut.size() - 3);
  fix_length(cut);
  BOOST_TEST((refusal(p.at_r(), cut) == info_reject::bad_length));
}

BOOST_AUTO_TEST_CASE(keys_of_another_isakmp_sa_do_not_open_it) {
  established_pair p, q;
  auto out = seal_or_fail(p.at_i(), {delete_isakmp_sa(p.ic(), p.rc())});
  // q's keys under p's cookies (both pairs use the same cookies).
  auto why = refusal(q.at_r(), out.wire);
  BOOST_TEST((why == info_reject::bad_plaintext || why == info_reject::missing_hash ||
              why == info_reject::bad_hash));
  // Both ends of one SA hold the same keys: the sender could open it too.
  open_or_fail(p.at_i(), out.wire);
}

BOOST_AUTO_TEST_CASE(seal_refuses_what_is_not_an_informational) {
  established_pair p;
  BOOST_TEST(std::holds_alternative<std::string>(seal_informational(p.at_i(), {})));
  std::vector<payload> sa{sa_payload{}};
  BOOST_TEST(std::holds_alternative<std::string>(seal_informational(p.at_i(), sa)));
  phase1_context none{nullptr, p.ic(), p.rc()};
  std::vector<payload> d{delete_isakmp_sa(p.ic(), p.rc())};
  BOOST_TEST(std::holds_alternative<std::string>(seal_informational(none, d)));
  // Fresh random message IDs, never 0.
  auto a = seal_or_fail(p.at_i(), d), b = seal_or_fail(p.at_i(), d);
  BOOST_TEST(a.message_id != b.message_id);
  BOOST_TEST((a.wire != b.wire));
}

BOOST_AUTO_TEST_CASE(unprotected_only_through_its_own_door) {
  established_pair p;
  // <-- N(NO-PROPOSAL-CHOSEN) in the clear, as a failing responder sends it
  auto clear = unprotected_notify(ck(5), ck(6), error_notify(notify_type::no_proposal_chosen));
  BOOST_REQUIRE(std::holds_alternative<info_datagram>(clear));
  const auto& np = std::get<info_datagram>(clear);
  BOOST_TEST(np.message_id != 0u);
  BOOST_TEST((np.wire[19] & flags::encryption) == 0);
  auto in = open_unprotected_informational(np.wire);
  BOOST_REQUIRE(std::holds_alternative<unprotected_informational>(in));
  const auto& u = std::get<unprotected_informational>(in);
  BOOST_TEST((u.icookie == ck(5) && u.rcookie == ck(6)));
  BOOST_TEST(u.message_id == np.message_id);
  BOOST_REQUIRE(u.notifies.size() == 1u);
  BOOST_TEST((u.notifies[0].message == notify_type::no_proposal_chosen));
  BOOST_TEST(u.unauthenticated_deletes.empty());

  // A Delete in the clear: the unprotected door keeps it apart, the protected one refuses it
  // (after phase 1 nothing in the clear counts).
  message forged{header::make(exchange_type::informational, p.ic(), p.rc(), 99)};
  forged.add(delete_isakmp_sa(p.ic(), p.rc()));
  auto forged_wire = encode(forged).value();
  BOOST_TEST((refusal(p.at_r(), forged_wire) == info_reject::not_encrypted));
  auto weak = open_unprotected_informational(forged_wire);
  BOOST_REQUIRE(std::holds_alternative<unprotected_informational>(weak));
  BOOST_TEST(std::get<unprotected_informational>(weak).unauthenticated_deletes.size() == 1u);
  BOOST_TEST(std::get<unprotected_informational>(weak).notifies.empty());

  // An encrypted one is not for the unprotected door; other exchanges are for neither.
  auto sealed = seal_or_fail(p.at_i(), {delete_isakmp_sa(p.ic(), p.rc())});
  auto enc = open_unprotected_informational(sealed.wire);
  BOOST_REQUIRE(std::holds_alternative<info_rejection>(enc));
  BOOST_TEST((std::get<info_rejection>(enc).reason == info_reject::encrypted));
  const auto& mm1 = p.datagrams.front().second;
  BOOST_TEST((std::get<info_rejection>(open_unprotected_informational(mm1)).reason ==
              info_reject::wrong_exchange));
  BOOST_TEST((refusal(p.at_r(), mm1) == info_reject::wrong_exchange));
}

BOOST_AUTO_TEST_CASE(informationals_leave_phase1_iv_and_a_quick_mode_alone) {
  established_pair p;
  auto iv_i = p.i.established()->keys.iv, iv_r = p.r.established()->keys.iv;
  phase2_policy pol;
  pol.offers = {{transform_id::esp_aes_cbc, 128, ipsec_attr::auth_hmac_sha1}};
  auto lan = id_payload::ipv4_subnet({10, 1, 0, 0}, {255, 255, 255, 0});
  auto hub = id_payload::ipv4_subnet({10, 2, 0, 0}, {255, 255, 0, 0});
  auto qi = quick_mode::initiator(p.at_i(), pol, lan, hub, 0x51, 0xa1, 0);
  auto qr = quick_mode::responder(
      p.at_r(), [pol](const id_payload&, const id_payload&) { return std::optional{pol}; }, 0x51,
      0xb2, 0);
  auto qm1 = qi.start();
  BOOST_REQUIRE(qm1.send.size() == 1u);
  // Informationals both ways between QM1 and QM2, one of them with the quick mode's M-ID.
  open_or_fail(p.at_r(), seal_or_fail(p.at_i(), {notify_payload::dpd(notify_type::r_u_there, p.ic(),
                                                                     p.rc(), 1)})
                             .wire);
  auto qm2 = qr.receive(qm1.send.front()); // QM1 -->
  BOOST_REQUIRE(qm2.send.size() == 1u);
  open_or_fail(p.at_i(),
               seal_or_fail(p.at_r(), {error_notify(notify_type::invalid_spi)}, 0x51).wire);
  auto qm3 = qi.receive(qm2.send.front()); // <-- QM2
  BOOST_REQUIRE(qm3.send.size() == 1u);
  open_or_fail(p.at_r(), seal_or_fail(p.at_i(), {delete_isakmp_sa(p.ic(), p.rc())}).wire);
  qr.receive(qm3.send.front()); // QM3 -->
  BOOST_TEST(qi.established() != nullptr);
  BOOST_TEST(qr.established() != nullptr);
  BOOST_TEST((p.i.established()->keys.iv == iv_i));
  BOOST_TEST((p.r.established()->keys.iv == iv_r));
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

/// One datagram of the capture and what tshark must make of it.
struct frame {
  bool from_initiator = true;
  bytes wire;
  /// "exchange|flags|payload types|notify type|delete protocol|number of SPIs|SPIs|DPD seq"
  std::string expect;
};

/// The informational messages of one ISAKMP SA, each kind once, with what tshark must see.
std::vector<frame> informational_frames(const established_pair& p) {
  std::vector<frame> out;
  auto add = [&](bool from_i, std::vector<payload> body, std::string expect) {
    const auto& k = from_i ? p.at_i() : p.at_r();
    out.push_back({from_i, seal_or_fail(k, std::move(body)).wire, "5|0x01|" + expect});
  };
  // N(INITIAL-CONTACT) -->
  add(true, {notify_payload::initial_contact(p.ic(), p.rc())}, "8,11|24578||||");
  // R-U-THERE --> and <-- R-U-THERE-ACK
  auto probe = notify_payload::dpd(notify_type::r_u_there, p.ic(), p.rc(), 0x0123);
  add(true, {probe}, "8,11|36136||||291");
  add(false, {*dpd_ack_for(probe, p.ic(), p.rc())}, "8,11|36137||||291");
  // <-- N(INVALID-SPI) about an ESP SA
  add(false, {error_notify(notify_type::invalid_spi, protocol_id::esp, {0xc0, 0, 0, 9})},
      "8,11|11||||");
  // <-- D(ESP, 2 SPIs), then D(ISAKMP) -->
  add(false, {delete_ipsec_sas(protocol_id::esp, std::vector<std::uint32_t>{0xc0000001, 0xabcd})},
      "8,12||3|2|c0000001,0000abcd|");
  add(true, {delete_isakmp_sa(p.ic(), p.rc())},
      "8,12||1|1|" + to_hex(p.ic()) + to_hex(p.rc()) + "|");
  // <-- N(NO-PROPOSAL-CHOSEN) in the clear, from a responder that failed another phase 1
  auto clear =
      unprotected_notify(ck(0x55), ck(0x66), error_notify(notify_type::no_proposal_chosen));
  out.push_back({false, std::get<info_datagram>(clear).wire, "5|0x00|11|14||||"});
  return out;
}

/// Writes main mode and the informationals to a pcap and checks what tshark reads in them,
/// decrypted with the phase-1 key.
void check_with_tshark(const established_pair& p) {
  char tmpl[] = "/tmp/coati-ike-info.XXXXXX";
  BOOST_REQUIRE(mkdtemp(tmpl) != nullptr);
  std::filesystem::path dir = tmpl;
  auto frames = informational_frames(p);
  const pcap_writer::addr a_i = {192, 0, 2, 1}, a_r = {198, 51, 100, 1};
  {
    pcap_writer w((dir / "info.pcap").string());
    std::uint32_t ms = 0;
    auto put = [&](bool from_i, const bytes& wire) {
      w.add(from_i ? a_i : a_r, 500, from_i ? a_r : a_i, 500, wire, ms += 5);
    };
    for (const auto& [from_i, wire] : p.datagrams)
      put(from_i, wire);
    for (const auto& f : frames)
      put(f.from_initiator, f.wire);
    BOOST_REQUIRE(w.ok());
  }
  std::filesystem::create_directories(dir / "cfg" / "wireshark");
  std::ofstream(dir / "cfg" / "wireshark" / "ikev1_decryption_table")
      << to_hex(p.ic()) << ',' << to_hex(p.i.established()->keys.enc_key.view()) << '\n';
  std::string tshark = "HOME=" + dir.string() + " XDG_CONFIG_HOME=" + (dir / "cfg").string() +
                       " tshark -n -r " + (dir / "info.pcap").string();

  auto verbose = output_of(tshark + " -V 2>&1");
  for (const char* bad : {"Malformed", "Expert Info (Error", "Error loading"})
    BOOST_TEST(verbose.find(bad) == std::string::npos, "tshark -V says " << bad);

  auto table =
      output_of(tshark + " -T fields -E separator='|' -e isakmp.exchangetype -e isakmp.flags" +
                " -e isakmp.typepayload" +
                " -e isakmp.notify.msgtype -e isakmp.delete.protoid -e isakmp.spinum" +
                " -e isakmp.delete.spi -e isakmp.notify.data.dpd.are_you_there" +
                " -e isakmp.notify.data.dpd.are_you_there_ack 2>/dev/null");
  std::istringstream lines(table);
  std::vector<std::string> seen;
  for (std::string line; std::getline(lines, line);)
    seen.push_back(line);
  BOOST_REQUIRE_EQUAL(seen.size(), p.datagrams.size() + frames.size());
  bool all = true;
  for (std::size_t k = 0; k < frames.size(); ++k) {
    // The two DPD columns are one: tshark names the field after the notify type.
    auto line = seen[p.datagrams.size() + k];
    auto last = line.rfind('|');
    auto before = line.rfind('|', last - 1);
    auto dpd = line.substr(before + 1, last - before - 1) + line.substr(last + 1);
    auto got = line.substr(0, before) + "|" + dpd;
    BOOST_TEST(got == frames[k].expect, "frame " << p.datagrams.size() + k + 1 << ": tshark reads "
                                                 << got << ", expected " << frames[k].expect);
    all = all && got == frames[k].expect;
  }
  if (all && verbose.find("Malformed") == std::string::npos)
    std::filesystem::remove_all(dir);
  else
    BOOST_TEST_MESSAGE("capture kept in " << dir.string());
}

} // namespace

BOOST_AUTO_TEST_SUITE(informational_tshark)

BOOST_AUTO_TEST_CASE(aes128_sha1_decrypted_and_dissected_by_tshark) {
  established_pair p(testing::psk_aes());
  check_with_tshark(p);
}

BOOST_AUTO_TEST_CASE(seed_3des_md5_decrypted_and_dissected_by_tshark) {
  established_pair p(testing::seed_rsasig()); // its algorithms, authenticated by PSK here
  check_with_tshark(p);
}

BOOST_AUTO_TEST_SUITE_END()
