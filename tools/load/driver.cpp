#include "tools/load/driver.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <queue>
#include <stdexcept>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <unordered_map>

#include "crypto/random.hpp"
#include "crypto/rsa.hpp"
#include "crypto/secret.hpp"
#include "crypto/x509.hpp"
#include "ike/main_mode.hpp"
#include "ike/quick_mode.hpp"
#include "ike/transaction.hpp"
#include "tools/load/mint.hpp"
#include "tools/load/outcomes.hpp"
#include "tools/load/roadwarrior.hpp"

namespace coati::load {

double process_cpu_seconds() {
  rusage self{};
  ::getrusage(RUSAGE_SELF, &self);
  return static_cast<double>(self.ru_utime.tv_sec + self.ru_stime.tv_sec) +
         static_cast<double>(self.ru_utime.tv_usec + self.ru_stime.tv_usec) / 1e6;
}

namespace {

using clock = std::chrono::steady_clock;
using ike::bytes;
using ike::cookie;

volatile std::sig_atomic_t released_by_signal = 0;
extern "C" void on_usr1(int) {
  released_by_signal = 1;
}

std::uint64_t key_of(const cookie& c) {
  std::uint64_t k = 0;
  std::memcpy(&k, c.data(), sizeof k);
  return k;
}

ike::ipv4_address ipv4_of(const std::string& text) {
  ike::ipv4_address a{};
  if (::inet_pton(AF_INET, text.c_str(), a.data()) != 1)
    throw std::runtime_error("not an IPv4 address: " + text);
  return a;
}

ike::id_payload subnet_of(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos)
    throw std::runtime_error("not a NET/PREFIX: " + text);
  int len = std::stoi(text.substr(slash + 1));
  if (len < 0 || len > 32)
    throw std::runtime_error("bad prefix length in " + text);
  std::uint32_t mask = len == 0 ? 0 : htonl(~0U << (32 - len));
  ike::ipv4_address m{};
  std::memcpy(m.data(), &mask, 4);
  return ike::id_payload::ipv4_subnet(ipv4_of(text.substr(0, slash)), m);
}

/// Where one negotiation stands.
enum class stage : std::uint8_t { waiting, main, held, quick, login, done, failed };

/// One negotiation: its exchanges and its retransmission state.
struct negotiation {
  std::size_t index = 0;
  std::size_t sock = 0; ///< which local address
  stage st = stage::waiting;
  cookie icookie{}, rcookie{};
  std::optional<ike::main_mode> mm;
  std::optional<ike::quick_mode> qm;
  std::optional<login> rw; ///< --hybrid: the whole login instead of mm / qm
  std::uint32_t mid = 0;
  std::vector<bytes> held;        ///< MM5, sent on release
  unsigned tries = 0;             ///< transmissions of the current message
  unsigned attempts = 0;          ///< fresh starts
  std::uint64_t gen = 0;          ///< invalidates older timers
  std::string hint;               ///< a notify the hub sent, for the failure reason
  bool lost_one = false;          ///< its first MM6 was dropped (--lose-mm6)
  clock::time_point began, ended; ///< the current attempt's first message, its outcome
};

struct timer {
  clock::time_point when;
  std::size_t index;
  std::uint64_t gen;
  bool operator>(const timer& o) const { return when > o.when; }
};

/// One local address: its socket and what we say in phase 1 from it.
struct endpoint {
  int fd = -1;
  std::string address;
  ike::phase1_identity me;
  ike::phase1_policy policy;
  login_setup rw; ///< --hybrid (logins borrow it: eps_ never grows once running)
};

class driver {
public:
  explicit driver(const load_options& o) : o_(o), slots_(o.count) {
    ::inet_pton(AF_INET, o.hub.c_str(), &hub_.sin_addr);
    hub_.sin_family = AF_INET;
    hub_.sin_port = htons(o.hub_port);
    if (o.from.empty())
      throw std::runtime_error("no local address");
    for (const auto& a : o.from)
      open(a);
    p2_.offers = {{ike::transform_id::esp_aes_cbc, 128, ike::ipsec_attr::auth_hmac_sha1},
                  {ike::transform_id::esp_3des, 0, ike::ipsec_attr::auth_hmac_md5}};
    p2_.lifetime = 3600;
    p2_.check = ike::proposal_check::obey;
    quick_remote_ = subnet_of(o.quick_remote);
    if (!o.hybrid && !o.cert_file.empty())
      signers();
    if (o.hybrid)
      roadwarriors();
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      slots_[i].index = i;
      slots_[i].sock = i % eps_.size();
    }
  }

  ~driver() {
    for (auto& e : eps_)
      ::close(e.fd);
  }

  driver(const driver&) = delete;
  driver& operator=(const driver&) = delete;

  load_report run() {
    if (o_.hold_after_mm4)
      std::signal(SIGUSR1, on_usr1);
    rep_.setup_cpu_s = process_cpu_seconds();
    start_ = clock::now();
    last_outcome_ = start_;
    auto deadline = start_ + o_.timeout;
    fill_window();
    std::vector<pollfd> fds;
    for (const auto& e : eps_)
      fds.push_back(pollfd{e.fd, POLLIN, 0});
    while (finished_ < slots_.size()) {
      auto now = clock::now();
      if (now >= deadline) {
        for (auto& n : slots_)
          if (n.st != stage::done && n.st != stage::failed) {
            n.attempts = o_.retries + 1; // no retry after the run's end
            fail(n, "run timed out " + waiting_for(n));
          }
        break;
      }
      check_hold(now);
      auto wait = std::chrono::milliseconds{100};
      if (!timers_.empty())
        wait = std::min(
            wait, std::chrono::duration_cast<std::chrono::milliseconds>(timers_.top().when - now) +
                      std::chrono::milliseconds{1});
      wait = std::max(wait, std::chrono::milliseconds{0});
      int r = ::poll(fds.data(), fds.size(), static_cast<int>(wait.count()));
      if (r < 0 && errno != EINTR)
        throw std::runtime_error(std::string{"poll: "} + std::strerror(errno));
      for (std::size_t i = 0; r > 0 && i < fds.size(); ++i)
        if ((fds[i].revents & POLLIN) != 0)
          drain(i);
      fire_timers();
    }
    rep_.seconds = std::chrono::duration<double>(last_outcome_ - start_).count();
    outcomes();
    write_sas();
    return rep_;
  }

private:
  void open(const std::string& address) {
    endpoint e;
    e.address = address;
    e.fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (e.fd < 0)
      throw std::runtime_error(std::string{"socket: "} + std::strerror(errno));
    int big = 8 << 20, one = 1;
    // Room for the replies to a burst of thousands (FORCE needs root; else the sysctl cap).
    if (::setsockopt(e.fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big) != 0)
      ::setsockopt(e.fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    if (::setsockopt(e.fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big) != 0)
      ::setsockopt(e.fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    ::setsockopt(e.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in me{};
    me.sin_family = AF_INET;
    me.sin_port = htons(o_.local_port);
    auto a = ipv4_of(address);
    std::memcpy(&me.sin_addr, a.data(), 4);
    if (::bind(e.fd, reinterpret_cast<sockaddr*>(&me), sizeof me) != 0) {
      ::close(e.fd);
      throw std::runtime_error("bind " + address + ":" + std::to_string(o_.local_port) + ": " +
                               std::strerror(errno));
    }
    e.me.id = ike::id_payload::ipv4(a);
    e.policy.offers = o_.offers;
    e.policy.check = ike::proposal_check::obey;
    e.policy.psk = crypto::secret_bytes::from_string(o_.psk);
    e.policy.initial_contact = false; // it would make the hub drop our earlier SAs
    eps_.push_back(std::move(e));
  }

  /// --cert: main mode with RSA signatures. Every negotiation signs its MM5 with our key
  /// and checks the hub's MM6 (its certificate up to --ca, then the signature), as any
  /// initiator does: the verification is per negotiation.
  void signers() {
    auto cert = crypto::certificate::load_pem_file(o_.cert_file);
    if (!cert)
      throw std::runtime_error("no certificate in '" + o_.cert_file + "' (--cert)");
    auto key = crypto::private_key::load_pem_file(o_.key_file);
    if (!key)
      throw std::runtime_error("no private key in '" + o_.key_file + "' (--key)");
    auto signer = std::make_shared<const crypto::private_key>(std::move(*key));
    auto cas = std::make_shared<crypto::cert_store>();
    if (o_.ca_file.empty() || !cas->add_ca_file(o_.ca_file))
      throw std::runtime_error("no CA certificate in '" + o_.ca_file + "' (--ca)");
    if (o_.unique_ids) { // before the clock starts: one certificate per negotiation
      if (o_.ca_key_file.empty())
        throw std::runtime_error("--unique-ids with --cert needs --ca-key (the CA's key)");
      minted_ = load::mint_certificates(*cert, o_.ca_file, o_.ca_key_file, o_.count);
    }
    for (auto& e : eps_) {
      e.me.id = ike::id_payload::der_asn1_dn(cert->subject_der()); // what charon matches
      e.me.cert = *cert;
      e.me.key = signer;
      e.policy.psk.reset();
      e.policy.cas = cas;
      for (auto& offer : e.policy.offers)
        offer.auth = ike::ike_attr::auth_rsa_sig;
    }
  }

  /// --hybrid: what the logins from each address say and check in phase 1.
  void roadwarriors() {
    auto cas = std::make_shared<crypto::cert_store>();
    if (o_.ca_file.empty() || !cas->add_ca_file(o_.ca_file))
      throw std::runtime_error("no CA certificate in '" + o_.ca_file + "' (--ca)");
    for (auto& e : eps_)
      e.rw = login_setup_for(o_, e.me, cas, p2_, quick_remote_);
  }

  std::string user_of(std::size_t index) const {
    return o_.user.empty() ? o_.user_prefix + std::to_string(index) : o_.user;
  }

  // ------------------------------------------------------------ starting

  std::size_t in_flight() const { return begun_ - finished_; }

  void fill_window() {
    while (next_ < slots_.size() && (o_.window == 0 || in_flight() < o_.window)) {
      auto& n = slots_[next_++];
      rep_.started += 1;
      begun_ += 1;
      begin(n);
    }
  }

  void begin(negotiation& n) {
    if (n.icookie != cookie{})
      by_cookie_.erase(key_of(n.icookie));
    do
      crypto::random_fill(n.icookie);
    while (n.icookie == cookie{} || by_cookie_.contains(key_of(n.icookie)));
    by_cookie_[key_of(n.icookie)] = n.index;
    n.rcookie = {};
    n.qm.reset();
    n.rw.reset();
    n.hint.clear();
    n.attempts += 1;
    n.began = clock::now();
    const auto& ep = eps_[n.sock];
    if (o_.hybrid) {
      n.rw.emplace(ep.rw, user_of(n.index), n.icookie);
      n.st = stage::login;
      on_login_step(n, n.rw->start());
      return;
    }
    if (o_.unique_ids && !ep.me.cert) { // one peer identity per negotiation
      auto me = ep.me;
      me.id = ike::id_payload::fqdn("n" + std::to_string(n.index) + ".load.test");
      n.mm.emplace(ike::main_mode::initiator(std::move(me), ep.policy, n.icookie));
    } else if (!minted_.empty()) { // its own certificate, its subject as its ID
      auto me = ep.me;
      me.cert = minted_[n.index];
      me.id = ike::id_payload::der_asn1_dn(me.cert->subject_der());
      n.mm.emplace(ike::main_mode::initiator(std::move(me), ep.policy, n.icookie));
    } else {
      n.mm.emplace(ike::main_mode::initiator(ep.me, ep.policy, n.icookie));
    }
    n.st = stage::main;
    auto step = n.mm->start();
    first_message(n, step.status == ike::phase1_status::failed, step.send, "MM1: " + step.problem);
  }

  /// Sends an exchange's first message and arms its retransmission, or gives up.
  void first_message(negotiation& n, bool failed, const std::vector<bytes>& out,
                     const std::string& why) {
    if (failed) {
      fail(n, "cannot build " + why);
      return;
    }
    send(n, out);
    arm(n);
  }

  // ------------------------------------------------------------ I/O

  void send(const negotiation& n, const std::vector<bytes>& out) {
    for (const auto& d : out)
      if (::sendto(eps_[n.sock].fd, d.data(), d.size(), 0, reinterpret_cast<const sockaddr*>(&hub_),
                   sizeof hub_) < 0)
        rep_.ignored_why["send: " + std::string{std::strerror(errno)}] += 1;
  }

  void drain(std::size_t sock) {
    bytes buf(65536);
    for (int k = 0; k < 512; ++k) {
      sockaddr_in from{};
      socklen_t len = sizeof from;
      auto got = ::recvfrom(eps_[sock].fd, buf.data(), buf.size(), MSG_DONTWAIT,
                            reinterpret_cast<sockaddr*>(&from), &len);
      if (got < 0)
        return;
      handle(sock, std::span<const std::uint8_t>{buf.data(), static_cast<std::size_t>(got)});
    }
  }

  // ------------------------------------------------------------ replies

  void cross_wired(negotiation& n, const std::string& why) {
    rep_.cross_wired += 1;
    if (rep_.cross_wired_samples.size() < 10)
      rep_.cross_wired_samples.push_back(crypto::to_hex(n.icookie) + " " + why);
  }

  void ignored(const std::string& why) {
    rep_.ignored += 1;
    rep_.ignored_why[why] += 1;
  }

  void handle(std::size_t sock, std::span<const std::uint8_t> d) {
    auto h = ike::decode_header(d);
    if (!h) {
      rep_.strays += 1;
      return;
    }
    auto i = by_cookie_.find(key_of(h->icookie));
    if (i == by_cookie_.end()) {
      rep_.strays += 1;
      return;
    }
    auto& n = slots_[i->second];
    if (n.sock != sock) {
      cross_wired(n, "reply arrived on " + eps_[sock].address + ", not " + eps_[n.sock].address);
      return;
    }
    if (n.rcookie != cookie{} && h->rcookie != n.rcookie) {
      cross_wired(n, "responder cookie " + crypto::to_hex(h->rcookie) + " instead of " +
                         crypto::to_hex(n.rcookie));
      return;
    }
    if (n.rw && h->exchange != ike::exchange_type::informational) {
      on_login(n, *h, d);
      return;
    }
    switch (h->exchange) {
    case ike::exchange_type::identity_protection:
      on_main(n, *h, d);
      return;
    case ike::exchange_type::quick:
      on_quick(n, *h, d);
      return;
    case ike::exchange_type::informational:
      on_info(n, d);
      return;
    default:
      ignored("exchange type " + std::to_string(static_cast<int>(h->exchange)));
    }
  }

  void on_main(negotiation& n, const ike::header& h, std::span<const std::uint8_t> d) {
    if (n.st != stage::main) {
      rep_.duplicates += 1; // an MM4 resent while we hold, or a late copy
      return;
    }
    int before = n.mm->last_message();
    if (before == 5 && rep_.lost < o_.lose_mm6 && !n.lost_one) {
      n.lost_one = true; // as if the network lost it: our MM5 retransmission must fetch it again
      rep_.lost += 1;
      return;
    }
    auto step = n.mm->receive(d);
    if (step.retransmit) {
      rep_.duplicates += 1;
      send(n, step.send);
      return;
    }
    if (step.status == ike::phase1_status::failed) {
      if (before >= 5) { // MM6 does not decrypt or its HASH_R is not ours
        cross_wired(n, step.problem);
        fail(n, "MM6 does not verify");
      } else {
        fail(n, step.problem);
      }
      return;
    }
    if (step.send.empty() && step.status == ike::phase1_status::in_progress) {
      ignored(step.problem.empty() ? "nothing to answer" : step.problem);
      return;
    }
    if (before == 1)
      n.rcookie = h.rcookie; // MM2 accepted: the responder's cookie is fixed from now on
    if (n.mm->established()) {
      phase1_up(n);
      return;
    }
    if (n.mm->last_message() == 5 && o_.hold_after_mm4 && !released_) {
      n.held = step.send;
      n.st = stage::held;
      n.gen += 1; // no retransmission while held
      rep_.held += 1;
      return;
    }
    send(n, step.send);
    arm(n);
  }

  void phase1_up(negotiation& n) {
    rep_.phase1_up += 1;
    if (!o_.quick) {
      done(n);
      return;
    }
    const auto& sa = *n.mm->established();
    ike::phase1_context ctx{&sa.keys, sa.icookie, sa.rcookie};
    n.mid = crypto::random_u32();
    std::uint32_t host = 0x0a000000u + static_cast<std::uint32_t>(n.index) + 1; // 10.x.y.z
    ike::ipv4_address a{static_cast<std::uint8_t>(host >> 24),
                        static_cast<std::uint8_t>(host >> 16), static_cast<std::uint8_t>(host >> 8),
                        static_cast<std::uint8_t>(host)};
    auto spi = 0xc0000000u | (crypto::random_u32() & 0x0fffffffu);
    n.qm.emplace(ike::quick_mode::initiator(ctx, p2_,
                                            ike::id_payload::ipv4_subnet(a, {255, 255, 255, 255}),
                                            quick_remote_, n.mid, spi));
    n.st = stage::quick;
    auto step = n.qm->start();
    first_message(n, step.status == ike::child_status::failed, step.send, "QM1: " + step.problem);
  }

  void on_quick(negotiation& n, const ike::header& h, std::span<const std::uint8_t> d) {
    if (n.st != stage::quick || h.message_id != n.mid) {
      if (n.st == stage::done && h.message_id == n.mid)
        rep_.duplicates += 1;
      else
        ignored("quick mode message for no quick mode of ours");
      return;
    }
    auto step = n.qm->receive(d);
    if (step.retransmit) {
      rep_.duplicates += 1;
      send(n, step.send);
      return;
    }
    if (step.status == ike::child_status::failed) {
      if (step.problem.find("HASH") != std::string::npos) {
        cross_wired(n, step.problem);
        fail(n, "QM2 does not verify");
      } else {
        fail(n, step.problem);
      }
      return;
    }
    if (!n.qm->established()) { // not decryptable under our phase-1 keys: someone else's
      cross_wired(n, "QM2: " + step.problem);
      return;
    }
    send(n, step.send); // QM3
    done(n);
  }

  void on_login(negotiation& n, const ike::header& h, std::span<const std::uint8_t> d) {
    if (n.st != stage::login) {
      rep_.duplicates += 1; // late copies after the outcome
      return;
    }
    if (h.exchange == ike::exchange_type::identity_protection ||
        h.exchange == ike::exchange_type::aggressive) {
      if (n.rw->phase1() == nullptr && n.rcookie == cookie{})
        n.rcookie = h.rcookie; // the hub's first answer fixes its cookie
    }
    on_login_step(n, n.rw->receive(h, d));
  }

  /// Sends what a login step gives and counts what it says.
  void on_login_step(negotiation& n, login_step s) {
    send(n, s.send);
    if (s.duplicate)
      rep_.duplicates += 1;
    if (!s.ignored.empty())
      ignored(s.ignored);
    if (s.phase1_up)
      rep_.phase1_up += 1;
    if (s.xauth_ok)
      rep_.xauth_ok += 1;
    if (!s.failed.empty()) {
      if (s.cross_wired)
        cross_wired(n, s.failed + ": " + s.detail);
      fail(n, s.failed, s.detail);
      return;
    }
    if (s.configured && !take_address(n))
      return;
    if (s.done) {
      done(n);
      return;
    }
    if (s.awaits_reply)
      arm(n);
  }

  /// Mode Config gave login `n` an address: one of its own (a second user with the same
  /// address is a hub that mixed up leases), counted.
  bool take_address(negotiation& n) {
    rep_.configured += 1;
    auto a = *n.rw->address();
    std::uint32_t key = 0;
    std::memcpy(&key, a.data(), 4);
    auto [i, fresh] = address_of_.emplace(key, n.index);
    if (!fresh && slots_[i->second].rw->user() != n.rw->user()) {
      fail(n, "address also given to another user",
           dotted(a) + " is " + slots_[i->second].rw->user() + "'s too");
      return false;
    }
    rep_.addresses = address_of_.size();
    return true;
  }

  static std::string dotted(const ike::ipv4_address& a) {
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, a.data(), text, sizeof text);
    return text;
  }

  void on_info(negotiation& n, std::span<const std::uint8_t> d) {
    rep_.notifies += 1;
    auto m = ike::decode(d);
    if (!m || !m->encrypted_body.empty())
      return; // protected: a Delete or DPD; the exchange's own timers decide
    if (const auto* nt = m->find<ike::notify_payload>())
      n.hint = "notify " + std::to_string(static_cast<int>(nt->message));
  }

  // ------------------------------------------------------------ timers and outcomes

  void arm(negotiation& n) {
    n.tries = 1;
    n.gen += 1;
    timers_.push(timer{clock::now() + o_.interval, n.index, n.gen});
  }

  void fire_timers() {
    auto now = clock::now();
    while (!timers_.empty() && timers_.top().when <= now) {
      auto t = timers_.top();
      timers_.pop();
      auto& n = slots_[t.index];
      if (t.gen != n.gen || (n.st != stage::main && n.st != stage::quick && n.st != stage::login))
        continue;
      if (n.tries >= o_.counter) {
        fail(n, "no answer after " + std::to_string(n.tries) + " transmissions " + waiting_for(n));
        continue;
      }
      n.tries += 1;
      rep_.retransmits += 1;
      if (n.st == stage::login)
        send(n, {n.rw->last_sent()});
      else
        send(n, {n.st == stage::main ? n.mm->last_sent() : n.qm->last_sent()});
      timers_.push(timer{now + o_.interval, n.index, n.gen});
    }
  }

  static std::string waiting_for(const negotiation& n) {
    if (n.st == stage::login)
      return n.rw->waiting_for();
    if (n.st == stage::quick)
      return "(waiting for QM2)";
    if (n.st == stage::held)
      return "(held after MM4)";
    if (!n.mm)
      return "(not started)";
    return "(waiting for MM" + std::to_string(n.mm->last_message() + 1) + ")";
  }

  void check_hold(clock::time_point now) {
    if (!o_.hold_after_mm4 || released_)
      return;
    bool everyone = next_ == slots_.size() && rep_.held > 0;
    for (const auto& n : slots_)
      everyone = everyone && n.st != stage::main && n.st != stage::waiting;
    if (everyone && !hold_announced_) {
      hold_announced_ = true;
      hold_since_ = now;
      std::printf("HOLD %zu negotiations after MM4; SIGUSR1 (or %lld ms) lets them finish\n",
                  rep_.held, static_cast<long long>(o_.hold_max.count()));
      std::fflush(stdout);
    }
    if (hold_announced_ && (released_by_signal != 0 || now - hold_since_ >= o_.hold_max)) {
      released_ = true;
      for (auto& n : slots_)
        if (n.st == stage::held) {
          n.st = stage::main;
          send(n, n.held);
          n.held.clear();
          arm(n);
        }
      std::printf("RELEASED\n");
      std::fflush(stdout);
    }
  }

  void done(negotiation& n) {
    n.st = stage::done;
    n.gen += 1;
    n.ended = clock::now();
    rep_.completed += 1;
    outcome();
  }

  /// `why` is counted (keep it short and stable); `detail` goes with the cookie only.
  void fail(negotiation& n, std::string why, const std::string& detail = {}) {
    if (!n.hint.empty())
      why += " after " + n.hint;
    auto line = crypto::to_hex(n.icookie) + " " + why + (detail.empty() ? "" : ": " + detail);
    if (n.rw)
      line += " (user " + n.rw->user() + ")";
    if (o_.verbose)
      std::fprintf(stderr, "coati-load: %s\n", line.c_str());
    rep_.failures[why] += 1;
    rep_.failed_cookies.push_back(line);
    n.ended = clock::now();
    n.gen += 1;
    if (n.attempts <= o_.retries) {
      rep_.retried += 1;
      begin(n);
      return;
    }
    n.st = stage::failed;
    rep_.failed += 1;
    outcome();
  }

  void outcome() {
    finished_ += 1;
    last_outcome_ = clock::now();
    fill_window();
  }

  static double ms(clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
  }

  /// How each one ended: its duration into the report, a line in --logins.
  void outcomes() {
    std::vector<load::outcome> all;
    for (const auto& n : slots_) {
      if (n.st != stage::done && n.st != stage::failed)
        continue;
      load::outcome o{n.index};
      o.ok = n.st == stage::done;
      o.began_ms = ms(n.began - start_);
      o.ended_ms = ms(n.ended - start_);
      if (n.rw) {
        o.user = n.rw->user();
        if (n.rw->address())
          o.address = dotted(*n.rw->address());
      }
      all.push_back(std::move(o));
    }
    add_durations(rep_, all);
    if (!o_.logins_file.empty())
      write_outcomes(o_.logins_file, std::move(all));
  }

  void write_sas() const {
    if (o_.sa_file.empty())
      return;
    std::ofstream out{o_.sa_file};
    for (const auto& n : slots_) {
      bool up = n.rw ? n.rw->phase1() != nullptr : n.mm && n.mm->established();
      if (up)
        out << crypto::to_hex(n.icookie) << ":" << crypto::to_hex(n.rcookie) << "\n";
    }
  }

  const load_options& o_;
  sockaddr_in hub_{};
  std::vector<endpoint> eps_;
  std::vector<crypto::certificate> minted_; ///< --unique-ids --cert: negotiation i's own
  std::vector<negotiation> slots_;
  std::unordered_map<std::uint64_t, std::size_t> by_cookie_;
  std::unordered_map<std::uint32_t, std::size_t> address_of_; ///< leased address -> login
  std::priority_queue<timer, std::vector<timer>, std::greater<>> timers_;
  ike::phase2_policy p2_;
  ike::id_payload quick_remote_;
  std::size_t next_ = 0, begun_ = 0, finished_ = 0;
  bool released_ = false, hold_announced_ = false;
  clock::time_point start_, last_outcome_, hold_since_;
  load_report rep_;
};

} // namespace

load_report run_load(const load_options& opts) {
  driver d{opts};
  return d.run();
}

ike::phase1_offer parse_offer(const std::string& text) {
  auto a = text.find('-'), b = text.rfind('-');
  if (a == std::string::npos || a == b)
    throw std::runtime_error("not CIPHER-HASH-GROUP: " + text);
  auto pick = [](const std::string& name, const std::map<std::string, std::uint16_t>& known,
                 const char* what) {
    auto i = known.find(name);
    if (i == known.end())
      throw std::runtime_error(std::string{"unknown "} + what + " " + name);
    return i->second;
  };
  namespace ike_attr = ike::ike_attr;
  std::string enc = text.substr(0, a);
  ike::phase1_offer o;
  o.auth = ike_attr::auth_psk;
  o.lifetime = 28800;
  o.enc = pick(enc,
               {{"3des", ike_attr::enc_3des},
                {"aes128", ike_attr::enc_aes},
                {"aes192", ike_attr::enc_aes},
                {"aes256", ike_attr::enc_aes}},
               "cipher");
  if (o.enc == ike_attr::enc_aes)
    o.key_bits = static_cast<std::uint16_t>(std::stoi(enc.substr(3)));
  o.hash = pick(text.substr(a + 1, b - a - 1),
                {{"md5", ike_attr::hash_md5},
                 {"sha1", ike_attr::hash_sha1},
                 {"sha256", ike_attr::hash_sha256}},
                "hash");
  o.group = pick(text.substr(b + 1),
                 {{"modp1024", ike_attr::group_modp1024},
                  {"modp1536", ike_attr::group_modp1536},
                  {"modp2048", ike_attr::group_modp2048}},
                 "group");
  return o;
}

} // namespace coati::load
