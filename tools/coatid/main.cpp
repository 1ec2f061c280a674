// coatid: the coati IKE daemon. racoon's options where they make sense:
//   -f FILE  configuration (default /etc/racoon/racoon.conf)   -F  stay in the foreground
//   -d       more debug (repeat for more)                      -l LOGFILE  log to a file
//   -p PORT  ISAKMP port (500)    -P PORT  NAT-T port (4500)   -v  verbose   -V  version
//   --check            parse, validate, print the normalized configuration, try loading
//                      the plugins (a required one refused: exit 1), exit
//   --config-root DIR  take the configuration's absolute paths under DIR
// Signals: SIGHUP reloads the configuration, SIGTERM / SIGINT stop every actor (exit 0).

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <unistd.h>

#include <caf/all.hpp>

#include "actors/daemon.hpp"
#include "actors/plugins.hpp"
#include "actors/services.hpp"
#include "actors/support.hpp"
#include "config/config.hpp"
#include "util/log.hpp"

namespace {

struct options {
  std::string file = "/etc/racoon/racoon.conf";
  std::string config_root;
  std::string logfile;
  bool foreground = false;
  bool check = false;
  int debug = 0;
  bool verbose = false;
  std::uint16_t port = 500;
  std::uint16_t natt_port = 4500;
};

int usage(const char* why = nullptr) {
  if (why != nullptr)
    std::cerr << "coatid: " << why << "\n";
  std::cerr << "usage: coatid [-FdvV] [-f FILE] [-l LOGFILE] [-p PORT] [-P NATT_PORT]\n"
               "              [--config-root DIR] [--check]\n";
  return 2;
}

bool parse_port(const char* text, std::uint16_t& out) {
  char* end = nullptr;
  auto v = std::strtoul(text, &end, 10);
  if (end == text || *end != '\0' || v == 0 || v > 65535)
    return false;
  out = static_cast<std::uint16_t>(v);
  return true;
}

/// The log level a configuration and the -d / -v flags ask for.
coati::log::level level_for(const coati::config::configuration& cfg, const options& o) {
  auto lvl = cfg.log ? static_cast<coati::log::level>(*cfg.log) : coati::log::level::info;
  if (o.verbose && lvl < coati::log::level::info)
    lvl = coati::log::level::info;
  if (o.debug == 1 && lvl < coati::log::level::debug)
    lvl = coati::log::level::debug;
  if (o.debug >= 2)
    lvl = coati::log::level::debug2;
  return lvl;
}

struct system_config : caf::actor_system_config {
  system_config() {
    add_message_types<caf::id_block::coati>();
    add_message_types<caf::id_block::coati_auth>();
    add_message_types<caf::id_block::coati_pool>();
    add_message_types<caf::id_block::coati_ddns>();
    add_message_types<caf::id_block::coati_bus>();
    // CAF's work-stealing scheduler lets an idle worker spin (aggressive, then moderate
    // polling with 50 us sleeps) before it waits for work. That spinning was a third of
    // coatid's CPU while it listed and stopped 30,000 SAs (perf: take_tail), and with
    // 100,000 peers a SIGTERM took 41 s and one show-sa 7 s. With idle workers that wait
    // (tools/bench/vs_charon.sh): 0.59 -> 0.55 ms per rsasig negotiation, stop 2.9 s,
    // show-sa 1.9 s. Enqueued work still wakes a worker at once. COATI_CAF_POLLING=1
    // brings CAF's polling back, for comparison.
    if (const char* p = std::getenv("COATI_CAF_POLLING"); p == nullptr || std::atoi(p) == 0) {
      set("work-stealing.aggressive-poll-attempts", std::size_t{0});
      set("work-stealing.moderate-poll-attempts", std::size_t{0});
    }
    // COATI_CAF_WORKERS=N: N scheduler workers instead of CAF's default (one per CPU, at
    // least 4).
    if (const char* w = std::getenv("COATI_CAF_WORKERS"); w != nullptr && std::atoi(w) > 0)
      set("scheduler.max-threads", static_cast<std::size_t>(std::atoi(w)));
  }
};

} // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (a == "-f") {
      auto* v = value();
      if (v == nullptr)
        return usage("-f needs a file");
      o.file = v;
    } else if (a == "--config-root") {
      auto* v = value();
      if (v == nullptr)
        return usage("--config-root needs a folder");
      o.config_root = v;
    } else if (a == "-l") {
      auto* v = value();
      if (v == nullptr)
        return usage("-l needs a file");
      o.logfile = v;
    } else if (a == "-p" || a == "-P") {
      auto* v = value();
      if (v == nullptr || !parse_port(v, a == "-p" ? o.port : o.natt_port))
        return usage("-p / -P need a port number");
    } else if (a == "--check") {
      o.check = true;
    } else if (a.size() > 1 && a[0] == '-' && a[1] != '-') {
      for (char c : a.substr(1)) {
        switch (c) {
        case 'F':
          o.foreground = true;
          break;
        case 'd':
          o.debug += 1;
          break;
        case 'v':
          o.verbose = true;
          break;
        case 'V':
          std::cout << "coatid " << COATI_VERSION << "\n";
          return 0;
        default:
          return usage(("unknown option -" + std::string(1, c)).c_str());
        }
      }
    } else {
      return usage(("unknown argument " + a).c_str());
    }
  }

  coati::config::load_options lo;
  lo.config_root = o.config_root;
  auto loaded = coati::config::load_file(o.file, lo);
  if (!loaded.ok()) {
    std::cerr << loaded.render();
    return 1;
  }
  auto unacted = coati::actors::unacted_settings(*loaded.config);
  if (o.check) {
    std::cerr << loaded.render(); // warnings, if any
    for (const auto& w : unacted)
      std::cerr << o.file << ": warning: " << w << "\n";
    bool refused = false; // a required plugin that coatid could not load: it would not start
    if (loaded.config->plugins)
      for (const auto& p : coati::actors::open_plugins(*loaded.config->plugins))
        if (!p.start) {
          std::cerr << o.file << ": " << (p.required ? "error: required " : "warning: ")
                    << "plugin " << p.name << " refused: " << p.error << "\n";
          refused = refused || p.required;
        }
    std::cout << coati::config::print(*loaded.config);
    return refused ? 1 : 0;
  }

  using coati::log::set_sink;
  using coati::log::sink;
  if (!o.logfile.empty()) {
    if (!set_sink(sink::file_sink, o.logfile)) {
      std::cerr << "coatid: cannot open " << o.logfile << ": " << std::strerror(errno) << "\n";
      return 1;
    }
  } else if (!o.foreground) {
    set_sink(sink::syslog_sink);
  }
  coati::log::set_level(level_for(*loaded.config, o));
  if (!o.foreground && ::daemon(0, 0) != 0) {
    std::cerr << "coatid: cannot go to the background: " << std::strerror(errno) << "\n";
    return 1;
  }
  const auto& pidfile = loaded.config->paths.pidfile;
  if (!pidfile.empty())
    std::ofstream{pidfile} << ::getpid() << "\n";

  // Every thread (CAF's included) inherits this mask; only the signal thread waits.
  sigset_t sigs;
  sigemptyset(&sigs);
  for (int s : {SIGHUP, SIGTERM, SIGINT, SIGPIPE})
    sigaddset(&sigs, s);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  int rc = 0;
  {
    system_config cfg;
    caf::actor_system sys{cfg};
    coati::actors::daemon_options dopts;
    dopts.config_path = o.file;
    dopts.load = [lo](const std::string& path) { return coati::config::load_file(path, lo); };
    dopts.apply = [o](const coati::config::configuration& c) {
      coati::log::set_level(level_for(c, o));
    };
    dopts.ike_port = o.port;
    dopts.natt_port = o.natt_port;
    const char* hooks = std::getenv("COATI_TEST_HOOKS");
    dopts.test_hooks = hooks != nullptr && std::string{hooks} == "1";
    COATI_LOG(notify, "coatid", "coatid ", COATI_VERSION, " starting with ", o.file,
              dopts.test_hooks ? " (test hooks on)" : "");
    for (const auto& w : unacted)
      COATI_LOG(warning, "coatid", w);
    auto d = sys.spawn(coati::actors::daemon, dopts, loaded.config);

    std::atomic<bool> done{false};
    std::thread signals{[&] {
      timespec tick{0, 200'000'000};
      while (!done.load()) {
        int s = ::sigtimedwait(&sigs, nullptr, &tick);
        if (s == SIGHUP) {
          COATI_LOG(notify, "coatid", "SIGHUP: reloading ", o.file);
          caf::anon_send(d, coati::actors::reload_atom_v);
        } else if (s == SIGTERM || s == SIGINT) {
          COATI_LOG(notify, "coatid", s == SIGTERM ? "SIGTERM" : "SIGINT", ": stopping");
          caf::anon_send_exit(d, caf::exit_reason::user_shutdown);
        }
      }
    }};

    caf::error reason;
    {
      caf::scoped_actor self{sys};
      self->monitor(d);
      self->receive([&](caf::down_msg& dm) { reason = dm.reason; });
    }
    d = nullptr;
    sys.await_all_actors_done();
    done = true;
    signals.join();
    rc = reason == caf::exit_reason::user_shutdown ? 0 : 1;
    COATI_LOG(notify, "coatid", "stopped: ", sys.render(reason));
  }
  if (!pidfile.empty())
    ::unlink(pidfile.c_str());
  return rc;
}
