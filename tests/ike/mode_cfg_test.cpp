// Mode Config between two coati ends on top of a real main mode, after XAuth as a hybrid
// hub runs it: pull with the seed hub's values, push, Unity split networks byte for byte,
// what an unknown request gets, a suggested address, an answer without address, routing
// between the machines of one side, and tshark decrypting and dissecting the whole
// transaction conversation.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "pcap.hpp"
#include "transaction_fixtures.hpp"

using namespace coati;
using namespace coati::ike;
using namespace coati::ike::testing;
using coati::ike::test::pcap_writer;

BOOST_AUTO_TEST_SUITE(mode_cfg_suite)

BOOST_AUTO_TEST_CASE(xauth_then_pull_with_the_seed_hub_values) {
  hub_and_client h;
  xauth_server xs(h.hub());
  xauth_client xc(h.client(), "alice", crypto::secret_bytes::from_string(password));
  BOOST_REQUIRE((xauth_ok(h, xs, xc).status == xact_status::succeeded));
  mode_cfg_server server(h.hub());
  mode_cfg_client client(h.client());

  // CFG REQUEST {ADDRESS, NETMASK, DNS, NBNS, APPLICATION_VERSION, Unity...} -->
  auto req = h.one(client.request(), true);
  // routing on the hub: the XAuth server leaves a new exchange to the Mode Config server
  BOOST_TEST((h.none(xs.receive(req)).reason == xact_reason::not_mine));
  auto need = server.receive(req);
  h.steps.push_back(need);
  BOOST_TEST((need.next == xact_next::provide_values));
  BOOST_REQUIRE(need.request.has_value());
  BOOST_TEST(need.request->asked == default_mode_cfg_request(), boost::test_tools::per_element());
  BOOST_TEST(!need.request->suggested_address.has_value());
  // a copy of the REQUEST while the values are being found is dropped
  BOOST_TEST((h.none(server.receive(req)).reason == xact_reason::duplicate));
  // <-- CFG REPLY {values, in the order asked}
  auto reply_step = server.answer(seed_values());
  auto reply = h.one(reply_step, false);
  BOOST_TEST((reply_step.status == xact_status::succeeded));
  auto on_wire = contents(h.client(), reply, &req);
  BOOST_TEST((on_wire.kind == cfg_type::reply));
  BOOST_TEST(types(on_wire) ==
                 (std::vector<std::uint16_t>{1, 2, 3, 3, 4, 7, unity_attr::save_passwd,
                                             unity_attr::def_domain, unity_attr::split_include,
                                             unity_attr::pfs}),
             boost::test_tools::per_element());
  auto got = client.receive(reply);
  h.steps.push_back(got);
  BOOST_TEST((got.status == xact_status::succeeded));
  BOOST_REQUIRE(got.values.has_value());
  BOOST_TEST((*got.values == seed_values()));
  BOOST_TEST((client.values() == seed_values()));
  // the REQUEST again (the REPLY was lost): the same REPLY
  auto again = server.receive(req);
  BOOST_TEST(again.retransmit);
  BOOST_TEST((h.one(again, false) == reply));
}

BOOST_AUTO_TEST_CASE(unity_split_include_is_fourteen_bytes_per_network) {
  std::vector<split_network> nets = {{ip(192, 168, 1, 0), ip(255, 255, 255, 0)},
                                     {ip(10, 1, 0, 0), ip(255, 255, 0, 0), 6, 0x1234, 443}};
  bytes want = {0xc0, 0xa8, 0x01, 0x00, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                0x0a, 0x01, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x06, 0x12, 0x34, 0x01, 0xbb};
  BOOST_TEST(encode_split_networks(nets) == want, boost::test_tools::per_element());
  BOOST_TEST((decode_split_networks(want) == nets));
  BOOST_TEST(!decode_split_networks(bytes(8, 0)).has_value()); // racoon-style 8-byte entries
  BOOST_TEST(decode_split_networks(bytes{})->empty());

  // On the wire, in a REPLY: one attribute, 3 x 14 bytes, the seed's networks.
  hub_and_client h;
  mode_cfg_server server(h.hub());
  mode_cfg_client client(h.client());
  auto req = h.one(client.request({unity_attr::split_include}), true);
  h.steps.push_back(server.receive(req));
  auto reply = contents(h.client(), h.one(server.answer(seed_values()), false), &req);
  BOOST_REQUIRE_EQUAL(reply.attributes.size(), 1u);
  const auto& split = reply.attributes[0];
  BOOST_TEST(!split.basic);
  BOOST_TEST(split.value == (bytes{192, 168, 1, 0, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0,
                                   192, 168, 2, 0, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0,
                                   192, 168, 3, 0, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unknown_and_unset_attributes_are_left_out) {
  hub_and_client h;
  mode_cfg_server server(h.hub());
  mode_cfg_client client(h.client());
  // CFG REQUEST {ADDRESS, 0x1234, INTERNAL_IP6_ADDRESS, FW_TYPE, NBNS, BANNER} -->
  std::vector<std::uint16_t> odd = {cfg_attr::internal_ip4_address, 0x1234,
                                    cfg_attr::internal_ip6_address, unity_attr::fw_type,
                                    cfg_attr::internal_ip4_nbns,    unity_attr::banner};
  auto req = h.one(client.request(odd), true);
  auto need = server.receive(req);
  h.steps.push_back(need);
  BOOST_TEST(need.request->asked == odd, boost::test_tools::per_element());
  // <-- CFG REPLY {ADDRESS}: no WINS, no banner configured, the rest unknown
  mode_cfg_values v;
  v.address = ip(10, 9, 8, 7);
  auto reply = h.one(server.answer(v), false);
  BOOST_TEST(types(contents(h.client(), reply, &req)) == (std::vector<std::uint16_t>{1}),
             boost::test_tools::per_element());
  auto got = client.receive(reply);
  h.steps.push_back(got);
  BOOST_TEST((got.status == xact_status::succeeded));
  BOOST_TEST((client.values().address == ip(10, 9, 8, 7)));
  BOOST_TEST(client.values().nbns.empty());
}

BOOST_AUTO_TEST_CASE(unity_attributes_only_for_unity_peers) {
  hub_and_client h;
  mode_cfg_server server(h.hub(), false); // no Unity vendor ID from this peer
  mode_cfg_client client(h.client());
  auto req = h.one(client.request(), true);
  h.steps.push_back(server.receive(req));
  auto reply = contents(h.client(), h.one(server.answer(seed_values()), false), &req);
  BOOST_TEST(types(reply) == (std::vector<std::uint16_t>{1, 2, 3, 3, 4, 7}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(suggested_address_reaches_the_caller) {
  hub_and_client h;
  mode_cfg_server server(h.hub());
  mode_cfg_client client(h.client());
  auto req = h.one(client.request({cfg_attr::internal_ip4_address, cfg_attr::internal_ip4_netmask},
                                  0, ip(192, 168, 201, 77)),
                   true);
  auto need = server.receive(req);
  h.steps.push_back(need);
  BOOST_REQUIRE(need.request.has_value());
  BOOST_TEST((need.request->suggested_address == ip(192, 168, 201, 77)));
  // the hub leases from its pool regardless, as racoon does
  auto got = client.receive(h.one(server.answer(seed_values()), false));
  h.steps.push_back(got);
  BOOST_TEST((client.values().address == ip(192, 168, 201, 20)));
}

BOOST_AUTO_TEST_CASE(reply_without_the_address_asked_for_fails) {
  hub_and_client h;
  mode_cfg_server server(h.hub());
  mode_cfg_client client(h.client());
  auto req = h.one(client.request(), true);
  h.steps.push_back(server.receive(req));
  mode_cfg_values no_address = seed_values();
  no_address.address.reset();
  auto got = client.receive(h.one(server.answer(no_address), false));
  h.steps.push_back(got);
  BOOST_TEST((got.status == xact_status::failed));
  BOOST_TEST((got.reason == xact_reason::no_address));
  // answer() without a pending REQUEST is a caller's mistake
  BOOST_TEST((server.answer(no_address).reason == xact_reason::wrong_state));
}

BOOST_AUTO_TEST_CASE(push_and_ack) {
  hub_and_client h;
  mode_cfg_server server(h.hub());
  mode_cfg_client client(h.client());
  xauth_client xc(h.client(), "alice", crypto::secret_bytes::from_string(password));
  // <-- CFG SET {values}
  auto set = h.one(server.push(seed_values(), 0x5e700001), false);
  // routing on the client: a pushed SET is not XAuth's
  BOOST_TEST((h.none(xc.receive(set)).reason == xact_reason::not_mine));
  // CFG ACK {the types taken} -->
  auto acked = client.receive(set);
  auto ack = h.one(acked, true);
  BOOST_TEST((acked.status == xact_status::succeeded));
  BOOST_TEST((client.values() == seed_values()));
  auto ack_attrs = contents(h.hub(), ack, &set);
  BOOST_TEST((ack_attrs.kind == cfg_type::ack));
  BOOST_TEST(types(ack_attrs) ==
                 (std::vector<std::uint16_t>{1, 2, 3, 4, 7, unity_attr::split_include,
                                             unity_attr::def_domain, unity_attr::save_passwd,
                                             unity_attr::pfs}),
             boost::test_tools::per_element());
  // a repeated SET gets the same ACK
  BOOST_TEST((h.one(client.receive(set), true) == ack));
  auto done = server.receive(ack);
  h.steps.push_back(done);
  BOOST_TEST((done.status == xact_status::succeeded));
}

BOOST_AUTO_TEST_CASE(decoding_skips_what_does_not_fit) {
  std::vector<std::uint16_t> skipped;
  auto v = decode_mode_cfg(
      {data_attribute::tlv(cfg_attr::internal_ip4_address, {1, 2, 3}),
       data_attribute::tlv(cfg_attr::internal_ip4_dns, {8, 8, 8, 8}),
       data_attribute::tlv(unity_attr::split_include, bytes(13, 0)),
       data_attribute::tlv(unity_attr::splitdns_name, {'a', '\0', ',', 'b', '.', 'c', '\0'}),
       data_attribute::tv(unity_attr::save_passwd, 1), data_attribute::tlv(0x4242, {1})},
      &skipped);
  BOOST_TEST(!v.address.has_value());
  BOOST_TEST((v.dns == std::vector<ipv4_address>{ip(8, 8, 8, 8)}));
  BOOST_TEST(v.split_include.empty());
  BOOST_TEST((v.split_dns == std::vector<std::string>{"a", "b.c"}));
  BOOST_TEST((v.save_passwd == true));
  BOOST_TEST(skipped == (std::vector<std::uint16_t>{cfg_attr::internal_ip4_address,
                                                    unity_attr::split_include, 0x4242}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

/// One transaction frame as tshark must read it: "exchange|cfg type|attribute types".
std::string expected(const bytes& wire, const phase1_context& at, const bytes* first) {
  auto a = contents(at, wire, first);
  std::string types_text;
  for (auto t : types(a))
    types_text += (types_text.empty() ? "" : ",") + std::to_string(t);
  return "6|" + std::to_string(static_cast<int>(a.kind)) + "|" + types_text;
}

} // namespace

BOOST_AUTO_TEST_SUITE(transaction_tshark)

BOOST_AUTO_TEST_CASE(hybrid_style_conversation_decrypted_and_dissected_by_tshark) {
  hub_and_client h(testing::seed_rsasig()); // 3DES/MD5, authenticated by PSK here
  xauth_server xs(h.hub());
  xauth_client xc(h.client(), "alice", crypto::secret_bytes::from_string(password));
  BOOST_REQUIRE((xauth_ok(h, xs, xc).status == xact_status::succeeded));
  mode_cfg_server ms(h.hub());
  mode_cfg_client mc(h.client());
  auto req = h.one(mc.request(), true);
  h.steps.push_back(ms.receive(req));
  h.steps.push_back(mc.receive(h.one(ms.answer(seed_values()), false)));
  auto set = h.one(ms.push(seed_values()), false);
  h.steps.push_back(ms.receive(h.one(mc.receive(set), true)));

  char tmpl[] = "/tmp/coati-ike-xact.XXXXXX";
  BOOST_REQUIRE(mkdtemp(tmpl) != nullptr);
  std::filesystem::path dir = tmpl;
  const pcap_writer::addr a_i = {192, 0, 2, 1}, a_r = {198, 51, 100, 1};
  std::vector<std::string> want;
  {
    pcap_writer w((dir / "xact.pcap").string());
    std::uint32_t ms_time = 0;
    for (const auto& [from_i, wire] : h.p.datagrams)
      w.add(from_i ? a_i : a_r, 500, from_i ? a_r : a_i, 500, wire, ms_time += 5);
    for (std::size_t k = 0; k < h.wire.size(); ++k) {
      const auto& [from_client, wire] = h.wire[k];
      w.add(from_client ? a_i : a_r, 500, from_client ? a_r : a_i, 500, wire, ms_time += 5);
      // even frames open an exchange, odd ones answer the frame before
      const bytes* first = k % 2 == 1 ? &h.wire[k - 1].second : nullptr;
      want.push_back(expected(wire, from_client ? h.hub() : h.client(), first));
    }
    BOOST_REQUIRE(w.ok());
  }
  std::filesystem::create_directories(dir / "cfg" / "wireshark");
  std::ofstream(dir / "cfg" / "wireshark" / "ikev1_decryption_table")
      << to_hex(h.p.ic()) << ',' << to_hex(h.p.i.established()->keys.enc_key.view()) << '\n';
  std::string tshark = "HOME=" + dir.string() + " XDG_CONFIG_HOME=" + (dir / "cfg").string() +
                       " tshark -n -r " + (dir / "xact.pcap").string();
  auto verbose = output_of(tshark + " -V 2>&1");
  for (const char* bad : {"Malformed", "Expert Info (Error", "Error loading"})
    BOOST_TEST(verbose.find(bad) == std::string::npos, "tshark -V says " << bad);
  auto table = output_of(tshark + " -T fields -E separator='|' -e isakmp.exchangetype" +
                         " -e isakmp.cfg.type -e isakmp.cfg.attr.type 2>/dev/null");
  BOOST_TEST_MESSAGE("tshark reads:\n" << table);
  std::istringstream lines(table);
  std::vector<std::string> seen;
  for (std::string line; std::getline(lines, line);)
    seen.push_back(line);
  BOOST_REQUIRE_EQUAL(seen.size(), h.p.datagrams.size() + want.size());
  bool all = true;
  for (std::size_t k = 0; k < want.size(); ++k) {
    const auto& got = seen[h.p.datagrams.size() + k];
    BOOST_TEST(got == want[k], "frame " << h.p.datagrams.size() + k + 1 << ": tshark reads " << got
                                        << ", expected " << want[k]);
    all = all && got == want[k];
  }
  if (all)
    std::filesystem::remove_all(dir);
  else
    BOOST_TEST_MESSAGE("capture kept in " << dir.string());
}

BOOST_AUTO_TEST_SUITE_END()
