#include "actors/listener.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <poll.h>
#include <span>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "actors/peer.hpp"
#include "actors/setup.hpp"
#include "crypto/random.hpp"
#include "crypto/secret.hpp"
#include "ike/constants.hpp"
#include "ike/message.hpp"
#include "util/log.hpp"

namespace coati::actors {

// ---------------------------------------------------------------- header check

std::string classify(const datagram& d) {
  std::span<const std::uint8_t> b{d.bytes};
  if (d.natt) {
    if (b.size() == 1 && b[0] == 0xff)
      return "natt_keepalive";
    if (b.size() < 4)
      return "dropped.short";
    if (b[0] != 0 || b[1] != 0 || b[2] != 0 || b[3] != 0)
      return "dropped.esp"; // ESP in UDP belongs to the kernel's encap socket
    b = b.subspan(4);       // the non-ESP marker
  }
  if (b.size() < 28)
    return "dropped.short";
  bool zero_icookie = true;
  for (std::size_t i = 0; i < 8; ++i)
    zero_icookie = zero_icookie && b[i] == 0;
  auto major = b[17] >> 4;
  if (major == 2)
    return "dropped.ikev2";
  if (major != 1)
    return "dropped.version";
  std::uint32_t length = (std::uint32_t{b[24]} << 24) | (std::uint32_t{b[25]} << 16) |
                         (std::uint32_t{b[26]} << 8) | std::uint32_t{b[27]};
  if (length != b.size())
    return "dropped.bad_length";
  using ike::exchange_type;
  switch (static_cast<exchange_type>(b[18])) {
  case exchange_type::base:
  case exchange_type::identity_protection:
  case exchange_type::authentication_only:
  case exchange_type::aggressive:
  case exchange_type::informational:
  case exchange_type::transaction:
  case exchange_type::quick:
  case exchange_type::new_group:
    break;
  default:
    return "dropped.exchange";
  }
  if (zero_icookie)
    return "dropped.zero_cookie";
  return "accepted";
}

// ---------------------------------------------------------------- socket addresses

namespace {

/// `a` port `port` as a socket address; gives its length.
socklen_t to_sockaddr(const config::ip_address& a, std::uint16_t port, sockaddr_storage& ss) {
  ss = {};
  if (a.fam == config::ip_address::family::v6) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
    std::memcpy(&s6->sin6_addr, a.bytes.data(), 16);
    return sizeof *s6;
  }
  auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
  s4->sin_family = AF_INET;
  s4->sin_port = htons(port);
  std::memcpy(&s4->sin_addr, a.bytes.data(), 4);
  return sizeof *s4;
}

/// The address of an AF_INET or AF_INET6 socket address.
config::ip_address from_sockaddr(const sockaddr_storage& ss) {
  config::ip_address a;
  if (ss.ss_family == AF_INET6) {
    a.fam = config::ip_address::family::v6;
    std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_addr, 16);
  } else {
    std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in*>(&ss)->sin_addr, 4);
  }
  return a;
}

} // namespace

// ---------------------------------------------------------------- I/O thread

/// The sockets and the thread that reads them; stops when destroyed.
class udp_io {
public:
  udp_io(caf::actor owner, const listener_options& opts) : owner_(std::move(owner)) {
    stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    // Like racoon: without `isakmp` / `isakmp_natt` lines, every address; with them,
    // exactly those.
    if (opts.isakmp.empty() && opts.isakmp_natt.empty()) {
      open_any(opts.ike_port, false);
      open_any(opts.natt_port, true);
    }
    for (const auto& ep : opts.isakmp)
      open_one(ep.addr, ep.port != 0 ? ep.port : opts.ike_port, false);
    for (const auto& ep : opts.isakmp_natt)
      open_one(ep.addr, ep.port != 0 ? ep.port : opts.natt_port, true);
    if (!socks_.empty())
      thread_ = std::thread{[this] { run(); }};
  }

  udp_io(const udp_io&) = delete;
  udp_io& operator=(const udp_io&) = delete;

  ~udp_io() {
    std::uint64_t one = 1;
    if (::write(stop_fd_, &one, sizeof one) < 0)
      COATI_LOG(warning, "listener", "cannot wake the I/O thread: ", std::strerror(errno));
    if (thread_.joinable())
      thread_.join();
    for (auto& s : socks_)
      ::close(s.fd);
    ::close(stop_fd_);
  }

  std::size_t bound() const { return socks_.size(); }

  /// Sends from our address `o.local` and port `o.local_port` (a socket bound to exactly
  /// that address, else a wildcard one with the source set by IP_PKTINFO). Never blocks:
  /// a full socket buffer drops the datagram, and the exchange's retransmission covers it.
  /// Returns "" or why it was not sent.
  std::string send(const outgoing& o) {
    auto local = config::ip_address::parse(o.local);
    auto remote = config::ip_address::parse(o.remote);
    if (!local || !remote)
      return "bad address";
    bool v6 = remote->fam == config::ip_address::family::v6;
    const sock* pick = nullptr;
    for (const auto& s : socks_) {
      if (s.port != o.local_port || s.family != (v6 ? AF_INET6 : AF_INET))
        continue;
      if (s.addr == *local) {
        pick = &s;
        break;
      }
      if (s.any && pick == nullptr)
        pick = &s;
    }
    if (pick == nullptr)
      return "no socket for " + o.local + " port " + std::to_string(o.local_port);
    std::vector<std::uint8_t> wire;
    const std::vector<std::uint8_t>* body = &o.bytes;
    if (o.natt) {
      wire.assign(4, 0);
      wire.insert(wire.end(), o.bytes.begin(), o.bytes.end());
      body = &wire;
    }
    sockaddr_storage ss;
    socklen_t len = to_sockaddr(*remote, o.remote_port, ss);
    alignas(cmsghdr) char control[64] = {};
    msghdr msg{};
    if (v6) {
      if (pick->any) {
        msg.msg_control = control;
        msg.msg_controllen = CMSG_SPACE(sizeof(in6_pktinfo));
        auto* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = IPPROTO_IPV6;
        c->cmsg_type = IPV6_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
        in6_pktinfo pi{};
        std::memcpy(&pi.ipi6_addr, local->bytes.data(), 16);
        std::memcpy(CMSG_DATA(c), &pi, sizeof pi);
      }
    } else {
      if (pick->any) {
        msg.msg_control = control;
        msg.msg_controllen = CMSG_SPACE(sizeof(in_pktinfo));
        auto* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = IPPROTO_IP;
        c->cmsg_type = IP_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
        in_pktinfo pi{};
        std::memcpy(&pi.ipi_spec_dst, local->bytes.data(), 4);
        std::memcpy(CMSG_DATA(c), &pi, sizeof pi);
      }
    }
    iovec iov{const_cast<std::uint8_t*>(body->data()), body->size()};
    msg.msg_name = &ss;
    msg.msg_namelen = len;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (::sendmsg(pick->fd, &msg, MSG_DONTWAIT) < 0)
      return std::string{"sendmsg: "} + std::strerror(errno);
    return {};
  }

private:
  struct sock {
    int fd;
    int family;
    std::uint16_t port;
    bool natt;
    config::ip_address addr;
    bool any;
  };

  void open_any(std::uint16_t port, bool natt) {
    config::ip_address any4;
    open_one(any4, port, natt);
    config::ip_address any6;
    any6.fam = config::ip_address::family::v6;
    open_one(any6, port, natt, true);
  }

  void open_one(const config::ip_address& a, std::uint16_t port, bool natt, bool quiet = false) {
    bool v6 = a.fam == config::ip_address::family::v6;
    int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
      COATI_LOG(error, "listener", "socket: ", std::strerror(errno));
      return;
    }
    int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    // Room for a burst of first messages from thousands of peers (the default ~200 KiB
    // holds a few hundred): FORCE as root, else up to net.core.rmem_max.
    int rcvbuf = 4 << 20;
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0)
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    if (v6) {
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on);
    } else {
      ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
    }
    sockaddr_storage ss;
    socklen_t len = to_sockaddr(a, port, ss);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
      if (quiet)
        COATI_LOG(info, "listener", "not bound to [", a.to_string(), "]:", port, ": ",
                  std::strerror(errno));
      else
        COATI_LOG(error, "listener", "cannot bind ", a.to_string(), " port ", port, ": ",
                  std::strerror(errno));
      ::close(fd);
      return;
    }
    COATI_LOG(notify, "listener", "listening on ", a.to_string(), " port ", port,
              natt ? " (NAT-T)" : "");
    bool any = std::all_of(a.bytes.begin(), a.bytes.end(), [](auto b) { return b == 0; });
    socks_.push_back(sock{fd, v6 ? AF_INET6 : AF_INET, port, natt, a, any});
  }

  static std::string peer_text(const sockaddr_storage& ss) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (ss.ss_family == AF_INET6) {
      const auto* s6 = reinterpret_cast<const sockaddr_in6*>(&ss);
      ::inet_ntop(AF_INET6, &s6->sin6_addr, buf, sizeof buf);
      return std::string{"["} + buf + "]:" + std::to_string(ntohs(s6->sin6_port));
    }
    const auto* s4 = reinterpret_cast<const sockaddr_in*>(&ss);
    ::inet_ntop(AF_INET, &s4->sin_addr, buf, sizeof buf);
    return std::string{buf} + ":" + std::to_string(ntohs(s4->sin_port));
  }

  void read_one(const sock& s) {
    auto& buf = rbuf_; // one 64 KiB buffer; each datagram gets a copy of its own size
    sockaddr_storage from{};
    alignas(cmsghdr) char control[256];
    iovec iov{buf.data(), buf.size()};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    auto n = ::recvmsg(s.fd, &msg, 0);
    if (n < 0)
      return; // EAGAIN or a transient error: poll again
    datagram d;
    d.local_port = s.port;
    d.natt = s.natt;
    d.from = peer_text(from);
    char to[INET6_ADDRSTRLEN] = {};
    for (auto* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        in_pktinfo pi{};
        std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
        ::inet_ntop(AF_INET, &pi.ipi_addr, to, sizeof to);
      } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
        in6_pktinfo pi{};
        std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
        ::inet_ntop(AF_INET6, &pi.ipi6_addr, to, sizeof to);
      }
    }
    d.to = to;
    d.bytes.assign(buf.begin(), buf.begin() + n);
    caf::anon_send(owner_, std::move(d));
  }

  void run() {
    std::vector<pollfd> fds;
    fds.push_back(pollfd{stop_fd_, POLLIN, 0});
    for (const auto& s : socks_)
      fds.push_back(pollfd{s.fd, POLLIN, 0});
    for (;;) {
      if (::poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR)
          continue;
        COATI_LOG(error, "listener", "poll: ", std::strerror(errno));
        return;
      }
      if (fds[0].revents != 0)
        return;
      for (std::size_t i = 1; i < fds.size(); ++i)
        if ((fds[i].revents & POLLIN) != 0)
          read_one(socks_[i - 1]);
    }
  }

  caf::actor owner_;
  std::vector<std::uint8_t> rbuf_ = std::vector<std::uint8_t>(65536);
  int stop_fd_ = -1;
  std::vector<sock> socks_;
  std::thread thread_;
};

// ---------------------------------------------------------------- the actor

namespace {

using listener_actor = listener_api::stateful_base<listener_state>;

/// "192.0.2.1:500" or "[2001:db8::1]:500" -> address and port.
std::optional<std::pair<config::ip_address, std::uint16_t>> split_host_port(const std::string& t) {
  auto colon = t.rfind(':');
  if (colon == std::string::npos)
    return std::nullopt;
  auto host = t.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  auto addr = config::ip_address::parse(host);
  if (!addr)
    return std::nullopt;
  int port = 0;
  try {
    port = std::stoi(t.substr(colon + 1));
  } catch (...) {
    return std::nullopt;
  }
  if (port <= 0 || port > 65535)
    return std::nullopt;
  return std::make_pair(*addr, static_cast<std::uint16_t>(port));
}

/// Our source address towards `to` (the kernel's route choice, by connecting a UDP socket).
std::optional<config::ip_address> source_for(const config::ip_address& to) {
  int fd = ::socket(to.fam == config::ip_address::family::v6 ? AF_INET6 : AF_INET,
                    SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return std::nullopt;
  sockaddr_storage ss;
  socklen_t len = to_sockaddr(to, 500, ss);
  std::optional<config::ip_address> out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0) {
    sockaddr_storage me{};
    socklen_t mlen = sizeof me;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&me), &mlen) == 0)
      out = from_sockaddr(me);
  }
  ::close(fd);
  return out;
}

ike::cookie fresh_cookie(const listener_state& st) {
  ike::cookie c{};
  do
    crypto::random_fill(c);
  while (st.by_cookie.contains(c) || c == ike::cookie{});
  return c;
}

void start_peer(listener_actor* self, peer_args pa, const ike::cookie& icookie) {
  auto& st = self->state;
  pa.snap = st.snap;
  pa.svc = st.svc;
  pa.listener = self;
  peer_entry e;
  e.icookie = icookie;
  e.remote = pa.ends.remote.to_string();
  e.initiator = pa.initiator;
  auto peer = self->spawn<caf::monitored>(peer_actor, std::move(pa));
  st.by_cookie[icookie] = peer;
  st.by_remote.emplace(e.remote, peer.address());
  st.peers[peer.address()] = std::move(e);
}

/// An accepted datagram: to its peer, or a new responder for a first main mode message.
void dispatch(listener_actor* self, datagram& d) {
  auto& st = self->state;
  auto& c = st.counts;
  auto body = isakmp_bytes(d);
  auto h = ike::decode_header(body);
  if (!h) {
    c["dropped.header"] += 1;
    return;
  }
  const auto& hdr = h.value();
  if (auto i = st.by_cookie.find(hdr.icookie); i != st.by_cookie.end()) {
    self->send(i->second, std::move(d));
    return;
  }
  if (hdr.rcookie != ike::cookie{}) {
    c["unknown_cookie"] += 1;
    return;
  }
  bool aggressive = hdr.exchange == ike::exchange_type::aggressive;
  if (hdr.exchange != ike::exchange_type::identity_protection && !aggressive) {
    c["unknown_cookie"] += 1;
    return;
  }
  if (!st.snap.cfg || !st.svc.kernel) {
    c["not_ready"] += 1;
    return;
  }
  auto from = split_host_port(d.from);
  auto to = config::ip_address::parse(d.to);
  if (!from || !to) {
    c["dropped.address"] += 1;
    return;
  }
  auto remote = find_remote(*st.snap.cfg, from->first, from->second);
  if (!remote) {
    c["no_remote"] += 1;
    COATI_LOG(warning, "listener", "no remote block for ", d.from, ": phase 1 refused");
    return;
  }
  const auto& modes = st.snap.cfg->remotes[*remote].exchange_modes;
  auto wanted = aggressive ? config::exchange_mode::aggressive : config::exchange_mode::main;
  if (!modes.empty() && std::find(modes.begin(), modes.end(), wanted) == modes.end()) {
    c["exchange_mode_refused"] += 1;
    COATI_LOG(warning, "listener", d.from, " wants ", aggressive ? "aggressive" : "main",
              " mode, which remote ", st.snap.cfg->remotes[*remote].name, " does not allow");
    return;
  }
  peer_args pa;
  pa.remote = *remote;
  pa.aggressive = aggressive;
  pa.ends.local = *to;
  pa.ends.local_port = d.local_port;
  pa.ends.remote = from->first;
  pa.ends.remote_port = from->second;
  pa.ends.natt = d.natt;
  pa.initiator = false;
  pa.cookie = fresh_cookie(st);
  auto icookie = hdr.icookie;
  pa.first = std::move(d);
  c["peers_started"] += 1;
  start_peer(self, std::move(pa), icookie);
}

std::string connect(listener_actor* self, const std::string& address,
                    const kernel::acquire_event* acquire = nullptr) {
  auto& st = self->state;
  if (!st.snap.cfg || !st.svc.kernel)
    return "error: not ready";
  auto addr = config::ip_address::parse(address);
  if (!addr)
    return "error: not an address: " + address;
  auto text = addr->to_string();
  auto [from, to] = st.by_remote.equal_range(text);
  for (auto i = from; i != to; ++i)
    if (st.peers.at(i->second).initiator)
      return "ok: a negotiation with " + text + " is already under way";
  auto remote = find_remote(*st.snap.cfg, *addr, 0);
  if (!remote)
    return "error: no remote block for " + text;
  const auto& r = st.snap.cfg->remotes[*remote];
  auto local = source_for(*addr);
  if (!local)
    return "error: no route to " + text;
  peer_args pa;
  pa.remote = *remote;
  pa.ends.local = *local;
  pa.ends.local_port = st.ike_port;
  pa.ends.remote = *addr;
  pa.ends.remote_port = r.port != 0 ? r.port : 500;
  pa.initiator = true;
  // As racoon: the remote's first exchange_mode is the one we start.
  pa.aggressive =
      !r.exchange_modes.empty() && r.exchange_modes.front() == config::exchange_mode::aggressive;
  pa.cookie = fresh_cookie(st);
  if (acquire != nullptr) {
    pa.acquire = acquire->sel;
    pa.acquire_ipcomp = acquire->ipcomp;
    pa.acquire_reqid = acquire->reqid;
  }
  auto icookie = pa.cookie;
  start_peer(self, std::move(pa), icookie);
  st.counts["peers_initiated"] += 1;
  return "ok: phase 1 started with " + text;
}

} // namespace

listener_state::listener_state() = default;
listener_state::~listener_state() {
  io.reset(); // stop reading first
  for (const auto& [c, peer] : by_cookie)
    caf::anon_send_exit(peer, caf::exit_reason::user_shutdown);
}

listener_api::behavior_type listener(listener_api::stateful_pointer<listener_state> self,
                                     listener_options opts) {
  self->set_exception_handler(exit_reason_of);
  self->state.ike_port = opts.ike_port;
  self->state.natt_port = opts.natt_port;
  if (opts.bind_sockets) {
    self->state.io = std::make_unique<udp_io>(caf::actor_cast<caf::actor>(self), opts);
    if (self->state.io->bound() == 0) {
      COATI_LOG(error, "listener", "no socket could be bound");
      self->quit(caf::make_error(caf::sec::cannot_open_port));
      return listener_api::behavior_type::make_empty_behavior();
    }
    self->state.counts["sockets"] = static_cast<std::int64_t>(self->state.io->bound());
  }
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    auto i = st.peers.find(dm.source);
    if (i == st.peers.end())
      return;
    auto j = st.by_cookie.find(i->second.icookie);
    if (j != st.by_cookie.end() && j->second.address() == dm.source)
      st.by_cookie.erase(j);
    if (dm.reason && dm.reason != caf::exit_reason::normal &&
        dm.reason != caf::exit_reason::user_shutdown) {
      st.counts["peers_crashed"] += 1;
      COATI_LOG(error, "listener", "peer actor for ", i->second.remote,
                " crashed: ", self->system().render(dm.reason));
    }
    auto [from, to] = st.by_remote.equal_range(i->second.remote);
    for (auto r = from; r != to; ++r)
      if (r->second == dm.source) {
        st.by_remote.erase(r);
        break;
      }
    st.peers.erase(i);
    if (st.stopping && st.peers.empty())
      self->quit(st.stop_reason);
  });
  self->set_exit_handler([self](caf::exit_msg& em) {
    auto& st = self->state;
    if (st.stopping)
      return;
    if (st.peers.empty()) {
      self->quit(em.reason);
      return;
    }
    st.stopping = true;
    st.stop_reason = em.reason;
    for (const auto& [c, peer] : st.by_cookie)
      self->send_exit(peer, caf::exit_reason::user_shutdown);
    self->delayed_send(self, std::chrono::seconds{3}, tick_atom_v);
  });
  return {
      [self](datagram& d) {
        handler_clock::scope timing{self->state.clock};
        auto& c = self->state.counts;
        c["received"] += 1;
        auto verdict = classify(d);
        c[verdict] += 1;
        if (verdict.starts_with("dropped."))
          c["dropped"] += 1;
        if (verdict != "accepted") {
          COATI_LOG(debug, "listener", "from ", d.from, " to ", d.to, " port ", d.local_port, ": ",
                    d.bytes.size(), " bytes, ", verdict);
          return;
        }
        if (self->state.stopping) {
          c["dropped.stopping"] += 1;
          return;
        }
        dispatch(self, d);
      },
      [self](const outgoing& o) {
        handler_clock::scope timing{self->state.clock};
        auto& c = self->state.counts;
        if (!self->state.io) {
          c["send_no_socket"] += 1;
          return;
        }
        auto why = self->state.io->send(o);
        if (why.empty()) {
          c["sent"] += 1;
        } else {
          c["send_failed"] += 1;
          COATI_LOG(warning, "listener", "cannot send to ", o.remote, ": ", why);
        }
      },
      [self](snapshot& snap) {
        handler_clock::scope timing{self->state.clock};
        self->state.snap = std::move(snap);
      },
      [self](services& svc) {
        handler_clock::scope timing{self->state.clock};
        self->state.svc = std::move(svc);
      },
      [self](event_atom, const std::string& what) {
        handler_clock::scope timing{self->state.clock};
        self->state.ike_counts[what] += 1;
      },
      [self](sa_rows_atom, std::vector<std::string>& isakmp, std::vector<std::string>& esp) {
        handler_clock::scope timing{self->state.clock};
        auto sender = self->current_sender();
        if (!sender)
          return;
        auto i = self->state.peers.find(caf::actor_cast<caf::actor_addr>(sender));
        if (i == self->state.peers.end())
          return;
        i->second.isakmp_rows = std::move(isakmp);
        i->second.esp_rows = std::move(esp);
      },
      [self](user_atom, const std::string& user) {
        handler_clock::scope timing{self->state.clock};
        auto i = self->state.peers.find(caf::actor_cast<caf::actor_addr>(self->current_sender()));
        if (i != self->state.peers.end())
          i->second.user = user;
      },
      [self](logout_atom, const std::string& user) -> std::string {
        handler_clock::scope timing{self->state.clock};
        if (user.empty())
          return "error: logout-user needs a user name";
        int n = 0;
        for (const auto& [addr, e] : self->state.peers)
          if (e.user == user)
            if (auto h = caf::actor_cast<caf::actor>(addr)) {
              self->send_exit(h, caf::exit_reason::user_shutdown);
              ++n;
            }
        self->state.counts["logouts"] += n;
        if (n == 0)
          return "error: no ISAKMP-SA of user " + user;
        COATI_LOG(notify, "listener", "logout-user ", user, ": ending ", n, " ISAKMP-SA(s)");
        return "ok: " + std::to_string(n) + " ISAKMP-SA(s) of " + user + " ended";
      },
      [self](initial_contact_atom, const std::string& remote) {
        handler_clock::scope timing{self->state.clock};
        auto sender = caf::actor_cast<caf::actor_addr>(self->current_sender());
        auto [from, to] = self->state.by_remote.equal_range(remote);
        for (auto i = from; i != to; ++i) {
          if (i->second == sender)
            continue;
          if (auto h = caf::actor_cast<caf::actor>(i->second)) {
            COATI_LOG(notify, "listener", "INITIAL-CONTACT from ", remote,
                      ": removing an older ISAKMP-SA and its IPsec-SAs");
            self->state.counts["initial_contact_purged"] += 1;
            self->send_exit(h, caf::exit_reason::user_shutdown);
          }
        }
      },
      [self](const kernel_event& ke) {
        handler_clock::scope timing{self->state.clock};
        const auto* acq = ke.ev ? std::get_if<kernel::acquire_event>(ke.ev.get()) : nullptr;
        if (acq == nullptr)
          return; // EXPIRE: each child keeps its own lifetimes
        auto& st = self->state;
        st.counts["acquires"] += 1;
        auto dst = acq->dst.to_string();
        auto [from, to] = st.by_remote.equal_range(dst);
        for (auto i = from; i != to; ++i)
          if (auto h = caf::actor_cast<peer_api>(i->second)) {
            self->send(h, ke);
            return;
          }
        auto res = connect(self, dst, acq);
        COATI_LOG(info, "listener", "ACQUIRE for ", acq->sel.src.to_string(), "/",
                  int{acq->sel.src_prefix}, " -> ", acq->sel.dst.to_string(), "/",
                  int{acq->sel.dst_prefix}, ": ", res);
      },
      [self](connect_atom, const std::string& address) {
        handler_clock::scope timing{self->state.clock};
        return connect(self, address);
      },
      [self](show_sa_atom, const std::string& kind) {
        handler_clock::scope timing{self->state.clock};
        std::string out;
        for (const auto& [addr, e] : self->state.peers) {
          if (kind != "esp" && kind != "ipsec")
            for (const auto& r : e.isakmp_rows)
              out += r + "\n";
          if (kind != "isakmp")
            for (const auto& r : e.esp_rows)
              out += r + "\n";
        }
        return out;
      },
      [self](status_atom) {
        handler_clock::scope timing{self->state.clock};
        counters out;
        for (const auto& [k, v] : self->state.counts)
          out.values["listener." + k] = v;
        for (const auto& [k, v] : self->state.ike_counts)
          out.values["ike." + k] = v;
        out.values["listener.peers"] = static_cast<std::int64_t>(self->state.peers.size());
        self->state.clock.add_to(out, "listener", mailbox_depth(self));
        return out;
      },
      [self](tick_atom) { // the peers did not all end in time
        if (self->state.stopping)
          self->quit(self->state.stop_reason);
      },
      [self](crash_atom, const std::string& which) {
        // Test hook: crash one peer actor ("peer": the first; "peer:ICOOKIE": that one).
        handler_clock::scope timing{self->state.clock};
        auto want = which.size() > 5 ? which.substr(5) : std::string{};
        for (const auto& [c, peer] : self->state.by_cookie)
          if (want.empty() || crypto::to_hex(c) == want) {
            COATI_LOG(warning, "listener", "test hook: crashing the peer actor of ",
                      crypto::to_hex(c));
            self->send(peer, crash_atom_v);
            return;
          }
      },
      [self](crash_atom) {
        COATI_LOG(warning, "listener", "test hook: crashing on request");
        throw std::runtime_error("listener: test crash requested");
      },
  };
}

} // namespace coati::actors
