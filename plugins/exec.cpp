// exec: runs an external command for each bus event, the event in environment variables.
//
//   load "exec" { command "/usr/local/sbin/on-vpn-event"; max_running 4; queue 256;
//                 timeout 30; events "phase1_up,phase1_down"; };
//
// The command runs through /bin/sh -c with COATI_EVENT, COATI_TIME_MS, COATI_PEER,
// COATI_LOCAL, COATI_ID, COATI_USER, COATI_LEASE, COATI_SPI_IN, COATI_SPI_OUT (0x hex),
// COATI_DETAIL and PATH; stdin, stdout and stderr are /dev/null. At most `max_running`
// commands run at once (default 4), each on its own detached worker actor, never on the
// bus's or the plugin actor's thread; further events wait in a queue of `queue` (default
// 256), and events beyond that are dropped and logged. A command still running after
// `timeout` seconds (default 30) is killed. `events` (default: all) picks the kinds.

#include <cerrno>
#include <csignal>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "actors/plugin_api.hpp"

namespace {

using coati::actors::bus_event;

struct exec_options {
  std::string command;
  unsigned max_running = 4;
  std::size_t queue = 256;
  unsigned timeout = 30;
  std::vector<std::string> events; ///< empty: every kind
  std::function<void(const std::string&)> warn;
};

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

/// Runs the command for one event and waits for it (a worker's whole life).
void run_command(const exec_options& o, const bus_event& e) {
  std::vector<std::string> env = {
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "COATI_EVENT=" + e.kind,
      "COATI_TIME_MS=" + std::to_string(e.time_ms),
      "COATI_PEER=" + e.peer,
      "COATI_LOCAL=" + e.local,
      "COATI_ID=" + e.id,
      "COATI_USER=" + e.user,
      "COATI_LEASE=" + e.lease,
      "COATI_SPI_IN=" + (e.spi_in ? hex32(e.spi_in) : std::string{}),
      "COATI_SPI_OUT=" + (e.spi_out ? hex32(e.spi_out) : std::string{}),
      "COATI_DETAIL=" + e.detail,
  };
  std::vector<char*> envp;
  for (auto& s : env)
    envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string sh = "/bin/sh", dash_c = "-c", cmd = o.command;
  char* argv[] = {sh.data(), dash_c.data(), cmd.data(), nullptr};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  for (int fd : {0, 1, 2})
    posix_spawn_file_actions_addopen(&fa, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0);
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, "/bin/sh", &fa, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    o.warn("cannot run " + o.command + ": " + std::strerror(rc));
    return;
  }
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{o.timeout};
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      o.warn(o.command + " for " + e.kind + " ran longer than " + std::to_string(o.timeout) +
             " s; killed");
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    o.warn(o.command + " for " + e.kind + " failed (status " + std::to_string(status) + ")");
}

/// A detached worker: one command, then it ends (the exec actor watches it).
caf::behavior worker(caf::event_based_actor* self, std::shared_ptr<const exec_options> o,
                     bus_event e) {
  run_command(*o, e);
  self->quit();
  return {};
}

struct exec_state {
  static inline const char* name = "plugin.exec";
  std::shared_ptr<const exec_options> opts;
  std::deque<bus_event> waiting;
  unsigned running = 0;
  std::uint64_t dropped = 0;
};

void start_next(caf::stateful_actor<exec_state>* self) {
  auto& st = self->state;
  while (st.running < st.opts->max_running && !st.waiting.empty()) {
    auto w =
        self->spawn<caf::detached + caf::monitored>(worker, st.opts, std::move(st.waiting.front()));
    st.waiting.pop_front();
    st.running += 1;
  }
}

caf::behavior exec_actor(caf::stateful_actor<exec_state>* self,
                         std::shared_ptr<const exec_options> opts) {
  self->state.opts = std::move(opts);
  self->set_down_handler([self](caf::down_msg&) {
    self->state.running -= 1;
    start_next(self);
  });
  return {
      [self](bus_event& e) {
        auto& st = self->state;
        const auto& kinds = st.opts->events;
        if (!kinds.empty() && std::find(kinds.begin(), kinds.end(), e.kind) == kinds.end())
          return;
        if (st.waiting.size() >= st.opts->queue) {
          if (st.dropped++ % 100 == 0)
            st.opts->warn("queue full (" + std::to_string(st.opts->queue) + "): " + e.kind +
                          " event dropped (" + std::to_string(st.dropped) + " so far)");
          return;
        }
        st.waiting.push_back(std::move(e));
        start_next(self);
      },
  };
}

unsigned number(const coati::plugin::context& ctx, const std::string& key, unsigned fallback,
                unsigned lo, unsigned hi) {
  auto v = ctx.option(key);
  if (v.empty())
    return fallback;
  try {
    std::size_t used = 0;
    auto n = std::stoul(v, &used);
    if (used == v.size() && n >= lo && n <= hi)
      return static_cast<unsigned>(n);
  } catch (const std::exception&) {
  }
  throw std::runtime_error("bad " + key + " \"" + v + "\"; expected " + std::to_string(lo) +
                           " to " + std::to_string(hi));
}

caf::actor start(const coati::plugin::context& ctx) {
  auto o = std::make_shared<exec_options>();
  o->command = ctx.option("command");
  if (o->command.empty())
    throw std::runtime_error("no command option; expected command \"/path/to/program\"");
  o->max_running = number(ctx, "max_running", 4, 1, 64);
  o->queue = number(ctx, "queue", 256, 1, 100000);
  o->timeout = number(ctx, "timeout", 30, 1, 3600);
  auto kinds = ctx.option("events");
  for (std::size_t b = 0; b < kinds.size();) {
    auto e = kinds.find(',', b);
    auto k = kinds.substr(b, e == std::string::npos ? std::string::npos : e - b);
    if (!k.empty())
      o->events.push_back(k);
    b = e == std::string::npos ? kinds.size() : e + 1;
  }
  o->warn = ctx.warn;
  auto a = ctx.system->spawn(exec_actor, std::shared_ptr<const exec_options>{o});
  ctx.subscribe(a);
  ctx.log("runs " + o->command + " per event, at most " + std::to_string(o->max_running) +
          " at once");
  return a;
}

} // namespace

COATI_PLUGIN(start)
