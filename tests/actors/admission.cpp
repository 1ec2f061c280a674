// Admission control of new phase 1 responders: the token bucket, the half-open limits
// and the rate-limited summary line (actors/admission.hpp), without an actor system.
#include <boost/test/unit_test.hpp>

#include <cstring>

#include "actors/admission.hpp"

using coati::actors::admission;
using namespace std::chrono_literals;

namespace {
bool is(const char* got, const char* want) {
  return got != nullptr && want != nullptr ? std::strcmp(got, want) == 0 : got == want;
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
  for (int i = 0; i < 3; ++i)
    BOOST_TEST(is(a.check(lim, "192.0.2.9", t), nullptr));
  BOOST_TEST(is(a.check(lim, "192.0.2.9", t), "rate"));
  BOOST_TEST(is(a.check(lim, "192.0.2.9", t + 50ms), "rate")); // half a token
  BOOST_TEST(is(a.check(lim, "192.0.2.9", t + 110ms), nullptr));
  BOOST_TEST(is(a.check(lim, "192.0.2.9", t + 10s), nullptr)); // full again, not more
  BOOST_TEST(is(a.check(lim, "192.0.2.9", t + 10s), nullptr));
  BOOST_TEST(is(a.check(lim, "192.0.2.9", t + 10s), nullptr));
  BOOST_TEST(is(a.check(lim, "192.0.2.9", t + 10s), "rate"));
}

BOOST_AUTO_TEST_CASE(half_open_limits_in_all_and_per_source) {
  coati::config::admission_block lim;
  lim.rate = 0; // no bucket
  lim.half_open = 3;
  lim.half_open_per_source = 2;
  admission a;
  auto t = admission::clock::now();
  BOOST_TEST(is(a.check(lim, "192.0.2.9", t), nullptr));
  a.opened("192.0.2.9");
  BOOST_TEST(is(a.check(lim, "192.0.2.9", t), nullptr));
  a.opened("192.0.2.9");
  BOOST_TEST(is(a.check(lim, "192.0.2.9", t), "half_open_source"));
  BOOST_TEST(is(a.check(lim, "192.0.2.10", t), nullptr));
  a.opened("192.0.2.10");
  BOOST_TEST(a.half_open() == 3u);
  BOOST_TEST(is(a.check(lim, "192.0.2.11", t), "half_open_total"));
  a.closed("192.0.2.9"); // established or ended
  BOOST_TEST(is(a.check(lim, "192.0.2.9", t), nullptr));
  BOOST_TEST(a.half_open() == 2u);
  lim.half_open = 0;
  lim.half_open_per_source = 0; // no limits at all
  for (int i = 0; i < 100; ++i)
    a.opened("192.0.2.9");
  BOOST_TEST(is(a.check(lim, "192.0.2.9", t), nullptr));
}

BOOST_AUTO_TEST_CASE(summary_is_one_line_per_ten_seconds) {
  admission a;
  auto t = admission::clock::now();
  auto first = a.summary("rate", t);
  BOOST_TEST(first.find("refused 1 new phase 1(s)") != std::string::npos);
  int lines = 0;
  for (int i = 0; i < 1000; ++i)
    lines += a.summary(i % 2 ? "rate" : "half_open_total", t + 1ms * i).empty() ? 0 : 1;
  BOOST_TEST(lines == 0);
  auto later = a.summary("half_open_source", t + 11s);
  BOOST_TEST_INFO(later);
  BOOST_TEST(later.find("refused 1001 new phase 1(s) in the last 10+ s (rate 500, half-open "
                        "per source 1, half-open in all 500)") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
