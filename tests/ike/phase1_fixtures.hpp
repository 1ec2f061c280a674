#pragma once
// What the phase-1 exchange tests share: a test PKI made by openssl (tests/lib/mkpki.sh),
// the seed's and a PSK offer, cookies, a driver that plays an exchange between two coati
// state machines (main_mode or aggressive_mode) until one side stops sending, an
// established main mode pair for the exchanges that run on top of phase 1, and a way to
// read a command's output (tshark).

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>

#include "ike/main_mode.hpp"
#include "ike/quick_mode.hpp" // phase1_context

namespace coati::ike::testing {

/// A test PKI: CA "good" with hosts rhum, armagnac, an expired "old"; CA "evil" with
/// host "mallory".
struct pki {
  std::filesystem::path dir;
  pki() {
    dir = std::filesystem::temp_directory_path() / ("coati-p1-" + std::to_string(::getpid()));
    std::string lib = std::string{COATI_SOURCE_DIR} + "/tests/lib/mkpki.sh";
    std::string good = (dir / "good").string(), evil = (dir / "evil").string();
    BOOST_REQUIRE(std::system(("bash " + lib + " " + good + " rhum armagnac").c_str()) == 0);
    BOOST_REQUIRE(
        std::system(("PKI_NOT_BEFORE=20200101000000Z PKI_NOT_AFTER=20210101000000Z bash " + lib +
                     " " + good + " old")
                        .c_str()) == 0);
    BOOST_REQUIRE(
        std::system(("PKI_CA_NAME='evil CA' bash " + lib + " " + evil + " mallory").c_str()) == 0);
  }
  ~pki() { std::filesystem::remove_all(dir); }
  pki(const pki&) = delete;
  pki& operator=(const pki&) = delete;

  /// Host `host` of CA `ca` with its certificate, key and asn1dn ID.
  phase1_identity who(const std::string& ca, const std::string& host) const {
    auto base = (dir / ca / host).string();
    phase1_identity me;
    auto cert = crypto::certificate::load_pem_file(base + ".crt");
    auto key = crypto::private_key::load_pem_file(base + ".pem");
    BOOST_REQUIRE(cert && key);
    me.id = id_payload::der_asn1_dn(cert->subject_der());
    me.cert = std::move(cert);
    me.key = std::make_shared<const crypto::private_key>(std::move(*key));
    return me;
  }
  /// The trust store of CA `ca`.
  std::shared_ptr<const crypto::cert_store> cas(const std::string& ca) const {
    auto s = std::make_shared<crypto::cert_store>();
    BOOST_REQUIRE(s->add_hash_dir((dir / ca).string()));
    return s;
  }
};

/// One PKI for the whole test program (made on first use).
inline pki& the_pki() {
  static pki p;
  return p;
}

/// The seed's proposal: 3des/md5/rsasig/modp1024, one day.
inline phase1_offer seed_rsasig() {
  return {ike_attr::enc_3des,       0,    ike_attr::hash_md5, ike_attr::auth_rsa_sig,
          ike_attr::group_modp1024, 86400};
}

/// aes128/sha1/PSK/modp2048, 8 hours.
inline phase1_offer psk_aes() {
  return {ike_attr::enc_aes,        128,  ike_attr::hash_sha1, ike_attr::auth_psk,
          ike_attr::group_modp2048, 28800};
}

/// A cookie of eight `b` bytes.
inline cookie ck(std::uint8_t b) {
  cookie c{};
  c.fill(b);
  return c;
}

/// The last steps of both sides of an exchange run to its end.
struct run_result {
  phase1_step last_i, last_r;
  int messages = 0;
};

/// Passes each side's datagram to the other until nothing is sent or a side fails.
template <class Exchange>
run_result run(Exchange& i, Exchange& r) {
  run_result out;
  auto s = i.start();
  bool to_responder = true;
  while (!s.send.empty() && out.messages < 10) {
    ++out.messages;
    auto next = to_responder ? r.receive(s.send.front()) : i.receive(s.send.front());
    (to_responder ? out.last_r : out.last_i) = next;
    if (next.status == phase1_status::failed)
      break;
    s = next;
    to_responder = !to_responder;
  }
  return out;
}

/// An established main mode (PSK) between two coati ends, with every datagram it took.
struct established_pair {
  main_mode i, r;
  std::vector<std::pair<bool, bytes>> datagrams; ///< (from initiator, wire)

  explicit established_pair(phase1_offer offer = psk_aes())
      : i(main_mode::initiator(me({192, 0, 2, 1}), policy(offer), ck(0x1c))),
        r(main_mode::responder(me({198, 51, 100, 1}), policy(offer), ck(0x7e))) {
    std::vector<bytes> pending = i.start().send;
    bool from_i = true;
    while (!pending.empty()) {
      BOOST_REQUIRE_LT(datagrams.size(), 8u);
      datagrams.emplace_back(from_i, pending.front());
      pending = (from_i ? r : i).receive(pending.front()).send;
      from_i = !from_i;
    }
    BOOST_REQUIRE(i.established() && r.established());
  }
  static phase1_identity me(ipv4_address a) {
    phase1_identity id;
    id.id = id_payload::ipv4(a);
    return id;
  }
  static phase1_policy policy(phase1_offer offer) {
    phase1_policy p;
    offer.auth = ike_attr::auth_psk;
    p.offers = {offer};
    p.psk = crypto::secret_bytes::from_string("informational");
    return p;
  }
  phase1_context at_i() const { return context(*i.established()); }
  phase1_context at_r() const { return context(*r.established()); }
  static phase1_context context(const phase1_established& e) {
    return {&e.keys, e.icookie, e.rcookie};
  }
  const cookie& ic() const { return i.established()->icookie; }
  const cookie& rc() const { return i.established()->rcookie; }
};

/// Rewrites the length field of an ISAKMP header to the datagram's size.
inline void fix_length(bytes& wire) {
  auto n = static_cast<std::uint32_t>(wire.size());
  for (int k = 0; k < 4; ++k)
    wire[24 + k] = static_cast<std::uint8_t>(n >> (24 - 8 * k));
}

/// What the command printed on stdout; the test fails when it does not exit with 0.
inline std::string output_of(const std::string& command) {
  std::string text;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  BOOST_REQUIRE_MESSAGE(pipe != nullptr, "cannot start " << command);
  for (int c; (c = std::fgetc(pipe.get())) != EOF;)
    text.push_back(static_cast<char>(c));
  BOOST_REQUIRE_MESSAGE(pclose(pipe.release()) == 0, command << " failed:\n" << text);
  return text;
}

} // namespace coati::ike::testing
