#define BOOST_TEST_MODULE kernel_policy_gen
#include <boost/test/unit_test.hpp>

#include "kernel/policy_gen.hpp"

using namespace coati;
using namespace coati::kernel;

namespace {
ip_address ip(const char* t) {
  return *ip_address::parse(t);
}
ike::ipv4_address v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  return {a, b, c, d};
}

generated_tunnel seed_star() {
  // Satellite armagnac (198.51.100.3) proposes its LAN against the company /16.
  generated_tunnel t;
  t.initiator_id = ike::id_payload::ipv4_subnet(v4(192, 168, 3, 0), v4(255, 255, 255, 0));
  t.responder_id = ike::id_payload::ipv4_subnet(v4(192, 168, 0, 0), v4(255, 255, 0, 0));
  t.local_outer = ip("192.0.2.1");
  t.peer_outer = ip("198.51.100.3");
  t.reqid = 42;
  return t;
}
} // namespace

BOOST_AUTO_TEST_CASE(seed_star_gives_out_in_fwd) {
  auto r = generate_policies(seed_star());
  BOOST_REQUIRE(r.index() == 0);
  const auto& ps = std::get<0>(r);
  BOOST_REQUIRE(ps.size() == 3u);
  // out: our /16 towards the satellite's /24, tunnelled hub -> satellite.
  BOOST_TEST((ps[0].dir == direction::out));
  BOOST_TEST(ps[0].sel.src.to_string() == "192.168.0.0");
  BOOST_TEST(ps[0].sel.src_prefix == 16);
  BOOST_TEST(ps[0].sel.dst.to_string() == "192.168.3.0");
  BOOST_TEST(ps[0].sel.dst_prefix == 24);
  BOOST_REQUIRE(ps[0].templates.size() == 1u);
  BOOST_TEST(ps[0].templates[0].src.to_string() == "192.0.2.1");
  BOOST_TEST(ps[0].templates[0].dst.to_string() == "198.51.100.3");
  BOOST_TEST(ps[0].templates[0].reqid == 42u);
  // in and fwd: the reverse, tunnelled satellite -> hub.
  for (int i : {1, 2}) {
    BOOST_TEST(ps[i].sel.src.to_string() == "192.168.3.0");
    BOOST_TEST(ps[i].sel.dst_prefix == 16);
    BOOST_TEST(ps[i].templates[0].src.to_string() == "198.51.100.3");
    BOOST_TEST(ps[i].templates[0].dst.to_string() == "192.0.2.1");
  }
  BOOST_TEST((ps[1].dir == direction::in));
  BOOST_TEST((ps[2].dir == direction::fwd));
}

BOOST_AUTO_TEST_CASE(ipcomp_tunnel_then_esp_transport) {
  auto t = seed_star();
  t.ipcomp = true;
  auto r = generate_policies(t);
  BOOST_REQUIRE(r.index() == 0);
  const auto& tm = std::get<0>(r)[0].templates;
  BOOST_REQUIRE(tm.size() == 2u);
  BOOST_TEST((tm[0].proto == xfrm_proto::comp));
  BOOST_TEST((tm[0].mode == xfrm_mode::tunnel));
  BOOST_TEST(!tm[0].optional); // outbound: required
  BOOST_TEST((tm[1].proto == xfrm_proto::esp));
  BOOST_TEST((tm[1].mode == xfrm_mode::transport));
  BOOST_TEST(!tm[1].optional);
  BOOST_TEST(std::get<0>(r)[1].templates[0].optional); // inbound: uncompressed is fine
}

BOOST_AUTO_TEST_CASE(host_ids_ports_and_protocol) {
  auto t = seed_star();
  t.initiator_id = ike::id_payload::ipv4(v4(203, 0, 113, 7), 17, 1701);
  t.responder_id = ike::id_payload::ipv4(v4(192, 0, 2, 1), 17, 0);
  auto r = generate_policies(t);
  BOOST_REQUIRE(r.index() == 0);
  const auto& out = std::get<0>(r)[0];
  BOOST_TEST(out.sel.dst_prefix == 32);
  BOOST_TEST(out.sel.dport == 1701);
  BOOST_TEST(out.sel.sport == 0);
  BOOST_TEST(out.sel.proto == 17);
}

BOOST_AUTO_TEST_CASE(ranges_that_are_one_prefix) {
  auto id = ike::id_payload::ipv4_range(v4(10, 1, 0, 0), v4(10, 1, 255, 255));
  auto p = prefix_of(id);
  BOOST_REQUIRE(p.has_value());
  BOOST_TEST(p->prefix == 16);
  std::string why;
  BOOST_TEST(!prefix_of(ike::id_payload::ipv4_range(v4(10, 1, 0, 1), v4(10, 1, 0, 9)), &why));
  BOOST_TEST(why.find("not a single prefix") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(unusable_ids_are_refused_with_a_reason) {
  std::string why;
  BOOST_TEST(!prefix_of(ike::id_payload::fqdn("pineau.example"), &why));
  BOOST_TEST(why.find("cannot select traffic") != std::string::npos);
  BOOST_TEST(!prefix_of(ike::id_payload::ipv4_subnet(v4(10, 0, 0, 0), v4(255, 0, 255, 0)), &why));
  BOOST_TEST(why.find("not contiguous") != std::string::npos);
  auto t = seed_star();
  t.responder_id = ike::id_payload::fqdn("rhum");
  auto r = generate_policies(t);
  BOOST_REQUIRE(r.index() == 1);
  BOOST_TEST(std::get<1>(r).find("responder's ID:") == 0u);
  // Host bits in a subnet ID are cleared, as the kernel would refuse them.
  auto p = prefix_of(ike::id_payload::ipv4_subnet(v4(192, 168, 3, 77), v4(255, 255, 255, 0)));
  BOOST_REQUIRE(p.has_value());
  BOOST_TEST(p->addr.to_string() == "192.168.3.0");
}
