#include "actors/udp_sender.hpp"

#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <unistd.h>

namespace coati::actors {

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

namespace {

/// A wildcard socket sends from the address named in the packet info (IP_PKTINFO or
/// IPV6_PKTINFO) of the message's control data.
template <class Info>
void set_source(msghdr& msg, char* control, int level, int type, const Info& pi) {
  msg.msg_control = control;
  msg.msg_controllen = CMSG_SPACE(sizeof(Info));
  auto* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = level;
  c->cmsg_type = type;
  c->cmsg_len = CMSG_LEN(sizeof(Info));
  std::memcpy(CMSG_DATA(c), &pi, sizeof pi);
}

} // namespace

udp_sender::~udp_sender() {
  for (auto& s : socks_)
    ::close(s.fd);
}

std::string udp_sender::send(const outgoing& o) const {
  auto why = send_one(o);
  (why.empty() ? sent_ : failed_).fetch_add(1, std::memory_order_relaxed);
  return why;
}

std::string udp_sender::send_one(const outgoing& o) const {
  const auto* local = &o.local;
  const auto* remote = &o.remote;
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
    return "no socket for " + o.local.to_string() + " port " + std::to_string(o.local_port);
  sockaddr_storage ss;
  socklen_t len = to_sockaddr(*remote, o.remote_port, ss);
  alignas(cmsghdr) char control[64] = {};
  msghdr msg{};
  if (pick->any && v6) {
    in6_pktinfo pi{};
    std::memcpy(&pi.ipi6_addr, local->bytes.data(), 16);
    set_source(msg, control, IPPROTO_IPV6, IPV6_PKTINFO, pi);
  } else if (pick->any) {
    in_pktinfo pi{};
    std::memcpy(&pi.ipi_spec_dst, local->bytes.data(), 4);
    set_source(msg, control, IPPROTO_IP, IP_PKTINFO, pi);
  }
  // On the NAT-T port the non-ESP marker (four zero bytes) goes first, from its own iovec.
  static const std::uint8_t marker[4] = {0, 0, 0, 0};
  iovec iov[2] = {{const_cast<std::uint8_t*>(marker), sizeof marker},
                  {const_cast<std::uint8_t*>(o.bytes.data()), o.bytes.size()}};
  msg.msg_name = &ss;
  msg.msg_namelen = len;
  msg.msg_iov = o.natt ? iov : iov + 1;
  msg.msg_iovlen = o.natt ? 2 : 1;
  if (::sendmsg(pick->fd, &msg, MSG_DONTWAIT) < 0)
    return std::string{"sendmsg: "} + std::strerror(errno);
  return {};
}

} // namespace coati::actors
