// A full conversation between two test endpoints (main mode, XAuth + Mode Config, quick
// mode, DPD and Delete), written to a pcap and dissected by tshark: Wireshark must find nothing
// malformed and, given the phase-1 encryption key, decrypt every encrypted message to the payload
// types the endpoints put in.

#define BOOST_TEST_MODULE coati_ike_conversation
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "conversation.hpp"
#include "pcap.hpp"

using namespace coati::ike;
using namespace coati::ike::test;

namespace {

const ipv4_address addr_i = {192, 0, 2, 1};
const ipv4_address addr_r = {198, 51, 100, 1};

std::string run(const std::string& cmd) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  BOOST_REQUIRE_MESSAGE(f, "cannot run " << cmd);
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0)
    out.append(buf, n);
  int rc = pclose(f);
  BOOST_REQUIRE_MESSAGE(rc == 0, cmd << " exited with " << rc << ":\n" << out);
  return out;
}

std::vector<exchanged> converse(endpoint& i, endpoint& r) {
  std::vector<exchanged> log;
  std::deque<exchanged> queue{i.start()};
  while (!queue.empty()) {
    BOOST_REQUIRE_LT(log.size(), 30u);
    auto x = queue.front();
    queue.pop_front();
    log.push_back(x);
    auto& to = x.from_initiator ? r : i;
    std::vector<exchanged> replies;
    BOOST_REQUIRE_NO_THROW(replies = to.receive(x.wire));
    queue.insert(queue.end(), replies.begin(), replies.end());
  }
  return log;
}

std::string join(const std::vector<int>& v) {
  std::string s;
  for (auto x : v)
    s += (s.empty() ? "" : ",") + std::to_string(x);
  return s;
}

/// Saves each datagram (and a plaintext twin) as fuzz seeds when COATI_IKE_CORPUS_OUT is set.
void save_seeds(const std::vector<exchanged>& log, const std::string& prefix) {
  if (const char* seeds = std::getenv("COATI_IKE_CORPUS_OUT"))
    for (const auto& x : log) {
      std::ofstream f(std::string(seeds) + "/" + prefix + "-" + x.label + ".bin", std::ios::binary);
      f.write(reinterpret_cast<const char*>(x.wire.data()),
              static_cast<std::streamsize>(x.wire.size()));
      // The same message with its plaintext (plus 3 bytes of padding) as "encrypted" body,
      // so the fuzzer also reaches the plaintext chain decoder.
      auto m = decode(x.wire);
      BOOST_REQUIRE(m.ok());
      auto plain = encode_payloads(x.payloads);
      BOOST_REQUIRE(plain.ok());
      m->payloads.clear();
      m->hdr.flags |= flags::encryption;
      m->hdr.next_payload = type_of(x.payloads.front());
      m->encrypted_body = *plain;
      m->encrypted_body.insert(m->encrypted_body.end(), {0, 0, 2});
      auto wire = encode(*m);
      BOOST_REQUIRE(wire.ok());
      std::ofstream g(std::string(seeds) + "/" + prefix + "-plain-" + x.label + ".bin",
                      std::ios::binary);
      g.write(reinterpret_cast<const char*>(wire->data()),
              static_cast<std::streamsize>(wire->size()));
    }
}

/// Writes the conversation to a pcap and has tshark dissect and decrypt it.
void dissect(const std::vector<exchanged>& log, const endpoint& ini) {
  // The pcap and a Wireshark profile holding the IKEv1 decryption key.
  char tmpl[] = "/tmp/coati-ike-conv.XXXXXX";
  BOOST_REQUIRE(mkdtemp(tmpl));
  std::filesystem::path dir = tmpl;
  auto pcap = (dir / "conversation.pcap").string();
  {
    pcap_writer w(pcap);
    std::uint32_t t = 0;
    for (const auto& x : log) {
      if (x.from_initiator)
        w.add(addr_i, 500, addr_r, 500, x.wire, t += 10);
      else
        w.add(addr_r, 500, addr_i, 500, x.wire, t += 10);
    }
    BOOST_REQUIRE(w.ok());
  }
  std::filesystem::create_directories(dir / "config" / "wireshark");
  {
    std::ofstream uat(dir / "config" / "wireshark" / "ikev1_decryption_table");
    // Byte fields of a UAT file are bare hex: quoted they fail to load (and tshark -r
    // says nothing about it).
    uat << to_hex(ini.icookie()) << ',' << to_hex(ini.enc_key()) << '\n';
  }
  auto env = "HOME=" + dir.string() + " XDG_CONFIG_HOME=" + (dir / "config").string() + " ";
  auto tshark = env + "tshark -n -r " + pcap;

  // No malformed packet, no expert error.
  auto verbose = run(tshark + " -V 2>&1");
  bool clean = verbose.find("Malformed") == std::string::npos &&
               verbose.find("Expert Info (Error") == std::string::npos &&
               verbose.find("Error loading") == std::string::npos;
  BOOST_CHECK_MESSAGE(clean, "tshark reports a malformed packet or an expert error, see " << pcap);

  // Each packet dissects (after decryption) to the payload types that were put in.
  auto fields = run(tshark + " -T fields -e frame.number -e isakmp.typepayload 2>/dev/null");
  std::istringstream lines(fields);
  std::string line;
  std::size_t frame = 0;
  bool same = true;
  while (std::getline(lines, line)) {
    if (line.empty())
      continue;
    BOOST_REQUIRE_LT(frame, log.size());
    auto tab = line.find('\t');
    BOOST_REQUIRE(tab != std::string::npos);
    auto seen = line.substr(tab + 1);
    auto put = join(expanded_types(log[frame].payloads));
    BOOST_CHECK_MESSAGE(seen == put, log[frame].label << ": tshark sees payload types " << seen
                                                      << ", the test put in " << put);
    same = same && seen == put;
    ++frame;
  }
  BOOST_CHECK_EQUAL(frame, log.size());
  if (clean && same && frame == log.size())
    std::filesystem::remove_all(dir);
  else
    BOOST_TEST_MESSAGE("kept " << dir.string());
}

} // namespace

BOOST_AUTO_TEST_CASE(xauth_psk_conversation_dissected_and_decrypted_by_tshark) {
  bytes psk = {'s', 'e', 'c', 'r', 'e', 't'};
  endpoint ini(true, addr_i, addr_r, psk), res(false, addr_r, addr_i, psk);
  auto log = converse(ini, res);
  save_seeds(log, "psk");

  // The exchanges, as each side saw them.
  std::vector<std::string> labels;
  for (const auto& x : log)
    labels.push_back(x.label);
  std::vector<std::string> want = {
      "MM1",           "MM2",         "MM3",       "MM4",       "MM5",           "MM6",
      "XAUTH-REQUEST", "XAUTH-REPLY", "XAUTH-SET", "XAUTH-ACK", "CFG-REQUEST",   "CFG-REPLY",
      "QM1",           "QM2",         "QM3",       "R-U-THERE", "R-U-THERE-ACK", "DELETE"};
  BOOST_CHECK_EQUAL_COLLECTIONS(labels.begin(), labels.end(), want.begin(), want.end());
  BOOST_CHECK(ini.phase1_done() && res.phase1_done());
  BOOST_CHECK(ini.quick_mode_done() && res.quick_mode_done());
  BOOST_CHECK(res.deleted());
  BOOST_CHECK(res.xauth_done());
  BOOST_CHECK((ini.internal_address() == bytes{10, 8, 0, 5}));
  BOOST_CHECK(ini.enc_key() == res.enc_key());
  BOOST_CHECK_EQUAL(ini.enc_key().size(), 16u);
  BOOST_CHECK(ini.keymat_in_i() == res.keymat_in_i());
  BOOST_CHECK(ini.keymat_in_r() == res.keymat_in_r());
  BOOST_CHECK(ini.keymat_in_i() != ini.keymat_in_r());
  for (std::size_t k = 4; k < log.size(); ++k)
    BOOST_CHECK_MESSAGE(log[k].wire[19] & flags::encryption, log[k].label << " not encrypted");

  dissect(log, ini);
}

BOOST_AUTO_TEST_CASE(rsa_signature_conversation_dissected_and_decrypted_by_tshark) {
  rsa_identity id_i("initiator.example"), id_r("responder.example");
  endpoint ini(true, addr_i, addr_r, {}, &id_i), res(false, addr_r, addr_i, {}, &id_r);
  auto log = converse(ini, res);
  save_seeds(log, "rsa");

  std::vector<std::string> labels;
  for (const auto& x : log)
    labels.push_back(x.label);
  std::vector<std::string> want = {"MM1", "MM2", "MM3", "MM4",       "MM5",           "MM6",
                                   "QM1", "QM2", "QM3", "R-U-THERE", "R-U-THERE-ACK", "DELETE"};
  BOOST_CHECK_EQUAL_COLLECTIONS(labels.begin(), labels.end(), want.begin(), want.end());
  // MM5 carries the DN ID, the certificate and the signature; MM4 the CR.
  BOOST_REQUIRE_GE(log.size(), 6u);
  BOOST_CHECK(find<cert_payload>(log[4].payloads) && find<sig_payload>(log[4].payloads));
  BOOST_CHECK(find<cr_payload>(log[3].payloads));
  BOOST_CHECK(find<id_payload>(log[5].payloads)->kind == id_type::der_asn1_dn);
  BOOST_CHECK(ini.quick_mode_done() && res.quick_mode_done());
  BOOST_CHECK(res.deleted());
  BOOST_CHECK(ini.enc_key() == res.enc_key());
  BOOST_CHECK(ini.keymat_in_i() == res.keymat_in_i());
  BOOST_CHECK(ini.keymat_in_r() == res.keymat_in_r());
  dissect(log, ini);
}
