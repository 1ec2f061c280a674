#include "actors/admin.hpp"
#include "actors/bus.hpp"
#include "actors/ddns.hpp"
#include "actors/pool.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <grp.h>
#include <map>
#include <poll.h>
#include <pwd.h>
#include <sstream>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

#include "util/log.hpp"

namespace coati::actors {

namespace {

constexpr std::uint32_t max_request = 1U << 16; ///< a command line

/// Moves exactly `n` bytes through `io` (a read or a send on `fd`), again after a signal;
/// false when the other end went away or an error came first.
template <class Byte, class Io>
bool transfer_all(int fd, Byte* p, std::size_t n, Io io) {
  while (n > 0) {
    auto r = io(fd, p, n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

bool read_all(int fd, void* buf, std::size_t n) {
  return transfer_all(fd, static_cast<char*>(buf), n,
                      [](int f, char* p, std::size_t k) { return ::read(f, p, k); });
}

bool write_all(int fd, const void* buf, std::size_t n) {
  return transfer_all(
      fd, static_cast<const char*>(buf), n,
      [](int f, const char* p, std::size_t k) { return ::send(f, p, k, MSG_NOSIGNAL); });
}

std::string render(const counters& c) {
  std::string out;
  for (const auto& [k, v] : c.values)
    out += k + " " + std::to_string(v) + "\n";
  return out;
}

long parse_id(const std::string& s, bool user) {
  if (s.empty())
    return -1;
  if (s.find_first_not_of("0123456789") == std::string::npos)
    return std::stol(s);
  if (user) {
    auto* pw = ::getpwnam(s.c_str());
    return pw != nullptr ? static_cast<long>(pw->pw_uid) : -2;
  }
  auto* gr = ::getgrnam(s.c_str());
  return gr != nullptr ? static_cast<long>(gr->gr_gid) : -2;
}

} // namespace

bool read_frame(int fd, std::string& out, std::uint32_t max_frame) {
  unsigned char len[4];
  if (!read_all(fd, len, 4))
    return false;
  std::uint32_t n = (std::uint32_t{len[0]} << 24) | (std::uint32_t{len[1]} << 16) |
                    (std::uint32_t{len[2]} << 8) | std::uint32_t{len[3]};
  if (n > max_frame)
    return false;
  out.resize(n);
  return n == 0 || read_all(fd, out.data(), n);
}

bool write_frame(int fd, const std::string& body) {
  auto n = static_cast<std::uint32_t>(body.size());
  unsigned char len[4] = {static_cast<unsigned char>(n >> 24), static_cast<unsigned char>(n >> 16),
                          static_cast<unsigned char>(n >> 8), static_cast<unsigned char>(n)};
  return write_all(fd, len, 4) && write_all(fd, body.data(), body.size());
}

/// The listening socket and the thread that serves it.
class admin_server {
public:
  admin_server(caf::actor_system& sys, caf::actor daemon, admin_options opts)
      : sys_(sys), daemon_(std::move(daemon)), opts_(std::move(opts)) {}

  admin_server(const admin_server&) = delete;
  admin_server& operator=(const admin_server&) = delete;

  /// Makes the socket; false (logged) when it cannot.
  bool open() {
    namespace fs = std::filesystem;
    std::error_code ec;
    auto parent = fs::path{opts_.path}.parent_path();
    if (!parent.empty())
      fs::create_directories(parent, ec);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (opts_.path.size() >= sizeof sa.sun_path) {
      COATI_LOG(error, "admin", "socket path too long: ", opts_.path);
      return false;
    }
    std::memcpy(sa.sun_path, opts_.path.c_str(), opts_.path.size() + 1);
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0)
      return false;
    ::unlink(opts_.path.c_str()); // a stale socket of an earlier run
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd_, 16) != 0) {
      COATI_LOG(error, "admin", "cannot make ", opts_.path, ": ", std::strerror(errno));
      return false;
    }
    bound_ = true;
    ::chmod(opts_.path.c_str(), opts_.mode);
    auto uid = parse_id(opts_.owner, true);
    auto gid = parse_id(opts_.group, false);
    if (uid == -2 || gid == -2)
      COATI_LOG(warning, "admin", "unknown owner or group for ", opts_.path);
    if (uid >= 0 || gid >= 0)
      if (::chown(opts_.path.c_str(), static_cast<uid_t>(uid), static_cast<gid_t>(gid)) != 0)
        COATI_LOG(warning, "admin", "chown ", opts_.path, ": ", std::strerror(errno));
    stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
    thread_ = std::thread{[this] { run(); }};
    COATI_LOG(notify, "admin", "control socket ", opts_.path);
    return true;
  }

  ~admin_server() {
    if (stop_fd_ >= 0) {
      std::uint64_t one = 1;
      if (::write(stop_fd_, &one, sizeof one) < 0)
        COATI_LOG(warning, "admin", "cannot wake the server thread");
    }
    if (thread_.joinable())
      thread_.join();
    if (fd_ >= 0)
      ::close(fd_);
    if (stop_fd_ >= 0)
      ::close(stop_fd_);
    if (bound_)
      ::unlink(opts_.path.c_str());
  }

  std::atomic<std::int64_t> connections{0};
  std::atomic<std::int64_t> requests{0};
  std::atomic<std::int64_t> errors{0};

private:
  void run() {
    pollfd fds[2] = {{stop_fd_, POLLIN, 0}, {fd_, POLLIN, 0}};
    for (;;) {
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR)
          continue;
        return;
      }
      if (fds[0].revents != 0)
        return;
      if ((fds[1].revents & POLLIN) == 0)
        continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0)
        continue;
      connections += 1;
      timeval tv{5, 0};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      ::setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      std::string req;
      while (read_frame(c, req, max_request)) {
        requests += 1;
        auto answer = serve(req);
        if (answer.starts_with("error"))
          errors += 1;
        if (!write_frame(c, answer))
          break;
      }
      ::close(c);
    }
  }

  /// Asks the daemon and makes its answer a reply: `format(answer)`, or "error" with
  /// CAF's reason when no answer came (a timeout among them). `format` takes the answer's
  /// type by reference, which picks the handler.
  template <class Format, class... Ts>
  std::string ask(caf::scoped_actor& s, std::chrono::seconds timeout, Format format, Ts... xs) {
    using answer = std::remove_cvref_t<
        caf::detail::tl_head_t<typename caf::detail::get_callable_trait<Format>::arg_types>>;
    std::string out;
    s->request(daemon_, timeout, std::move(xs)...)
        .receive([&](answer& a) { out = format(a); },
                 [&](caf::error& e) { out = "error\n" + sys_.render(e) + "\n"; });
    return out;
  }

  /// A text answer: "error: why" is an error, anything else the reply's body.
  static std::string text_reply(std::string& text) {
    if (text.starts_with("error: "))
      return "error\n" + text.substr(7) + "\n";
    return "ok\n" + text + (text.empty() || text.back() == '\n' ? "" : "\n");
  }

  /// `show-users`: one line per logged-in user (a lease with holders), from the pool's
  /// rows, with the user's DNS name and its state from the ddns actor when there is one.
  std::string show_users(caf::scoped_actor& s) {
    std::string error;
    lease_rows leases;
    s->request(daemon_, std::chrono::seconds{5}, show_pool_atom_v)
        .receive([&](lease_rows& rows) { leases = std::move(rows); },
                 [&](caf::error& e) { error = sys_.render(e); });
    if (!error.empty())
      return "error\n" + error + "\n";
    std::map<std::string, ddns_row> names; // by user
    s->request(daemon_, std::chrono::seconds{5}, show_ddns_atom_v)
        .receive(
            [&](ddns_rows& rows) {
              for (auto& r : rows.rows)
                names[r.user] = std::move(r);
            },
            [&](caf::error&) {}); // no ddns block: no DNS column
    auto now = std::chrono::system_clock::now();
    std::string out = "ok\n";
    for (const auto& r : leases.rows) {
      if (r.holders <= 0)
        continue;
      std::string groups;
      for (const auto& g : r.groups)
        groups += (groups.empty() ? "" : ",") + g;
      auto since = std::chrono::system_clock::to_time_t(now - std::chrono::seconds{r.seconds});
      std::tm tm{};
      ::gmtime_r(&since, &tm);
      char when[32];
      std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
      out += "user=\"" + r.user + "\" groups=" + (groups.empty() ? "-" : groups) +
             " address=" + r.address;
      if (auto n = names.find(r.user); n != names.end())
        out += " dns=" + n->second.name + " dns_state=" + n->second.state;
      out += " since=" + std::string{when} + " seconds=" + std::to_string(r.seconds) +
             " sessions=" + std::to_string(r.holders) + "\n";
    }
    return out;
  }

  std::string serve(const std::string& req) {
    std::istringstream words{req};
    std::string verb, arg;
    words >> verb >> arg;
    COATI_LOG(debug, "admin", "request: ", verb);
    caf::scoped_actor s{sys_};
    auto counters_reply = [](counters& c) { return "ok\n" + render(c); };
    if (verb == "status")
      return ask(s, std::chrono::seconds{5}, counters_reply, status_atom_v);
    if (verb == "stats")
      return ask(s, std::chrono::seconds{5}, counters_reply, stats_atom_v);
    if (verb == "reload-config")
      return ask(
          s, std::chrono::seconds{30},
          [](reload_result& r) {
            return (r.ok ? "ok\n" : "error\n") + r.message + "\ngeneration " +
                   std::to_string(r.generation) + "\n";
          },
          reload_atom_v);
    if (verb == "show-sa") { // every peer is asked: a hub of 100,000 takes seconds
      if (!arg.empty() && arg != "isakmp" && arg != "esp" && arg != "ipsec")
        return "error\nshow-sa: unknown SA class '" + arg + "' (isakmp, esp or ipsec)\n";
      return ask(s, std::chrono::seconds{60}, text_reply, show_sa_atom_v, arg);
    }
    if (verb == "vpn-connect")
      return ask(s, std::chrono::seconds{5}, text_reply, connect_atom_v, arg);
    if (verb == "logout-user")
      return ask(s, std::chrono::seconds{5}, text_reply, logout_atom_v, arg);
    if (verb == "show-pool")
      return ask(
          s, std::chrono::seconds{5},
          [](lease_rows& rows) {
            std::string out = "ok\n";
            for (const auto& r : rows.rows)
              out += r.address + " " + (r.user.empty() ? "-" : r.user) +
                     (r.holders > 0 ? " leased holders=" + std::to_string(r.holders)
                                    : std::string{" reserved"}) +
                     " seconds=" + std::to_string(r.seconds) + "\n";
            return out;
          },
          show_pool_atom_v);
    if (verb == "plugins")
      return ask(
          s, std::chrono::seconds{5},
          [](plugin_rows& rows) {
            std::string out = "ok\n";
            for (const auto& r : rows.rows)
              out += r + "\n";
            return out;
          },
          plugins_atom_v);
    if (verb == "show-users")
      return show_users(s);
    if (verb == "debug-crash") {
      if (!opts_.test_hooks)
        return "error\ntest hooks are off (start coatid with COATI_TEST_HOOKS=1)\n";
      return ask(
          s, std::chrono::seconds{5},
          [&arg](bool& ok) {
            return ok ? "ok\ncrash sent to " + arg + "\n" : "error\nno child named " + arg + "\n";
          },
          crash_atom_v, arg);
    }
    return "error\nunknown command: " + verb + "\n";
  }

  caf::actor_system& sys_;
  caf::actor daemon_;
  admin_options opts_;
  int fd_ = -1;
  int stop_fd_ = -1;
  bool bound_ = false;
  std::thread thread_;
};

admin_state::admin_state() = default;
admin_state::~admin_state() = default;

caf::behavior admin(caf::stateful_actor<admin_state>* self, caf::actor daemon, admin_options opts) {
  self->state.server =
      std::make_unique<admin_server>(self->system(), std::move(daemon), std::move(opts));
  if (!self->state.server->open()) {
    self->quit(caf::make_error(caf::sec::cannot_open_port));
    return {};
  }
  return {
      [self](status_atom) {
        handler_clock::scope timing{self};
        counters out;
        auto& srv = *self->state.server;
        out.values["admin.connections"] = srv.connections.load();
        out.values["admin.requests"] = srv.requests.load();
        out.values["admin.errors"] = srv.errors.load();
        self->state.clock.add_to(out, "admin", mailbox_depth(self));
        return out;
      },
      [](crash_atom) -> counters { throw std::runtime_error("admin: test crash requested"); },
  };
}

} // namespace coati::actors
