// kernel/xfrm against the real kernel, in a network namespace private to this process.
#define BOOST_TEST_MODULE kernel_xfrm
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdio>
#include <sched.h>
#include <string>

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kernel/policy_gen.hpp"
#include "kernel/xfrm.hpp"
#include "kernel/xfrm_events.hpp"

using namespace coati::kernel;

namespace {

/// Moves the whole test process into a new, empty network namespace: whatever the tests
/// install vanishes with the process, even when it crashes.
struct private_netns {
  private_netns() {
    if (unshare(CLONE_NEWNET) != 0)
      throw std::runtime_error("unshare(CLONE_NEWNET) failed: run the tests as root");
  }
};
BOOST_TEST_GLOBAL_FIXTURE(private_netns);

std::string run(const std::string& cmd) {
  std::string out;
  std::FILE* p = popen(cmd.c_str(), "r");
  BOOST_REQUIRE(p != nullptr);
  std::array<char, 512> buf{};
  while (std::fgets(buf.data(), buf.size(), p) != nullptr)
    out += buf.data();
  pclose(p);
  return out;
}

ip_address ip(const char* text) {
  return *ip_address::parse(text);
}

selector star(const char* src, std::uint8_t sp, const char* dst, std::uint8_t dp) {
  selector s;
  s.src = ip(src);
  s.src_prefix = sp;
  s.dst = ip(dst);
  s.dst_prefix = dp;
  return s;
}

policy_spec tunnel_policy(selector sel, direction dir, const char* from, const char* to) {
  policy_spec p;
  p.sel = sel;
  p.dir = dir;
  p.priority = 2000;
  template_spec t;
  t.src = ip(from);
  t.dst = ip(to);
  t.reqid = 7;
  p.templates.push_back(t);
  return p;
}

/// An ESP SA with the seed's algorithms (3des-cbc, hmac-md5-96) and fixed test keys.
sa_spec seed_esp(const char* src, const char* dst, std::uint32_t spi, std::uint32_t reqid) {
  sa_spec sa;
  sa.src = ip(src);
  sa.dst = ip(dst);
  sa.spi = spi;
  sa.reqid = reqid;
  sa.enc_alg = "cbc(des3_ede)";
  sa.enc_key = key_bytes{std::vector<std::uint8_t>(24, 0x5a)};
  sa.auth_alg = "hmac(md5)";
  sa.auth_key = key_bytes{std::vector<std::uint8_t>(16, 0xa5)};
  sa.auth_trunc_bits = 96;
  return sa;
}

} // namespace

BOOST_AUTO_TEST_CASE(open_socket) {
  auto s = xfrm_socket::open();
  BOOST_REQUIRE_MESSAGE(s.ok(), (s.ok() ? std::string{} : s.err().text));
}

BOOST_AUTO_TEST_CASE(spi_allocation_in_range_and_distinct) {
  auto s = xfrm_socket::open();
  BOOST_REQUIRE(s.ok());
  auto a =
      s.value().alloc_spi(ip("192.0.2.1"), ip("198.51.100.3"), xfrm_proto::esp, 1, 0x1000, 0x1fff);
  auto b =
      s.value().alloc_spi(ip("192.0.2.1"), ip("198.51.100.3"), xfrm_proto::esp, 2, 0x1000, 0x1fff);
  BOOST_REQUIRE_MESSAGE(a.ok(), (a.ok() ? std::string{} : a.err().text));
  BOOST_REQUIRE_MESSAGE(b.ok(), (b.ok() ? std::string{} : b.err().text));
  BOOST_TEST(a.value() >= 0x1000u);
  BOOST_TEST(a.value() <= 0x1fffu);
  BOOST_TEST(b.value() >= 0x1000u);
  BOOST_TEST(a.value() != b.value());
}

BOOST_AUTO_TEST_CASE(tunnel_policies_add_list_delete) {
  auto s = xfrm_socket::open();
  BOOST_REQUIRE(s.ok());
  auto& x = s.value();
  // The seed satellite's star: its /24 against the company's /16.
  auto out = tunnel_policy(star("192.168.3.0", 24, "192.168.0.0", 16), direction::out,
                           "198.51.100.3", "192.0.2.1");
  auto in = tunnel_policy(star("192.168.0.0", 16, "192.168.3.0", 24), direction::in, "192.0.2.1",
                          "198.51.100.3");
  auto r1 = x.add_policy(out);
  BOOST_REQUIRE_MESSAGE(r1.ok(), (r1.ok() ? std::string{} : r1.err().text));
  auto r2 = x.add_policy(in);
  BOOST_REQUIRE_MESSAGE(r2.ok(), (r2.ok() ? std::string{} : r2.err().text));

  std::string listing = run("ip xfrm policy");
  BOOST_TEST_MESSAGE(listing);
  BOOST_TEST(listing.find("src 192.168.3.0/24 dst 192.168.0.0/16") != std::string::npos);
  BOOST_TEST(listing.find("dir out priority 2000") != std::string::npos);
  BOOST_TEST(listing.find("tmpl src 198.51.100.3 dst 192.0.2.1") != std::string::npos);
  BOOST_TEST(listing.find("src 192.168.0.0/16 dst 192.168.3.0/24") != std::string::npos);
  BOOST_TEST(listing.find("dir in priority 2000") != std::string::npos);
  BOOST_TEST(listing.find("proto esp reqid 7 mode tunnel") != std::string::npos);

  // A second add of the same selector and direction is refused; update replaces it.
  BOOST_TEST(!x.add_policy(out).ok());
  out.priority = 1500;
  BOOST_TEST(x.add_policy(out, true).ok());
  BOOST_TEST(run("ip xfrm policy").find("dir out priority 1500") != std::string::npos);

  BOOST_TEST(x.delete_policy(out.sel, direction::out).ok());
  BOOST_TEST(x.delete_policy(in.sel, direction::in).ok());
  BOOST_TEST(run("ip xfrm policy").find("192.168.3.0/24") == std::string::npos);
  auto again = x.delete_policy(in.sel, direction::in);
  BOOST_REQUIRE(!again.ok());
  BOOST_TEST(again.err().text.find("deleting policy 192.168.0.0/16 -> 192.168.3.0/24") == 0u);
}

BOOST_AUTO_TEST_CASE(selector_ports_and_protocol) {
  auto s = xfrm_socket::open();
  BOOST_REQUIRE(s.ok());
  selector sel = star("192.168.3.10", 32, "192.168.1.20", 32);
  sel.proto = 6;
  sel.dport = 80;
  auto p = tunnel_policy(sel, direction::fwd, "198.51.100.3", "192.0.2.1");
  auto r = s.value().add_policy(p);
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string{} : r.err().text));
  std::string listing = run("ip xfrm policy");
  BOOST_TEST(listing.find("src 192.168.3.10/32 dst 192.168.1.20/32 proto tcp dport 80") !=
             std::string::npos);
  BOOST_TEST(listing.find("dir fwd") != std::string::npos);
  BOOST_TEST(s.value().delete_policy(sel, direction::fwd).ok());
}

BOOST_AUTO_TEST_CASE(esp_sa_added_or_unsupported_reported) {
  auto s = xfrm_socket::open();
  BOOST_REQUIRE(s.ok());
  sa_spec sa = seed_esp("198.51.100.3", "192.0.2.1", 0x12345, 7);
  sa.soft_seconds = 150;
  sa.hard_seconds = 180;
  auto r = s.value().add_sa(sa);
  std::string state = run("ip xfrm state");
  if (r.ok()) {
    // A kernel with ESP (the VM test bed): the SA is there with our SPI and algorithms.
    BOOST_TEST(state.find("spi 0x00012345") != std::string::npos);
    BOOST_TEST(state.find("enc cbc(des3_ede)") != std::string::npos);
    BOOST_TEST(s.value().delete_sa(sa.dst, sa.spi, xfrm_proto::esp).ok());
  } else {
    // This host's kernel has no ESP: the failure must say so, and name the SA.
    BOOST_TEST_MESSAGE(r.err().text);
    BOOST_TEST(r.err().unsupported());
    BOOST_TEST(r.err().text.find("adding SA 198.51.100.3->192.0.2.1 spi 0x00012345") == 0u);
    BOOST_TEST(r.err().text.find("this kernel lacks that IPsec transform or algorithm") !=
               std::string::npos);
    BOOST_TEST(state.find("spi 0x00012345") == std::string::npos);
  }
  // Deleting an SA that does not exist is an error, not a crash.
  BOOST_TEST(!s.value().delete_sa(sa.dst, 0x777, xfrm_proto::esp).ok());
}

// A NAT-T peer's mapping changed: the larval inbound SA (ALLOCSPI, then updated with its
// keys and ESP-in-UDP ports) is read for its replay state, deleted and added again with new
// ports and that replay state, as the kernel actor's move_sa does.
BOOST_AUTO_TEST_CASE(esp_in_udp_sa_moved_with_its_replay_state) {
  auto s = xfrm_socket::open();
  BOOST_REQUIRE(s.ok());
  auto spi = s.value().alloc_spi(ip("192.0.2.254"), ip("192.0.2.1"), xfrm_proto::esp, 9);
  BOOST_REQUIRE(spi.ok());
  sa_spec sa = seed_esp("192.0.2.254", "192.0.2.1", spi.value(), 9);
  sa.encap = udp_encap{31003, 4500};
  auto r = s.value().add_sa(sa, true);
  if (!r.ok()) {
    BOOST_TEST_MESSAGE(r.err().text); // no ESP in this kernel: nothing to move
    BOOST_TEST(r.err().unsupported());
    return;
  }
  auto rp = s.value().replay_of(sa.dst, sa.spi, xfrm_proto::esp);
  BOOST_REQUIRE_MESSAGE(rp.ok(), (rp.ok() ? "" : rp.err().text));
  BOOST_TEST(rp.value().oseq == 0u);
  BOOST_REQUIRE(s.value().delete_sa(sa.dst, sa.spi, xfrm_proto::esp).ok());
  sa.encap = udp_encap{32002, 4500};
  sa.replay = replay_state{5, 9, 0x1ff};
  auto m = s.value().add_sa(sa);
  BOOST_REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.err().text));
  std::string state = run("ip xfrm state");
  BOOST_TEST_MESSAGE(state);
  BOOST_TEST(state.find("encap type espinudp sport 32002 dport 4500") != std::string::npos);
  BOOST_TEST(state.find("sport 31003") == std::string::npos);
  auto back = s.value().replay_of(sa.dst, sa.spi, xfrm_proto::esp);
  BOOST_REQUIRE(back.ok());
  BOOST_TEST(back.value().oseq == 5u);
  BOOST_TEST(back.value().seq == 9u);
  BOOST_TEST(back.value().bitmap == 0x1ffu);
  BOOST_TEST(s.value().delete_sa(sa.dst, sa.spi, xfrm_proto::esp).ok());
}

BOOST_AUTO_TEST_CASE(acquire_event_for_traffic_without_sa) {
  // A LAN interface (loopback traffic never meets policies).
  BOOST_REQUIRE(std::system("ip link add v0 type veth peer name v1 && ip link set v0 up && "
                            "ip link set v1 up && ip addr add 192.168.3.1/24 dev v0 && "
                            "ip route add 192.168.0.0/16 dev v0 src 192.168.3.1") == 0);
  auto events = xfrm_events::open();
  BOOST_REQUIRE_MESSAGE(events.ok(), (events.ok() ? std::string{} : events.err().text));
  auto s = xfrm_socket::open();
  BOOST_REQUIRE(s.ok());
  auto out = tunnel_policy(star("192.168.3.0", 24, "192.168.0.0", 16), direction::out,
                           "198.51.100.3", "192.0.2.1");
  BOOST_REQUIRE(s.value().add_policy(out).ok());

  // Nothing yet: draining an empty socket gives no event and no error.
  auto none = events.value().drain();
  BOOST_REQUIRE(none.ok());
  BOOST_TEST(none.value().empty());

  // LAN traffic into the tunnel: the kernel holds it and asks for an SA.
  int u = socket(AF_INET, SOCK_DGRAM, 0);
  BOOST_REQUIRE(u >= 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(9);
  inet_pton(AF_INET, "192.168.1.1", &to.sin_addr);
  (void)sendto(u, "x", 1, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&to), sizeof to);
  close(u);

  pollfd p{events.value().fd(), POLLIN, 0};
  BOOST_REQUIRE_MESSAGE(poll(&p, 1, 5000) == 1, "no ACQUIRE within 5 s");
  auto got = events.value().drain();
  BOOST_REQUIRE_MESSAGE(got.ok(), (got.ok() ? std::string{} : got.err().text));
  BOOST_REQUIRE(!got.value().empty());
  const auto* acq = std::get_if<acquire_event>(&got.value().front());
  BOOST_REQUIRE(acq != nullptr);
  BOOST_TEST(acq->dst.to_string() == "192.0.2.1");
  BOOST_TEST(acq->src.to_string() == "198.51.100.3");
  BOOST_TEST(acq->sel.src.to_string() == "192.168.3.0");
  BOOST_TEST(acq->sel.src_prefix == 24);
  BOOST_TEST(acq->sel.dst.to_string() == "192.168.0.0");
  BOOST_TEST(acq->sel.dst_prefix == 16);
  BOOST_TEST((acq->dir == direction::out));
  BOOST_TEST((acq->proto == xfrm_proto::esp));
  BOOST_TEST(acq->policy_index != 0u);
  BOOST_TEST(acq->flow.src.to_string() == "192.168.3.1");
  BOOST_TEST(acq->flow.dst.to_string() == "192.168.1.1");
  BOOST_TEST(acq->flow.proto == IPPROTO_UDP);
  BOOST_TEST(acq->flow.dport == 9);
  BOOST_TEST(s.value().delete_policy(out.sel, direction::out).ok());
}

BOOST_AUTO_TEST_CASE(generated_policies_install_and_remove) {
  auto s = xfrm_socket::open();
  BOOST_REQUIRE(s.ok());
  generated_tunnel t;
  t.initiator_id = coati::ike::id_payload::ipv4_subnet({192, 168, 2, 0}, {255, 255, 255, 0});
  t.responder_id = coati::ike::id_payload::ipv4_subnet({192, 168, 0, 0}, {255, 255, 0, 0});
  t.local_outer = ip("192.0.2.1");
  t.peer_outer = ip("198.51.100.2");
  t.reqid = 9;
  t.ipcomp = true;
  auto gen = generate_policies(t);
  BOOST_REQUIRE(gen.index() == 0);
  for (const auto& p : std::get<0>(gen)) {
    auto r = s.value().add_policy(p);
    BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string{} : r.err().text));
  }
  std::string listing = run("ip xfrm policy");
  BOOST_TEST(listing.find("src 192.168.0.0/16 dst 192.168.2.0/24") != std::string::npos);
  BOOST_TEST(listing.find("proto comp reqid 9 mode tunnel\n\t\tlevel use") != std::string::npos);
  BOOST_TEST(listing.find("proto esp reqid 9 mode transport") != std::string::npos);
  BOOST_TEST(listing.find("dir fwd priority 2000") != std::string::npos);
  for (const auto& p : std::get<0>(gen))
    BOOST_TEST(s.value().delete_policy(p.sel, p.dir).ok());
  BOOST_TEST(run("ip xfrm policy").find("192.168.2.0/24") == std::string::npos);
}
