// IKEv1 fragmentation (racoon / Cisco format): a message cut into fragment packets and put
// back together, the reassembler's limits, and what it does with malformed, duplicate,
// excess, stale and contradictory fragments.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>

#include "crypto/prf.hpp"
#include "ike/constants.hpp"
#include "ike/fragment.hpp"
#include "ike/message.hpp"

using namespace coati::ike;
using namespace std::chrono_literals;

namespace {

const cookie ci{1, 2, 3, 4, 5, 6, 7, 8};
const cookie cr{9, 10, 11, 12, 13, 14, 15, 16};

/// A main mode message of about `size` bytes: a header and one big VID.
bytes big_message(std::size_t size, std::uint8_t fill = 0x5a) {
  message m{header::make(exchange_type::identity_protection, ci, cr)};
  m.add(vendor_id_payload{bytes(size - 28 - 4, fill)});
  auto w = encode(m);
  BOOST_REQUIRE(w);
  BOOST_REQUIRE_EQUAL(w->size(), size);
  return *w;
}

/// The fragment packet of `message` numbered `number` of `of`, by hand (the wire format).
bytes fragment_packet(std::uint16_t id, std::uint8_t number, bool last, const bytes& slice,
                      const cookie& i = ci, const cookie& r = cr) {
  bytes p(i.begin(), i.end());
  p.insert(p.end(), r.begin(), r.end());
  p.insert(p.end(), {132, 0x10, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  auto len = 8 + slice.size();
  p.insert(p.end(), {0, 0, static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len),
                     static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id), number,
                     static_cast<std::uint8_t>(last ? 1 : 0)});
  p.insert(p.end(), slice.begin(), slice.end());
  auto total = p.size();
  p[24] = static_cast<std::uint8_t>(total >> 24);
  p[25] = static_cast<std::uint8_t>(total >> 16);
  p[26] = static_cast<std::uint8_t>(total >> 8);
  p[27] = static_cast<std::uint8_t>(total);
  return p;
}

reassembler::clock::time_point t0{};

} // namespace

BOOST_AUTO_TEST_SUITE(fragmentation)

BOOST_AUTO_TEST_CASE(vendor_id_is_md5_of_fragmentation_with_capabilities) {
  std::string word = "FRAGMENTATION";
  auto md5 =
      coati::crypto::hash(coati::crypto::hash_alg::md5,
                          {{reinterpret_cast<const std::uint8_t*>(word.data()), word.size()}});
  BOOST_REQUIRE_EQUAL(vendor_ids::fragmentation.size(), 20u);
  BOOST_TEST(std::equal(md5.begin(), md5.end(), vendor_ids::fragmentation.begin()));
  BOOST_TEST(vendor_ids::fragmentation[16] == 0x80); // main and aggressive mode
  BOOST_TEST(vendor_ids::is_fragmentation(vendor_ids::fragmentation));
  // Windows: the bare hash; Cisco: 0xc0000000.
  BOOST_TEST(vendor_ids::is_fragmentation(bytes(md5.begin(), md5.end())));
  auto cisco = vendor_ids::fragmentation;
  cisco[16] = 0xc0;
  BOOST_TEST(vendor_ids::is_fragmentation(cisco));
  // Only "base" messages (0x40000000): not main mode, so no.
  auto base = vendor_ids::fragmentation;
  base[16] = 0x40;
  BOOST_TEST(!vendor_ids::is_fragmentation(base));
  auto other = vendor_ids::fragmentation;
  other[3] ^= 1;
  BOOST_TEST(!vendor_ids::is_fragmentation(other));
  BOOST_TEST(!vendor_ids::is_fragmentation(bytes(md5.begin(), md5.begin() + 15)));
}

BOOST_AUTO_TEST_CASE(announcement_is_read_from_clear_messages) {
  message m{header::make(exchange_type::identity_protection, ci)};
  m.add(vendor_id_payload{bytes{0xaf, 0xca, 0xd7, 0x13}});
  auto without = encode(m);
  m.add(vendor_id_payload{vendor_ids::fragmentation});
  auto with = encode(m);
  BOOST_REQUIRE(without && with);
  BOOST_TEST(!announces_fragmentation(*without));
  BOOST_TEST(announces_fragmentation(*with));
  auto garbage = *with;
  garbage.resize(40);
  BOOST_TEST(!announces_fragmentation(garbage));
}

BOOST_AUTO_TEST_CASE(a_short_message_goes_whole) {
  auto m = big_message(500);
  auto parts = split(m, default_fragment_packet);
  BOOST_REQUIRE_EQUAL(parts.size(), 1u);
  BOOST_TEST(parts[0] == m);
  BOOST_TEST(!is_fragment(parts[0]));
}

BOOST_AUTO_TEST_CASE(split_and_reassemble_round_trip) {
  auto m = big_message(2400);
  auto parts = split(m, 548);
  // 548 - 28 (header) - 8 (fragment header) = 512 bytes of the message per fragment.
  BOOST_REQUIRE_EQUAL(parts.size(), 5u);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto& p = parts[i];
    BOOST_TEST(p.size() <= 548u);
    BOOST_TEST(is_fragment(p));
    BOOST_TEST(std::equal(p.begin(), p.begin() + 16, m.begin())); // the message's cookies
    BOOST_TEST(p[18] == 2);                                       // its exchange type
    // The general decoder reads them as one fragment payload each.
    auto d = decode(p);
    BOOST_REQUIRE(d);
    BOOST_REQUIRE_EQUAL(d->payloads.size(), 1u);
    const auto& f = std::get<fragment_payload>(d->payloads[0]);
    BOOST_TEST(f.id == 1);
    BOOST_TEST(f.number == i + 1);
    BOOST_TEST(f.last() == (i + 1 == parts.size()));
  }
  reassembler r;
  // Out of order, with a duplicate: 3, 1, 5 (last), 3 again, 2, 4.
  BOOST_TEST((r.add(parts[2], t0).verdict == fragment_verdict::pending));
  BOOST_TEST((r.add(parts[0], t0).verdict == fragment_verdict::pending));
  BOOST_TEST((r.add(parts[4], t0).verdict == fragment_verdict::pending));
  BOOST_TEST((r.add(parts[2], t0).verdict == fragment_verdict::duplicate));
  BOOST_TEST((r.add(parts[1], t0).verdict == fragment_verdict::pending));
  auto done = r.add(parts[3], t0 + 1s);
  BOOST_REQUIRE((done.verdict == fragment_verdict::complete));
  BOOST_TEST(done.message == m);
  BOOST_TEST(r.held() == 0u); // nothing kept after completion
  // A retransmission of the whole set reassembles again (the session sees a duplicate).
  for (std::size_t i = 0; i + 1 < parts.size(); ++i)
    BOOST_TEST((r.add(parts[i], t0 + 2s).verdict == fragment_verdict::pending));
  BOOST_TEST((r.add(parts.back(), t0 + 2s).verdict == fragment_verdict::complete));
}

BOOST_AUTO_TEST_CASE(split_on_the_natt_port_leaves_room_for_the_marker) {
  auto m = big_message(1200);
  for (const auto& p : split(m, 544))
    BOOST_TEST(p.size() <= 544u);
}

BOOST_AUTO_TEST_CASE(malformed_fragments_are_dropped) {
  reassembler r;
  auto ok = fragment_packet(1, 1, false, bytes(100, 1));
  // Shorter than its headers.
  BOOST_TEST(r.add(bytes(ok.begin(), ok.begin() + 30), t0).reason == "malformed");
  // ISAKMP length is not the packet's size.
  auto badlen = ok;
  badlen[27] ^= 1;
  BOOST_TEST(r.add(badlen, t0).reason == "malformed");
  // Fragment payload length disagreeing with the packet.
  auto badplen = ok;
  badplen[31] ^= 1;
  BOOST_TEST(r.add(badplen, t0).reason == "malformed");
  // Another payload after the fragment.
  auto chained = ok;
  chained[28] = 13;
  BOOST_TEST(r.add(chained, t0).reason == "malformed");
  // Number 0, and an empty fragment (CVE-2009-1574 was a NULL dereference on that).
  BOOST_TEST(r.add(fragment_packet(1, 0, false, bytes(10, 1)), t0).reason == "malformed");
  BOOST_TEST(r.add(fragment_packet(1, 1, true, bytes{}), t0).reason == "malformed");
  // Not a fragment at all.
  BOOST_TEST(r.add(big_message(100), t0).reason == "malformed");
  BOOST_TEST(r.held() == 0u);
  // Complete, but what comes out is no ISAKMP message of these cookies.
  auto garbage = r.add(fragment_packet(1, 1, true, bytes(64, 0xee)), t0);
  BOOST_TEST((garbage.verdict == fragment_verdict::dropped));
  BOOST_TEST(garbage.reason == "malformed");
}

BOOST_AUTO_TEST_CASE(a_message_from_other_cookies_does_not_come_out) {
  auto m = big_message(1200);
  auto parts = split(m, 548);
  cookie other{7, 7, 7, 7, 7, 7, 7, 7};
  // Slices of this SA's message in packets that claim other cookies: thrown together
  // they would make a message of this SA; refused.
  reassembler r;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    auto p = parts[i];
    std::copy(other.begin(), other.end(), p.begin() + 8);
    auto res = r.add(p, t0);
    if (i + 1 < parts.size())
      BOOST_TEST((res.verdict == fragment_verdict::pending));
    else
      BOOST_TEST(res.reason == "malformed");
  }
}

BOOST_AUTO_TEST_CASE(fragment_count_limit) {
  reassembler r{reassembly_limits{8, 32768, 30s}};
  BOOST_TEST(r.add(fragment_packet(1, 9, false, bytes(10, 1)), t0).reason == "too_many");
  BOOST_TEST(r.add(fragment_packet(1, 255, true, bytes(10, 1)), t0).reason == "too_many");
  BOOST_TEST(
      (r.add(fragment_packet(1, 8, false, bytes(10, 1)), t0).verdict == fragment_verdict::pending));
  // A message too long for 255 fragments is not split at all.
  auto huge = big_message(60000);
  BOOST_TEST(split(huge, 100).size() == 1u);
}

BOOST_AUTO_TEST_CASE(size_limit_frees_what_was_held) {
  reassembler r{reassembly_limits{64, 1000, 30s}};
  for (std::uint8_t n = 1; n <= 3; ++n)
    BOOST_TEST((r.add(fragment_packet(1, n, false, bytes(300, n)), t0).verdict ==
                fragment_verdict::pending));
  BOOST_TEST(r.held() == 900u);
  auto over = r.add(fragment_packet(1, 4, false, bytes(300, 4)), t0);
  BOOST_TEST(over.reason == "too_large");
  BOOST_TEST(over.discarded_partial);
  BOOST_TEST(r.held() == 0u);
  BOOST_TEST(r.count() == 0u);
}

BOOST_AUTO_TEST_CASE(a_flood_of_distinct_numbers_stays_bounded) {
  reassembler r;
  // Fragments that never complete: numbers 2..64 without 1, each 500 bytes.
  std::size_t peak = 0;
  for (int round = 0; round < 10; ++round)
    for (std::uint8_t n = 2; n <= 64; ++n) {
      r.add(fragment_packet(static_cast<std::uint16_t>(round), n, false, bytes(500, n)), t0);
      peak = std::max(peak, r.held());
    }
  BOOST_TEST(peak <= 32768u);
}

BOOST_AUTO_TEST_CASE(an_old_partial_message_expires) {
  reassembler r{reassembly_limits{64, 32768, 10s}};
  auto m = big_message(1200);
  auto parts = split(m, 548);
  BOOST_REQUIRE_EQUAL(parts.size(), 3u);
  BOOST_TEST((r.add(parts[0], t0).verdict == fragment_verdict::pending));
  BOOST_TEST((r.add(parts[1], t0 + 1s).verdict == fragment_verdict::pending));
  // The last one comes too late: the first two are gone, it starts a new message.
  auto late = r.add(parts[2], t0 + 11s);
  BOOST_TEST((late.verdict == fragment_verdict::pending));
  BOOST_TEST(late.discarded_partial);
  BOOST_TEST(r.count() == 1u);
  // The retransmitted set completes it.
  r.add(parts[0], t0 + 12s);
  BOOST_TEST((r.add(parts[1], t0 + 12s).verdict == fragment_verdict::complete));
}

BOOST_AUTO_TEST_CASE(a_new_fragment_id_replaces_the_message_under_way) {
  reassembler r;
  BOOST_TEST((r.add(fragment_packet(1, 1, false, bytes(100, 1)), t0).verdict ==
              fragment_verdict::pending));
  auto next = r.add(fragment_packet(2, 1, false, bytes(100, 2)), t0);
  BOOST_TEST((next.verdict == fragment_verdict::pending));
  BOOST_TEST(next.discarded_partial);
  BOOST_TEST(r.count() == 1u);
}

BOOST_AUTO_TEST_CASE(contradictory_last_fragments) {
  reassembler r;
  BOOST_TEST(
      (r.add(fragment_packet(1, 1, false, bytes(10, 1)), t0).verdict == fragment_verdict::pending));
  BOOST_TEST(
      (r.add(fragment_packet(1, 3, true, bytes(10, 3)), t0).verdict == fragment_verdict::pending));
  // A second "last" with another number, and a number beyond the last: refused.
  BOOST_TEST(r.add(fragment_packet(1, 4, true, bytes(10, 4)), t0).reason == "bad_last");
  BOOST_TEST(r.add(fragment_packet(1, 5, false, bytes(10, 5)), t0).reason == "bad_last");
  // The retransmitted last one is a duplicate, not an attack (NetBSD PR 53646).
  BOOST_TEST((r.add(fragment_packet(1, 3, true, bytes(10, 3)), t0).verdict ==
              fragment_verdict::duplicate));
  BOOST_TEST(r.count() == 2u);
  // A "last" below numbers already held: what we hold cannot be one message; start over.
  reassembler s;
  s.add(fragment_packet(1, 5, false, bytes(10, 5)), t0);
  auto low = s.add(fragment_packet(1, 2, true, bytes(10, 2)), t0);
  BOOST_TEST((low.verdict == fragment_verdict::pending));
  BOOST_TEST(low.discarded_partial);
  BOOST_TEST(s.count() == 1u);
}

BOOST_AUTO_TEST_CASE(encrypted_flag_on_fragments_is_accepted) {
  // racoon sets the E flag on the fragments of an encrypted message; the slices are read
  // all the same.
  auto m = big_message(700);
  auto parts = split(m, 548);
  BOOST_REQUIRE_EQUAL(parts.size(), 2u);
  reassembler r;
  for (auto& p : parts)
    p[19] = flags::encryption;
  r.add(parts[0], t0);
  auto done = r.add(parts[1], t0);
  BOOST_REQUIRE((done.verdict == fragment_verdict::complete));
  BOOST_TEST(done.message == m);
}

BOOST_AUTO_TEST_SUITE_END()
