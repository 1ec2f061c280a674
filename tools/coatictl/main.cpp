// coatictl: talks to coatid's admin socket (protocol in actors/admin.hpp).
//   coatictl [-s SOCKET] status [--json]
//   coatictl [-s SOCKET] stats [--json]
//   coatictl [-s SOCKET] top [-i SECONDS] [-n COUNT] [--json]
//   coatictl [-s SOCKET] reload-config | rc
//   coatictl [-s SOCKET] show-sa | ss [isakmp|esp|ipsec]
//   coatictl [-s SOCKET] vpn-connect | vc ADDRESS
// racoonctl's other verbs are recognised and answered "not implemented yet".

#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

#include "actors/admin.hpp"
#include "tools/coatictl/kinds.hpp"

namespace {

constexpr const char* default_socket = "/var/racoon/racoon.sock";

/// racoonctl's verbs with their short forms; coati does not do these yet.
const std::map<std::string, std::string> racoonctl_verbs = {
    {"show-schedule", "sc"}, {"flush-sa", "fs"},     {"delete-sa", "ds"},
    {"delete-all-sa", "da"}, {"establish-sa", "es"}, {"vpn-disconnect", "vd"},
    {"show-event", "se"},
};

int usage() {
  std::cerr << "usage: coatictl [-s SOCKET] COMMAND [--json]\n"
               "commands:\n"
               "  status [--json]       the daemon's state (configuration generation, reloads)\n"
               "  stats [--json]        every actor's counters, then each actor kind's figures\n"
               "                        (count, messages, mailbox depth, handling time)\n"
               "  top [-i SECONDS] [-n COUNT] [--json]\n"
               "                        the busiest actor kinds, refreshed every SECONDS (1)\n"
               "                        COUNT times (0: until interrupted)\n"
               "  reload-config | rc    re-read the configuration file (like SIGHUP)\n"
               "  show-sa | ss [isakmp|esp|ipsec]\n"
               "                        the ISAKMP-SAs and IPsec-SAs coatid holds\n"
               "  vpn-connect | vc ADDRESS\n"
               "                        start phase 1 with ADDRESS (a configured remote)\n"
               "  logout-user | lu USER end USER's ISAKMP-SAs (and IPsec-SAs); frees the lease\n"
               "  show-pool             the Mode Config address pool: who holds what\n"
               "  show-users            logged-in users: groups, address, DNS name, since when\n"
               "  plugins               the plugin actors: running, restarts, dropped, refused\n"
               "racoonctl's verbs (show-sa, flush-sa, delete-sa, establish-sa, vpn-connect,\n"
               "vpn-disconnect, logout-user, show-event, ...) are accepted; most are not\n"
               "implemented yet.\n";
  return 2;
}

/// Sends one request, returns the answer; exits on connection errors.
std::string ask(const std::string& path, const std::string& request) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (fd < 0 || path.size() >= sizeof sa.sun_path) {
    std::cerr << "coatictl: bad socket path " << path << "\n";
    std::exit(1);
  }
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    std::cerr << "coatictl: cannot connect to " << path << ": " << std::strerror(errno) << "\n";
    std::exit(1);
  }
  std::string answer;
  if (!coati::actors::write_frame(fd, request) || !coati::actors::read_frame(fd, answer)) {
    std::cerr << "coatictl: no answer from " << path << "\n";
    std::exit(1);
  }
  ::close(fd);
  return answer;
}

/// Splits "key value" lines.
std::vector<std::pair<std::string, std::string>> pairs(const std::string& body) {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in{body};
  std::string line;
  while (std::getline(in, line)) {
    auto sp = line.find(' ');
    if (sp != std::string::npos)
      out.emplace_back(line.substr(0, sp), line.substr(sp + 1));
  }
  return out;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

void print_json(const std::vector<std::pair<std::string, std::string>>& kv) {
  std::cout << "{";
  for (std::size_t i = 0; i < kv.size(); ++i)
    std::cout << (i == 0 ? "\n  " : ",\n  ") << json_string(kv[i].first) << ": " << kv[i].second;
  std::cout << "\n}\n";
}

/// A table: ACTOR COUNTER VALUE, the actor being the key's first component.
void print_table(const std::vector<std::pair<std::string, std::string>>& kv) {
  std::size_t w1 = 5, w2 = 7;
  for (const auto& [k, v] : kv) {
    auto dot = k.find('.');
    w1 = std::max(w1, dot == std::string::npos ? k.size() : dot);
    w2 = std::max(w2, dot == std::string::npos ? 0 : k.size() - dot - 1);
  }
  std::printf("%-*s  %-*s  %s\n", static_cast<int>(w1), "ACTOR", static_cast<int>(w2), "COUNTER",
              "VALUE");
  for (const auto& [k, v] : kv) {
    auto dot = k.find('.');
    auto actor = dot == std::string::npos ? k : k.substr(0, dot);
    auto name = dot == std::string::npos ? std::string{} : k.substr(dot + 1);
    std::printf("%-*s  %-*s  %s\n", static_cast<int>(w1), actor.c_str(), static_cast<int>(w2),
                name.c_str(), v.c_str());
  }
}

} // namespace

int main(int argc, char** argv) {
  // A reader that stops early (`coatictl stats | grep -q ...`) is not an error of ours:
  // without this, the rest of the output would kill us with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  std::string sock = default_socket;
  std::vector<std::string> args;
  bool json = false;
  double interval = 1.0;
  unsigned iterations = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-s" && i + 1 < argc)
      sock = argv[++i];
    else if ((a == "-i" || a == "-n") && i + 1 < argc) {
      char* end = nullptr;
      auto v = std::strtod(argv[++i], &end);
      if (end == argv[i] || *end != '\0' || v < 0 || (a == "-i" && v < 0.1)) {
        std::cerr << "coatictl: " << a << " needs a number"
                  << (a == "-i" ? " of seconds >= 0.1" : "") << ", not '" << argv[i] << "'\n";
        return 2;
      }
      if (a == "-i")
        interval = v;
      else
        iterations = static_cast<unsigned>(v);
    } else if (a == "--json")
      json = true;
    else if (a == "-d" || a == "-l" || a == "-ll")
      continue; // racoonctl's debug / long-listing flags: nothing to change here yet
    else if (a == "-h" || a == "--help")
      return usage();
    else
      args.push_back(a);
  }
  if (args.empty())
    return usage();
  auto verb = args[0];
  if (verb == "rc")
    verb = "reload-config";
  if (verb == "ss")
    verb = "show-sa";
  if (verb == "vc")
    verb = "vpn-connect";
  if (verb == "lu")
    verb = "logout-user";
  if (verb == "logout-user" && args.size() != 2) {
    std::cerr << "coatictl: logout-user needs one USER\n";
    return 2;
  }
  if (verb == "vpn-connect" && args.size() != 2) {
    std::cerr << "coatictl: vpn-connect needs one ADDRESS\n";
    return 2;
  }
  std::string request = verb;
  if ((verb == "debug-crash" || verb == "show-sa" || verb == "vpn-connect" ||
       verb == "logout-user") &&
      args.size() > 1)
    request += " " + args[1];
  if (verb != "status" && verb != "stats" && verb != "reload-config" && verb != "debug-crash" &&
      verb != "show-sa" && verb != "vpn-connect" && verb != "logout-user" && verb != "show-pool" &&
      verb != "show-users" && verb != "plugins" && verb != "top") {
    for (const auto& [name, short_name] : racoonctl_verbs)
      if (verb == name || verb == short_name) {
        std::cerr << "coatictl: '" << name << "' is not implemented yet\n";
        return 3;
      }
    std::cerr << "coatictl: unknown command '" << verb << "'\n";
    return usage();
  }
  if (verb == "top") {
    auto fetch = [&sock] {
      auto answer = ask(sock, "stats");
      auto nl = answer.find('\n');
      if (answer.substr(0, nl) != "ok") {
        std::cerr << "coatictl: stats failed:\n"
                  << (nl == std::string::npos ? "" : answer.substr(nl + 1));
        std::exit(1);
      }
      return pairs(nl == std::string::npos ? std::string{} : answer.substr(nl + 1));
    };
    return coati::ctl::top(fetch, interval, iterations, json);
  }
  auto answer = ask(sock, request);
  auto nl = answer.find('\n');
  auto head = answer.substr(0, nl);
  auto body = nl == std::string::npos ? std::string{} : answer.substr(nl + 1);
  if (head != "ok") {
    std::cerr << "coatictl: " << verb << " failed:\n" << body;
    return 1;
  }
  if (verb == "status" || verb == "stats") {
    auto kv = pairs(body);
    if (json) {
      print_json(kv);
    } else if (verb == "stats") {
      coati::ctl::key_values counters;
      for (const auto& p : kv)
        if (!p.first.starts_with("actors."))
          counters.push_back(p);
      print_table(counters);
      std::printf("\n");
      coati::ctl::print_kinds(coati::ctl::kinds_of(kv));
    } else {
      print_table(kv);
    }
  } else {
    std::cout << body;
  }
  return 0;
}
