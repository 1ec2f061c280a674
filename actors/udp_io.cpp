#include "actors/udp_io.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <span>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "util/log.hpp"

#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78 // linux/in6.h, Linux 4.15
#endif

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
struct udp_io::impl {
  impl(caf::actor owner, const listener_options& opts) : owner_(std::move(owner)) {
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
    sender_ = std::make_shared<udp_sender>(std::move(socks_));
    if (!sender_->sockets().empty())
      thread_ = std::thread{[this] { run(); }};
  }

  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;

  ~impl() {
    std::uint64_t one = 1;
    if (::write(stop_fd_, &one, sizeof one) < 0)
      COATI_LOG(warning, "listener", "cannot wake the I/O thread: ", std::strerror(errno));
    if (thread_.joinable())
      thread_.join();
    ::close(stop_fd_); // (the sockets close with the last holder of the sender)
  }

  std::size_t bound() const { return sender_->sockets().size(); }

  using sock = udp_sender::sock;

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
    if (natt) {
      // ESP in UDP (RFC 3948) on this port is the kernel's: it decapsulates ESP and eats
      // keepalives; IKE (after the non-ESP marker) still comes to us.
      int encap = UDP_ENCAP_ESPINUDP;
      if (::setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &encap, sizeof encap) != 0)
        COATI_LOG(warning, "listener", "port ", port, ": no UDP_ENCAP (", std::strerror(errno),
                  "): the kernel will not decapsulate ESP in UDP");
    }
    sockaddr_storage ss;
    socklen_t len = to_sockaddr(a, port, ss);
    int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&ss), len);
    if (rc != 0 && errno == EADDRNOTAVAIL && !quiet) {
      // A `listen` address that is not ours (yet): a satellite whose address comes and
      // goes. Bound anyway, it serves once the address is there (a bound socket whose
      // address goes away also stays bound and serves again when it comes back: nothing
      // needs re-binding).
      bool free = v6 ? ::setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &on, sizeof on) == 0
                     : ::setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &on, sizeof on) == 0;
      if (free && (rc = ::bind(fd, reinterpret_cast<sockaddr*>(&ss), len)) == 0)
        COATI_LOG(warning, "listener", a.to_string(),
                  " is not an address of this host (yet): port ", port,
                  " bound anyway, it serves once the address is there");
      else
        errno = EADDRNOTAVAIL;
    }
    if (rc != 0) {
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
    d.from = from_sockaddr(from);
    d.from_port =
        ntohs(from.ss_family == AF_INET6 ? reinterpret_cast<const sockaddr_in6*>(&from)->sin6_port
                                         : reinterpret_cast<const sockaddr_in*>(&from)->sin_port);
    d.to.fam = d.from.fam; // (all zero until the packet info names it)
    for (auto* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        in_pktinfo pi{};
        std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
        d.to.fam = config::ip_address::family::v4;
        std::memcpy(d.to.bytes.data(), &pi.ipi_addr, 4);
      } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
        in6_pktinfo pi{};
        std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
        d.to.fam = config::ip_address::family::v6;
        std::memcpy(d.to.bytes.data(), &pi.ipi6_addr, 16);
      }
    }
    d.bytes.assign(buf.begin(), buf.begin() + n);
    caf::anon_send(owner_, std::move(d));
  }

  void run() {
    std::vector<pollfd> fds;
    fds.push_back(pollfd{stop_fd_, POLLIN, 0});
    const auto& socks = sender_->sockets();
    for (const auto& s : socks)
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
          read_one(socks[i - 1]);
    }
  }

  caf::actor owner_;
  std::vector<std::uint8_t> rbuf_ = std::vector<std::uint8_t>(65536);
  int stop_fd_ = -1;
  std::vector<sock> socks_; ///< (while binding; then the sender's)
  std::shared_ptr<udp_sender> sender_;
  std::thread thread_;
};

udp_io::udp_io(caf::actor owner, const listener_options& opts)
    : impl_(std::make_unique<impl>(std::move(owner), opts)) {}

udp_io::~udp_io() = default;

std::size_t udp_io::bound() const {
  return impl_->bound();
}

std::shared_ptr<const udp_sender> udp_io::sender() const {
  return impl_->sender_;
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

} // namespace coati::actors
