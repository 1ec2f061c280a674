// coati-load: many simultaneous IKEv1 main mode (+ quick mode) negotiations against one
// responder (a coatid hub), from one process. Prints what happened and one RESULT line:
//   RESULT started=N completed=N failed=N cross_wired=N retried=N seconds=S per_second=R
// Exit status 0 only when every negotiation completed and no reply was cross-wired.

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "tools/load/driver.hpp"

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: coati-load HUB --from ADDR[,ADDR...] --psk KEY [options]\n"
               "  -n N               negotiations (1000)\n"
               "  --window N         at most N unfinished at once (0: all at once, the default)\n"
               "  --p1 LIST          phase-1 offers, comma separated (aes128-sha1-modp1024,\n"
               "                     3des-sha1-modp1024); pre-shared key authentication\n"
               "  --quick            a quick mode after each phase 1 (IDci 10.x.y.z/32)\n"
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
               "  -v                 one line per failure on stderr\n");
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
  std::printf("coati-load: %zu negotiations against %s from %zu address(es)%s\n", o.count,
              o.hub.c_str(), o.from.size(), o.quick ? ", main mode + quick mode" : ", main mode");
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
  std::printf("RESULT started=%zu completed=%zu failed=%zu cross_wired=%zu retried=%zu "
              "seconds=%.3f per_second=%.1f\n",
              r.started, r.completed, r.failed, r.cross_wired, r.retried, r.seconds, rate);
  std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-')
    return usage();
  coati::load::load_options o;
  o.hub = argv[1];
  std::string offers = "aes128-sha1-modp1024,3des-sha1-modp1024";
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
      else
        return usage();
    }
    for (const auto& t : split(offers))
      o.offers.push_back(coati::load::parse_offer(t));
    if (o.from.empty() || o.psk.empty() || o.offers.empty() || o.count == 0 || o.counter == 0)
      return usage();
    auto r = coati::load::run_load(o);
    print(o, r);
    return r.completed == r.started && r.failed == 0 && r.cross_wired == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "coati-load: %s\n", e.what());
    return 2;
  }
}
