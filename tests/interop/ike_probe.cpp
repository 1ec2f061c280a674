// ike_probe: coati's main mode or aggressive mode + quick mode state machines on a real UDP socket,
// to run them against an independent implementation (strongSwan's charon) before the daemon's
// actors exist around them. Prints one line per outcome:
//   PHASE1 UP peer_id=... enc=.. hash=.. auth=.. group=.. mode=main|aggressive [am3=..]
//   QM UP spi_in=0x... spi_out=0x... enc=.. auth=.. pfs=..
//   FAIL <reason>
// usage: ike_probe initiator|responder LOCAL PEER [options]
//   --psk KEY | --cert FILE --key FILE --cadir DIR      (RSA signatures)
//   --p1 ENC-HASH-GROUP   e.g. 3des-md5-modp1024, aes128-sha256-modp2048
//   --local-net NET/PFX --peer-net NET/PFX --pfs GROUP --timeout SECONDS
//   --mode main|aggressive  initiator's phase 1 (a responder answers either one)
//   --am3 encrypted|clear   how an aggressive initiator sends AM3
//   --my-dn DN              send this asn1dn as our ID instead of the certificate's
//                           subject (negative tests: an ID the certificate does not carry)
//   --hybrid server         also offer hybrid_rsa_server with the same algorithms (a
//                           seed-hub-like responder: rsasig and hybrid); PHASE1 UP then
//                           ends with xauth=server|client when the agreed method has XAuth
//   --phase1-only yes       stop after phase 1 (a hybrid or XAuth peer waits for XAuth)
// An aggressive responder picks the PSK by the initiator's ID: --psk is the key of the
// peer's address ID (or of --peer-id FQDN); any other ID is unknown.
#include <arpa/inet.h>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

#include "crypto/random.hpp"
#include "ike/aggressive_mode.hpp"
#include "ike/main_mode.hpp"
#include "ike/quick_mode.hpp"

using namespace coati;
using namespace coati::ike;

namespace {

struct options {
  bool initiator = false;
  std::string local, peer, psk, cert, key, cadir;
  std::string p1 = "3des-md5-modp1024";
  std::string local_net = "192.168.0.0/16", peer_net = "192.168.3.0/24";
  std::uint16_t pfs = ike_attr::group_modp1024;
  int timeout = 30;
  bool aggressive = false;
  am3_encoding am3 = am3_encoding::encrypted;
  std::string peer_id;        ///< FQDN the PSK belongs to (default: the peer's address)
  std::string my_dn;          ///< --my-dn: an ID other than the certificate's subject
  bool hybrid_server = false; ///< --hybrid server: a hybrid_rsa_server offer too
  bool phase1_only = false;   ///< --phase1-only yes
};

/// Whichever phase-1 exchange runs.
struct phase1 {
  std::optional<main_mode> mm;
  std::optional<aggressive_mode> am;
  explicit operator bool() const { return mm || am; }
  phase1_step receive(const bytes& d) { return mm ? mm->receive(d) : am->receive(d); }
  const phase1_established* established() const {
    return mm ? mm->established() : am ? am->established() : nullptr;
  }
  const bytes& last_sent() const { return mm ? mm->last_sent() : am->last_sent(); }
  exchange_type exchange() const {
    return mm ? exchange_type::identity_protection : exchange_type::aggressive;
  }
};

[[noreturn]] void die(const std::string& why) {
  std::printf("FAIL %s\n", why.c_str());
  std::fflush(stdout);
  std::exit(1);
}

std::uint16_t group_of(const std::string& g) {
  if (g == "modp1024")
    return ike_attr::group_modp1024;
  if (g == "modp1536")
    return ike_attr::group_modp1536;
  if (g == "modp2048")
    return ike_attr::group_modp2048;
  if (g == "none")
    return 0;
  die("unknown group " + g);
}

phase1_offer parse_p1(const std::string& s, bool rsa) {
  phase1_offer o;
  auto a = s.find('-'), b = s.rfind('-');
  std::string enc = s.substr(0, a), hash = s.substr(a + 1, b - a - 1), grp = s.substr(b + 1);
  if (enc == "3des")
    o.enc = ike_attr::enc_3des;
  else if (enc == "aes128") {
    o.enc = ike_attr::enc_aes;
    o.key_bits = 128;
  } else if (enc == "aes256") {
    o.enc = ike_attr::enc_aes;
    o.key_bits = 256;
  } else
    die("unknown cipher " + enc);
  if (hash == "md5")
    o.hash = ike_attr::hash_md5;
  else if (hash == "sha1")
    o.hash = ike_attr::hash_sha1;
  else if (hash == "sha256")
    o.hash = ike_attr::hash_sha256;
  else
    die("unknown hash " + hash);
  o.group = group_of(grp);
  o.auth = rsa ? ike_attr::auth_rsa_sig : ike_attr::auth_psk;
  o.lifetime = 86400;
  return o;
}

id_payload subnet(const std::string& s) {
  auto slash = s.find('/');
  ipv4_address a{}, m{};
  inet_pton(AF_INET, s.substr(0, slash).c_str(), a.data());
  int len = std::stoi(s.substr(slash + 1));
  std::uint32_t mask = len == 0 ? 0 : htonl(~0U << (32 - len));
  std::memcpy(m.data(), &mask, 4);
  return id_payload::ipv4_subnet(a, m);
}

struct udp {
  int fd = -1;
  sockaddr_in peer{};
  udp(const std::string& local, const std::string& peer_ip) {
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in me{};
    me.sin_family = AF_INET;
    me.sin_port = htons(500);
    inet_pton(AF_INET, local.c_str(), &me.sin_addr);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, reinterpret_cast<sockaddr*>(&me), sizeof me) != 0)
      die(std::string{"bind: "} + std::strerror(errno));
    peer.sin_family = AF_INET;
    peer.sin_port = htons(500);
    inet_pton(AF_INET, peer_ip.c_str(), &peer.sin_addr);
  }
  void send(const bytes& b) {
    sendto(fd, b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&peer), sizeof peer);
  }
  /// Waits up to `ms` for a datagram from the peer.
  std::optional<bytes> recv(int ms) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, ms) <= 0)
      return std::nullopt;
    bytes buf(65536);
    ssize_t n = recv_from(buf);
    if (n <= 0)
      return std::nullopt;
    buf.resize(static_cast<std::size_t>(n));
    return buf;
  }
  ssize_t recv_from(bytes& buf) { return ::recv(fd, buf.data(), buf.size(), 0); }
};

} // namespace

int main(int argc, char** argv) {
  if (argc < 4)
    die("usage: ike_probe initiator|responder LOCAL PEER [options]");
  options o;
  o.initiator = std::string{argv[1]} == "initiator";
  o.local = argv[2];
  o.peer = argv[3];
  for (int i = 4; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--psk")
      o.psk = v;
    else if (k == "--cert")
      o.cert = v;
    else if (k == "--key")
      o.key = v;
    else if (k == "--cadir")
      o.cadir = v;
    else if (k == "--p1")
      o.p1 = v;
    else if (k == "--local-net")
      o.local_net = v;
    else if (k == "--peer-net")
      o.peer_net = v;
    else if (k == "--pfs")
      o.pfs = group_of(v);
    else if (k == "--timeout")
      o.timeout = std::stoi(v);
    else if (k == "--mode")
      o.aggressive = v == "aggressive";
    else if (k == "--am3")
      o.am3 = v == "clear" ? am3_encoding::clear : am3_encoding::encrypted;
    else if (k == "--peer-id")
      o.peer_id = v;
    else if (k == "--my-dn")
      o.my_dn = v;
    else if (k == "--hybrid" && v == "server")
      o.hybrid_server = true;
    else if (k == "--phase1-only")
      o.phase1_only = v == "yes";
    else
      die("unknown option " + k);
  }
  bool rsa = !o.cert.empty();
  phase1_identity me;
  phase1_policy pol;
  pol.offers = {parse_p1(o.p1, rsa)};
  if (o.hybrid_server) {
    auto h = pol.offers.front();
    h.auth = ike_attr::auth_hybrid_rsa_i;
    h.xauth = xauth_role::server;
    pol.offers.push_back(h);
  }
  pol.check = proposal_check::obey;
  if (rsa) {
    me.cert = crypto::certificate::load_pem_file(o.cert);
    auto k = crypto::private_key::load_pem_file(o.key);
    if (!me.cert || !k)
      die("cannot load certificate or key");
    me.key = std::make_shared<const crypto::private_key>(std::move(*k));
    me.id = id_payload::der_asn1_dn(me.cert->subject_der());
    if (!o.my_dn.empty()) {
      auto der = crypto::dn_from_text(o.my_dn);
      if (!der)
        die("not a DN: " + o.my_dn);
      me.id = id_payload::der_asn1_dn(*der);
    }
    auto cas = std::make_shared<crypto::cert_store>();
    if (!cas->add_hash_dir(o.cadir))
      die("cannot use CA folder " + o.cadir);
    pol.cas = cas;
  } else {
    ipv4_address a{};
    inet_pton(AF_INET, o.local.c_str(), a.data());
    me.id = id_payload::ipv4(a);
    pol.psk = crypto::secret_bytes::from_string(o.psk);
  }
  udp sock{o.local, o.peer};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.timeout);
  auto left = [&] {
    return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                deadline - std::chrono::steady_clock::now())
                                .count());
  };
  cookie mine{};
  crypto::random_fill(mine);
  // The responder's psk.txt: one key, for the peer's address ID (or --peer-id).
  ipv4_address peer_addr{};
  inet_pton(AF_INET, o.peer.c_str(), peer_addr.data());
  id_payload keyed = o.peer_id.empty() ? id_payload::ipv4(peer_addr) : id_payload::fqdn(o.peer_id);
  psk_lookup psk_for = [&](const id_payload& id) -> std::optional<crypto::secret_bytes> {
    // by type and value, as racoon's psk.txt lookup: protocol and port do not count
    if (id.kind == keyed.kind && id.data == keyed.data && !o.psk.empty())
      return crypto::secret_bytes::from_string(o.psk);
    return std::nullopt;
  };
  phase1 mm;
  if (o.initiator) {
    phase1_step s;
    if (o.aggressive) {
      mm.am.emplace(aggressive_mode::initiator(me, pol, mine, o.am3));
      s = mm.am->start();
    } else {
      mm.mm.emplace(main_mode::initiator(me, pol, mine));
      s = mm.mm->start();
    }
    if (s.status == phase1_status::failed)
      die("phase 1: " + s.problem);
    for (auto& d : s.send)
      sock.send(d);
  }
  // Phase 1.
  while (!(mm && mm.established())) {
    if (left() <= 0)
      die("phase 1 timed out");
    auto d = sock.recv(std::min(left(), 2000));
    if (!d) {
      if (mm && !mm.last_sent().empty())
        sock.send(mm.last_sent()); // retransmit
      continue;
    }
    auto h = decode_header(*d);
    if (!h || (h->exchange != exchange_type::identity_protection &&
               h->exchange != exchange_type::aggressive))
      continue;
    if (!mm && h->exchange == exchange_type::aggressive)
      mm.am.emplace(aggressive_mode::responder(me, pol, mine, psk_for));
    else if (!mm)
      mm.mm.emplace(main_mode::responder(me, pol, mine));
    if (h->exchange != mm.exchange())
      continue;
    auto s = mm.receive(*d);
    for (auto& x : s.send)
      sock.send(x);
    if (s.status == phase1_status::failed)
      die("phase 1: " + s.problem);
  }
  const auto& p1 = *mm.established();
  std::string peer = p1.peer_id.kind == id_type::der_asn1_dn ? crypto::dn_to_text(p1.peer_id.data)
                                                             : p1.peer_id.to_string();
  std::string mode =
      mm.am ? std::string{"aggressive am3="} + (mm.am->am3_encrypted() ? "encrypted" : "clear")
            : "main";
  std::string xauth =
      needs_xauth(p1) ? (is_xauth_server(p1) ? " xauth=server" : " xauth=client") : "";
  std::printf("PHASE1 UP peer_id=%s enc=%u hash=%u auth=%u group=%u mode=%s%s\n", peer.c_str(),
              p1.agreed.enc, p1.agreed.hash, p1.agreed.auth, p1.agreed.group, mode.c_str(),
              xauth.c_str());
  std::fflush(stdout);
  if (o.phase1_only)
    return 0;

  // Quick mode.
  phase2_policy p2;
  p2.offers = {{transform_id::esp_3des, 0, ipsec_attr::auth_hmac_md5},
               {transform_id::esp_aes_cbc, 128, ipsec_attr::auth_hmac_sha1},
               {transform_id::esp_aes_cbc, 128, ipsec_attr::auth_hmac_sha2_256}};
  if (o.pfs != 0)
    p2.pfs_group = o.pfs;
  p2.lifetime = 180;
  p2.check = proposal_check::obey;
  phase1_context ctx{&p1.keys, p1.icookie, p1.rcookie};
  std::uint32_t spi = 0xc0000000u | (crypto::random_u32() & 0x0fffffffu);
  std::optional<quick_mode> qm;
  std::uint32_t mid = 0;
  if (o.initiator) {
    mid = crypto::random_u32();
    qm.emplace(quick_mode::initiator(ctx, p2, subnet(o.local_net), subnet(o.peer_net), mid, spi));
    for (auto& d : qm->start().send)
      sock.send(d);
  }
  auto lookup = [&](const id_payload& idci,
                    const id_payload& idcr) -> std::optional<phase2_policy> {
    if (idci == subnet(o.peer_net) && idcr == subnet(o.local_net))
      return p2;
    return std::nullopt;
  };
  bool reported = false;
  while (true) {
    if (left() <= 0)
      die(qm && qm->established() ? "done" : "quick mode timed out");
    auto d = sock.recv(std::min(left(), 2000));
    if (!d) {
      if (qm && !qm->established() && !qm->last_sent().empty())
        sock.send(qm->last_sent());
      if (reported)
        break;
      continue;
    }
    auto h = decode_header(*d);
    if (!h)
      continue;
    if (h->exchange == mm.exchange()) {
      auto s = mm.receive(*d); // a retransmitted MM5 or AM2: answer it again
      for (auto& x : s.send)
        sock.send(x);
      continue;
    }
    if (h->exchange != exchange_type::quick)
      continue; // informational (INITIAL-CONTACT, DPD, delete) are not this probe's job
    if (!qm) {
      mid = h->message_id;
      qm.emplace(quick_mode::responder(ctx, lookup, mid, spi));
    }
    if (h->message_id != mid)
      continue;
    auto s = qm->receive(*d);
    for (auto& x : s.send)
      sock.send(x);
    if (s.status == child_status::failed)
      die("quick mode: " + s.problem);
    if (!o.initiator && !s.send.empty() && !s.retransmit && !qm->established()) {
      const auto& c = qm->negotiated();
      std::printf("QM2 SENT spi_in=0x%08x spi_out=0x%08x enc=%u auth=%u pfs=%u\n", c.inbound.spi,
                  c.outbound.spi, c.agreed.enc, c.agreed.auth, c.pfs_group.value_or(0));
      std::fflush(stdout);
    }
    if (qm->established() && !reported) {
      const auto& c = *qm->established();
      std::printf("QM UP spi_in=0x%08x spi_out=0x%08x enc=%u auth=%u pfs=%u lifetime=%u\n",
                  c.inbound.spi, c.outbound.spi, c.agreed.enc, c.agreed.auth,
                  c.pfs_group.value_or(0), c.lifetime);
      std::fflush(stdout);
      reported = true;
      // Stay a little to answer a retransmitted QM1/QM3, then leave.
      deadline = std::min(deadline, std::chrono::steady_clock::now() + std::chrono::seconds(3));
    }
  }
  return 0;
}
