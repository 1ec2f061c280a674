// The listener: header checks, drop counters, and a real socket on loopback.
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <set>
#include <sys/socket.h>
#include <unistd.h>

#include "actors/listener.hpp"
#include "fixture.hpp"

using namespace coati::actors;

namespace {

/// A well-formed IKEv1 header (main mode, initiator cookie 1..8) of `total` bytes.
std::vector<std::uint8_t> isakmp(std::size_t total, std::uint8_t version = 0x10,
                                 std::uint8_t exchange = 2) {
  std::vector<std::uint8_t> b(total, 0);
  for (std::uint8_t i = 0; i < 8; ++i)
    b[i] = static_cast<std::uint8_t>(i + 1);
  b[16] = 1; // next payload: SA
  b[17] = version;
  b[18] = exchange;
  b[24] = static_cast<std::uint8_t>(total >> 24);
  b[25] = static_cast<std::uint8_t>(total >> 16);
  b[26] = static_cast<std::uint8_t>(total >> 8);
  b[27] = static_cast<std::uint8_t>(total);
  return b;
}

datagram dg(std::vector<std::uint8_t> bytes, bool natt = false) {
  datagram d;
  d.local_port = natt ? 4500 : 500;
  d.natt = natt;
  d.from = *coati::config::ip_address::parse("192.0.2.9");
  d.from_port = 500;
  d.bytes = std::move(bytes);
  return d;
}

} // namespace

BOOST_AUTO_TEST_SUITE(listener_actor)

// The listener's index of peers by address or identity: one peer in the key's slot, more
// beside it; any peer may end first, and the others stay found.
BOOST_FIXTURE_TEST_CASE(peer_index_keeps_the_others_whoever_ends, coati::test::actor_fixture) {
  // (an argument: CAF 0.17 dereferences an empty argument tuple for a function without)
  auto idle = [](int) { return caf::behavior{[](int) {}}; };
  std::vector<caf::actor> actors;
  for (int i = 0; i < 4; ++i)
    actors.push_back(sys.spawn(idle, i));
  auto a = [&](int i) { return actors[static_cast<std::size_t>(i)].address(); };
  auto under = [](const peer_index& x, const std::string& key) {
    std::set<caf::actor_addr> out;
    x.each(key, [&](const caf::actor_addr& p) {
      BOOST_TEST(out.insert(p).second); // each once
    });
    return out;
  };
  peer_index x;
  BOOST_TEST(!x.contains("192.0.2.7"));
  BOOST_TEST(under(x, "192.0.2.7").empty());
  for (int i = 0; i < 4; ++i)
    x.add("192.0.2.7", a(i));
  x.add("192.0.2.7", a(0)); // again: still once
  x.add("198.51.100.2", a(3));
  BOOST_TEST(under(x, "192.0.2.7").size() == 4U);
  // any() stops at the first peer `f` accepts
  int calls = 0;
  BOOST_TEST(x.any("192.0.2.7", [&](const caf::actor_addr&) { return ++calls == 2; }));
  BOOST_TEST(calls == 2);
  x.remove("192.0.2.7", a(0)); // the slot's own peer ends: another takes the slot
  BOOST_TEST((under(x, "192.0.2.7") == std::set<caf::actor_addr>{a(1), a(2), a(3)}));
  x.remove("192.0.2.7", a(2)); // one beside it
  x.remove("192.0.2.7", a(2)); // not there any more: nothing
  BOOST_TEST((under(x, "192.0.2.7") == std::set<caf::actor_addr>{a(1), a(3)}));
  x.remove("192.0.2.9", a(1)); // another key: nothing
  x.remove("192.0.2.7", a(1));
  x.remove("192.0.2.7", a(3));
  BOOST_TEST(!x.contains("192.0.2.7")); // no key without peers
  BOOST_TEST((under(x, "198.51.100.2") == std::set<caf::actor_addr>{a(3)}));
  for (auto& h : actors)
    self->send_exit(h, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_CASE(header_checks) {
  BOOST_TEST(classify(dg(isakmp(28))) == "accepted");
  BOOST_TEST(classify(dg(isakmp(100))) == "accepted");
  BOOST_TEST(classify(dg({1, 2, 3})) == "dropped.short");
  BOOST_TEST(classify(dg(isakmp(28, 0x20))) == "dropped.ikev2");
  BOOST_TEST(classify(dg(isakmp(28, 0x30))) == "dropped.version");
  BOOST_TEST(classify(dg(isakmp(28, 0x10, 99))) == "dropped.exchange");
  auto wrong_len = isakmp(40);
  wrong_len[27] = 41;
  BOOST_TEST(classify(dg(wrong_len)) == "dropped.bad_length");
  auto zero = isakmp(28);
  std::fill(zero.begin(), zero.begin() + 8, 0);
  BOOST_TEST(classify(dg(zero)) == "dropped.zero_cookie");
  // Port 4500: non-ESP marker stripped, keepalive, ESP.
  auto marked = isakmp(32);
  marked.insert(marked.begin(), {0, 0, 0, 0});
  marked.resize(32); // 4 marker bytes + a 28-byte header claiming 32: wrong
  BOOST_TEST(classify(dg(marked, true)) == "dropped.bad_length");
  auto good = isakmp(28);
  good.insert(good.begin(), {0, 0, 0, 0});
  BOOST_TEST(classify(dg(good, true)) == "accepted");
  BOOST_TEST(classify(dg(isakmp(28), true)) == "dropped.esp");
  BOOST_TEST(classify(dg({0xff}, true)) == "natt_keepalive");
}

BOOST_FIXTURE_TEST_CASE(counts_and_drops, coati::test::actor_fixture) {
  listener_options opts;
  opts.bind_sockets = false;
  auto l = sys.spawn(listener, opts);
  self->send(l, dg(isakmp(28)));
  self->send(l, dg({'h', 'e', 'l', 'l', 'o'}));
  self->send(l, dg(isakmp(28, 0x20)));
  self->send(l, dg({0xff}, true));
  auto c = status_of(l).values;
  BOOST_TEST(c["listener.received"] == 4);
  BOOST_TEST(c["listener.accepted"] == 1);
  BOOST_TEST(c["listener.dropped.short"] == 1);
  BOOST_TEST(c["listener.dropped.ikev2"] == 1);
  BOOST_TEST(c["listener.natt_keepalive"] == 1);
  BOOST_TEST(c["listener.dropped"] == 2);
  BOOST_TEST(c["listener.messages_handled"] == 4); // the four datagrams
  self->send_exit(l, caf::exit_reason::user_shutdown);
}

BOOST_FIXTURE_TEST_CASE(a_fragment_starts_no_negotiation, coati::test::actor_fixture) {
  listener_options opts;
  opts.bind_sockets = false;
  auto l = sys.spawn(listener, opts);
  // A main mode header of unknown cookies whose first payload is an IKE fragment (132):
  // where an MM1 would start a responder (or, here, count not_ready), it is only counted.
  auto frag = isakmp(40);
  frag[16] = 132;
  self->send(l, dg(frag));
  self->send(l, dg(isakmp(28)));
  auto c = status_of(l).values;
  BOOST_TEST(c["listener.accepted"] == 2);
  BOOST_TEST(c["listener.frag.no_sa"] == 1);
  BOOST_TEST(c["listener.not_ready"] == 1); // the MM1
  BOOST_TEST(c["listener.peers"] == 0);
  self->send_exit(l, caf::exit_reason::user_shutdown);
}

BOOST_FIXTURE_TEST_CASE(reads_a_real_socket, coati::test::actor_fixture) {
  auto port = static_cast<std::uint16_t>(20000 + ::getpid() % 20000);
  listener_options opts;
  opts.isakmp.push_back({*coati::config::ip_address::parse("127.0.0.1"), port});
  opts.isakmp_natt.push_back(
      {*coati::config::ip_address::parse("127.0.0.1"), static_cast<std::uint16_t>(port + 1)});
  auto l = sys.spawn(listener, opts);
  BOOST_TEST(status_of(l).values["listener.sockets"] == 2);
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  const char junk[] = "not isakmp";
  ::sendto(fd, junk, sizeof junk, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  // The NAT-T port has UDP_ENCAP: the kernel eats keepalives (and ESP); what follows a
  // non-ESP marker comes to us.
  to.sin_port = htons(static_cast<std::uint16_t>(port + 1));
  const unsigned char keepalive[] = {0xff};
  ::sendto(fd, keepalive, 1, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  const unsigned char marked[] = {0, 0, 0, 0, 1, 2};
  ::sendto(fd, marked, sizeof marked, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  ::close(fd);
  BOOST_TEST(eventually([&] {
    auto c = status_of(l).values;
    return c["listener.dropped.short"] == 2;
  }));
  self->send_exit(l, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_SUITE_END()
