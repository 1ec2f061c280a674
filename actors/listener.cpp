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

#include "ike/constants.hpp"
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

private:
  struct sock {
    int fd;
    int family;
    std::uint16_t port;
    bool natt;
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
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (v6) {
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on);
      auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
      s6->sin6_family = AF_INET6;
      s6->sin6_port = htons(port);
      std::memcpy(&s6->sin6_addr, a.bytes.data(), 16);
      len = sizeof *s6;
    } else {
      ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
      auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
      s4->sin_family = AF_INET;
      s4->sin_port = htons(port);
      std::memcpy(&s4->sin_addr, a.bytes.data(), 4);
      len = sizeof *s4;
    }
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
    socks_.push_back(sock{fd, v6 ? AF_INET6 : AF_INET, port, natt});
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
    std::vector<std::uint8_t> buf(65536);
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
    buf.resize(static_cast<std::size_t>(n));
    d.bytes = std::move(buf);
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
  int stop_fd_ = -1;
  std::vector<sock> socks_;
  std::thread thread_;
};

// ---------------------------------------------------------------- the actor

listener_state::listener_state() = default;
listener_state::~listener_state() = default;

caf::behavior listener(caf::stateful_actor<listener_state>* self, listener_options opts) {
  self->set_exception_handler(exit_reason_of);
  if (opts.bind_sockets) {
    self->state.io = std::make_unique<udp_io>(caf::actor_cast<caf::actor>(self), opts);
    if (self->state.io->bound() == 0) {
      COATI_LOG(error, "listener", "no socket could be bound");
      self->quit(caf::make_error(caf::sec::cannot_open_port));
      return {};
    }
    self->state.counts["sockets"] = static_cast<std::int64_t>(self->state.io->bound());
  }
  return {
      [self](datagram& d) {
        handler_clock::scope timing{self->state.clock};
        auto& c = self->state.counts;
        c["received"] += 1;
        auto verdict = classify(d);
        c[verdict] += 1;
        if (verdict.starts_with("dropped."))
          c["dropped"] += 1;
        if (verdict != "accepted")
          COATI_LOG(debug, "listener", "from ", d.from, " to ", d.to, " port ", d.local_port, ": ",
                    d.bytes.size(), " bytes, ", verdict);
      },
      [self](status_atom) {
        handler_clock::scope timing{self->state.clock};
        counters out;
        for (const auto& [k, v] : self->state.counts)
          out.values["listener." + k] = v;
        self->state.clock.add_to(out, "listener", mailbox_depth(self));
        return out;
      },
      [self](crash_atom) {
        COATI_LOG(warning, "listener", "test hook: crashing on request");
        throw std::runtime_error("listener: test crash requested");
      },
  };
}

} // namespace coati::actors
