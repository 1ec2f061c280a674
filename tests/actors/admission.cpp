// Admission control of new phase 1 responders (actors/admission.hpp), without an actor
// system: the token bucket, the retransmission that passes an empty bucket, the half-open
// limits (per source: refused; in all: the oldest gives way) and the summary line.
#include <boost/test/unit_test.hpp>

#include "actors/admission.hpp"

using coati::actors::admission;
using verdict = admission::verdict;
using namespace std::chrono_literals;

namespace {
coati::ike::cookie ck(unsigned char n) {
  coati::ike::cookie c{};
  c[0] = n;
  c[7] = 0x5a;
  return c;
}
} // namespace

BOOST_AUTO_TEST_SUITE(admission_control)

BOOST_AUTO_TEST_CASE(token_bucket_refills_at_the_rate) {
  coati::config::admission_block lim;
  lim.rate = 10;
  lim.burst = 3;
  lim.half_open = 0;
  admission a;
  auto t = admission::clock::now();
  for (unsigned char i = 0; i < 3; ++i)
    BOOST_TEST((a.check(lim, "192.0.2.9", ck(i), t) == verdict::admit));
  BOOST_TEST((a.check(lim, "192.0.2.9", ck(10), t) == verdict::rate));
  BOOST_TEST((a.check(lim, "192.0.2.9", ck(11), t + 50ms) == verdict::rate)); // half a token
  BOOST_TEST((a.check(lim, "192.0.2.9", ck(12), t + 110ms) == verdict::admit));
  for (unsigned char i = 20; i < 23; ++i) // full again, not more
    BOOST_TEST((a.check(lim, "192.0.2.9", ck(i), t + 10s) == verdict::admit));
  BOOST_TEST((a.check(lim, "192.0.2.9", ck(23), t + 10s) == verdict::rate));
}

BOOST_AUTO_TEST_CASE(a_retransmitted_mm1_passes_an_empty_bucket_once) {
  coati::config::admission_block lim;
  lim.rate = 1;
  lim.burst = 1;
  lim.half_open = 0;
  admission a;
  auto t = admission::clock::now();
  BOOST_TEST((a.check(lim, "192.0.2.9", ck(1), t) == verdict::admit));
  BOOST_TEST((a.check(lim, "198.51.100.3", ck(2), t) == verdict::rate));
  // Spoofed MM1s: new cookies, other sources: all refused.
  for (unsigned char i = 3; i < 200; ++i)
    BOOST_TEST((a.check(lim, "203.0.113." + std::to_string(i), ck(i), t) == verdict::rate));
  // The real initiator sends its MM1 again: admitted; a third copy is a new first try.
  BOOST_TEST((a.check(lim, "198.51.100.3", ck(2), t) == verdict::retry));
  BOOST_TEST((a.check(lim, "198.51.100.3", ck(2), t) == verdict::rate));
  // The same cookie from another address is not a retransmission.
  BOOST_TEST((a.check(lim, "198.51.100.4", ck(5), t) == verdict::rate));
  BOOST_TEST((a.check(lim, "198.51.100.5", ck(5), t) == verdict::rate));
  // A retransmission that finds the half-open table full: admitted, the oldest goes.
  lim.half_open = 1;
  a.opened("203.0.113.7");
  BOOST_TEST((a.check(lim, "198.51.100.4", ck(5), t) == verdict::retry_evict));
  BOOST_TEST((admission::counters(verdict::retry_evict)[1] != nullptr)); // both counted
}

BOOST_AUTO_TEST_CASE(half_open_limits_per_source_refuse_in_all_evict) {
  coati::config::admission_block lim;
  lim.rate = 0; // no bucket
  lim.half_open = 3;
  lim.half_open_per_source = 2;
  admission a;
  auto t = admission::clock::now();
  BOOST_TEST((a.check(lim, "192.0.2.9", ck(1), t) == verdict::admit));
  a.opened("192.0.2.9");
  BOOST_TEST((a.check(lim, "192.0.2.9", ck(2), t) == verdict::admit));
  a.opened("192.0.2.9");
  BOOST_TEST((a.check(lim, "192.0.2.9", ck(3), t) == verdict::source));
  BOOST_TEST((a.check(lim, "192.0.2.10", ck(4), t) == verdict::admit));
  a.opened("192.0.2.10");
  BOOST_TEST(a.half_open() == 3u);
  BOOST_TEST((a.check(lim, "192.0.2.11", ck(5), t) == verdict::evict));
  a.closed("192.0.2.9"); // established, ended or evicted
  BOOST_TEST((a.check(lim, "192.0.2.9", ck(6), t) == verdict::admit));
  BOOST_TEST(a.half_open() == 2u);
  lim.half_open = 0;
  lim.half_open_per_source = 0; // no limits at all
  for (int i = 0; i < 100; ++i)
    a.opened("192.0.2.9");
  BOOST_TEST((a.check(lim, "192.0.2.9", ck(7), t) == verdict::admit));
}

BOOST_AUTO_TEST_CASE(summary_is_one_line_per_ten_seconds) {
  admission a;
  auto t = admission::clock::now();
  auto first = a.summary(verdict::rate, t);
  BOOST_TEST(first.find("refused 1 new phase 1(s)") != std::string::npos);
  BOOST_TEST(a.summary(verdict::admit, t).empty());
  int lines = 0;
  for (int i = 0; i < 1000; ++i)
    lines += a.summary(i % 2 ? verdict::rate : verdict::evict, t + 1ms * i).empty() ? 0 : 1;
  BOOST_TEST(lines == 0);
  auto later = a.summary(verdict::source, t + 11s);
  BOOST_TEST_INFO(later);
  BOOST_TEST(later.find("in the last 10+ s: refused 501 new phase 1(s) (rate 500, half-open "
                        "per source 1), evicted 500 half-open one(s)") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
