// coati-load: many simultaneous IKEv1 main mode (+ quick mode) negotiations against one
// responder (a coatid hub), from one process; or, with --hybrid, many roadwarrior logins
// (hybrid phase 1, XAuth, Mode Config, optionally quick mode for the leased address).
// Prints what happened and one RESULT line:
//   RESULT started=N completed=N failed=N cross_wired=N retried=N seconds=S per_second=R
//          p50_ms=T p99_ms=T max_ms=T cpu_s=T [xauth_ok=N configured=N addresses=N]
// (per_second: completed negotiations or logins per second of the run; p50/p99/max: how
// long each completed one took, first message to its end; cpu_s: coati-load's own user +
// system CPU time over the run, its set-up (minted certificates) not counted). --logins FILE gets
// one line per negotiation, in the order they ended:
//   INDEX USER ADDRESS ok|failed BEGAN_MS ENDED_MS TOOK_MS   (times from the run's start)
// Exit status 0 only when every negotiation completed, no reply was cross-wired and, for
// logins, each got an address of its own.

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "tools/load/driver.hpp"

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: coati-load HUB --from ADDR[,ADDR...] --psk KEY [options]\n"
               "       coati-load HUB --from ADDR[,ADDR...] --cert FILE --key FILE --ca FILE\n"
               "                  [options]   (main mode with RSA signatures)\n"
               "       coati-load HUB --from ADDR[,ADDR...] --hybrid --ca FILE\n"
               "                  (--users PREFIX | --user NAME) --password PASS [options]\n"
               "  -n N               negotiations (1000)\n"
               "  --window N         at most N unfinished at once (0: all at once, the default)\n"
               "  --p1 LIST          phase-1 offers, comma separated (aes128-sha1-modp1024,\n"
               "                     3des-sha1-modp1024); pre-shared key authentication\n"
               "  --quick            a quick mode after each phase 1 (IDci 10.x.y.z/32)\n"
               "  --unique-ids       negotiation i says ID_FQDN n<i>.load.test instead of\n"
               "                     its address (a hub sees N peers, not 4)\n"
               "  --cert FILE        our certificate: the offers become rsasig, we sign MM5 (our\n"
               "                     ID: its subject) and check each MM6 against --ca\n"
               "  --key FILE         the certificate's RSA key (PEM)\n"
               "  --ca-key FILE      with --cert and --unique-ids: the CA's key (PEM); each\n"
               "                     negotiation gets its own certificate (CN=n<i>.load.test,\n"
               "                     our key), made before the clock starts\n"
               "  --quick-remote NET IDcr of the quick modes (192.168.0.0/16)\n"
               "  --interval MS      retransmission interval (10000, racoon's default)\n"
               "  --counter N        transmissions before giving up (5)\n"
               "  --timeout S        limit for the whole run (120)\n"
               "  --hold-after-mm4 MS  hold every MM5 back until all have MM4, then until\n"
               "                     SIGUSR1 or MS milliseconds\n"
               "  --retries N        start a failed negotiation again, up to N times (0)\n"
               "  --lose-mm6 N       drop the first MM6 of N negotiations (as a lossy network)\n"
               "  --port P           our source port (500); --hub-port P the hub's (500)\n"
               "  --sa-file FILE     write ICOOKIE:RCOOKIE of each ISAKMP SA established\n"
               "  -v                 one line per failure on stderr\n"
               "roadwarrior logins (hybrid_rsa_client, then XAuth and Mode Config pull):\n"
               "  --hybrid           each negotiation is a login; --p1 offers become hybrid\n"
               "                     (default 3des-sha1-modp1024, the seed hub's)\n"
               "  --aggressive       phase 1 in aggressive mode (main mode by default)\n"
               "  --ca FILE          the CA the hub's certificate must chain to (PEM)\n"
               "  --users PREFIX     login i is user PREFIX<i> (distinct users)\n"
               "  --user NAME        every login is user NAME\n"
               "  --password PASS    every user's XAuth password\n"
               "  --quick            a quick mode for the leased address (IDci ADDR/32)\n"
               "  --logins FILE      one line per login: INDEX USER ADDRESS ok|failed\n"
               "                     BEGAN_MS ENDED_MS TOOK_MS, in the order they ended\n");
  return 2;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto comma = s.find(',', start);
    if (comma == std::string::npos)
      comma = s.size();
    if (comma > start)
      out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

void print(const coati::load::load_options& o, const coati::load::load_report& r) {
  if (o.hybrid) {
    std::printf("coati-load: %zu roadwarrior logins against %s from %zu address(es), hybrid %s "
                "+ XAuth + Mode Config%s\n",
                o.count, o.hub.c_str(), o.from.size(),
                o.aggressive ? "aggressive mode" : "main mode", o.quick ? " + quick mode" : "");
    std::printf("  XAuth ok %zu, Mode Config %zu, distinct addresses %zu; "
                "each login took p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
                r.xauth_ok, r.configured, r.addresses, r.p50_ms, r.p99_ms, r.max_ms);
  } else {
    std::printf("coati-load: %zu negotiations against %s from %zu address(es)%s%s\n", o.count,
                o.hub.c_str(), o.from.size(), o.quick ? ", main mode + quick mode" : ", main mode",
                o.cert_file.empty() ? " (pre-shared key)" : " (RSA signatures)");
  }
  std::printf("  phase 1 up %zu, retransmitted %zu, duplicates received %zu, ignored %zu, "
              "strays %zu, informational %zu%s\n",
              r.phase1_up, r.retransmits, r.duplicates, r.ignored, r.strays, r.notifies,
              o.hold_after_mm4 ? (", held " + std::to_string(r.held)).c_str() : "");
  if (o.lose_mm6 > 0)
    std::printf("  MM6 dropped on purpose %zu\n", r.lost);
  for (const auto& [why, n] : r.failures)
    std::printf("  failure x%zu: %s\n", n, why.c_str());
  for (const auto& f : r.failed_cookies)
    std::printf("  FAILED %s\n", f.c_str());
  for (const auto& [why, n] : r.ignored_why)
    std::printf("  ignored x%zu: %s\n", n, why.c_str());
  for (const auto& c : r.cross_wired_samples)
    std::printf("  CROSS-WIRED %s\n", c.c_str());
  double rate = r.seconds > 0 ? static_cast<double>(r.completed) / r.seconds : 0.0;
  auto cpu = coati::load::process_cpu_seconds() - r.setup_cpu_s; // the run's, not the set-up's
  std::printf("RESULT started=%zu completed=%zu failed=%zu cross_wired=%zu retried=%zu "
              "seconds=%.3f per_second=%.1f p50_ms=%.1f p99_ms=%.1f max_ms=%.1f cpu_s=%.3f",
              r.started, r.completed, r.failed, r.cross_wired, r.retried, r.seconds, rate, r.p50_ms,
              r.p99_ms, r.max_ms, cpu);
  if (o.hybrid)
    std::printf(" xauth_ok=%zu configured=%zu addresses=%zu", r.xauth_ok, r.configured,
                r.addresses);
  std::printf("\n");
  std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-')
    return usage();
  coati::load::load_options o;
  o.hub = argv[1];
  std::string offers;
  try {
    for (int i = 2; i < argc; ++i) {
      std::string k = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc)
          throw std::runtime_error(k + " needs a value");
        return argv[++i];
      };
      auto number = [&]() { return std::stoul(value()); };
      if (k == "-n")
        o.count = number();
      else if (k == "--from")
        o.from = split(value());
      else if (k == "--psk")
        o.psk = value();
      else if (k == "--window")
        o.window = number();
      else if (k == "--p1")
        offers = value();
      else if (k == "--quick")
        o.quick = true;
      else if (k == "--unique-ids")
        o.unique_ids = true;
      else if (k == "--quick-remote")
        o.quick_remote = value();
      else if (k == "--interval")
        o.interval = std::chrono::milliseconds{number()};
      else if (k == "--counter")
        o.counter = static_cast<unsigned>(number());
      else if (k == "--timeout")
        o.timeout = std::chrono::seconds{number()};
      else if (k == "--hold-after-mm4") {
        o.hold_after_mm4 = true;
        o.hold_max = std::chrono::milliseconds{number()};
      } else if (k == "--retries")
        o.retries = static_cast<unsigned>(number());
      else if (k == "--lose-mm6")
        o.lose_mm6 = number();
      else if (k == "--port")
        o.local_port = static_cast<std::uint16_t>(number());
      else if (k == "--hub-port")
        o.hub_port = static_cast<std::uint16_t>(number());
      else if (k == "--sa-file")
        o.sa_file = value();
      else if (k == "-v")
        o.verbose = true;
      else if (k == "--hybrid")
        o.hybrid = true;
      else if (k == "--aggressive")
        o.aggressive = true;
      else if (k == "--ca")
        o.ca_file = value();
      else if (k == "--cert")
        o.cert_file = value();
      else if (k == "--ca-key")
        o.ca_key_file = value();
      else if (k == "--key")
        o.key_file = value();
      else if (k == "--users")
        o.user_prefix = value();
      else if (k == "--user")
        o.user = value();
      else if (k == "--password")
        o.password = value();
      else if (k == "--logins")
        o.logins_file = value();
      else
        return usage();
    }
    if (offers.empty())
      offers = o.hybrid ? "3des-sha1-modp1024" : "aes128-sha1-modp1024,3des-sha1-modp1024";
    for (const auto& t : split(offers))
      o.offers.push_back(coati::load::parse_offer(t));
    bool creds = o.hybrid ? !o.ca_file.empty() && (o.user.empty() != o.user_prefix.empty()) &&
                                !o.password.empty()
                 : !o.cert_file.empty() ? !o.key_file.empty() && !o.ca_file.empty()
                                        : !o.psk.empty();
    if (o.from.empty() || !creds || o.offers.empty() || o.count == 0 || o.counter == 0)
      return usage();
    auto r = coati::load::run_load(o);
    print(o, r);
    bool leases = !o.hybrid || r.configured == r.completed;
    return r.completed == r.started && r.failed == 0 && r.cross_wired == 0 && leases ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "coati-load: %s\n", e.what());
    return 2;
  }
}
