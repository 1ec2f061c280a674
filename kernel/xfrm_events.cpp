#include "kernel/xfrm_events.hpp"

#include <cerrno>
#include <cstring>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <utility>

extern "C" {
#include <netlink/msg.h>
#include <netlink/netlink.h>
}

namespace coati::kernel {
namespace {

ip_address from_kernel(const xfrm_address_t& a, std::uint16_t family) {
  ip_address out;
  out.fam = family == AF_INET6 ? ip_address::family::v6 : ip_address::family::v4;
  std::memcpy(out.bytes.data(), &a, out.fam == ip_address::family::v4 ? 4 : 16);
  return out;
}

selector from_kernel(const xfrm_selector& s) {
  selector out;
  out.src = from_kernel(s.saddr, s.family);
  out.dst = from_kernel(s.daddr, s.family);
  out.src_prefix = s.prefixlen_s;
  out.dst_prefix = s.prefixlen_d;
  out.proto = s.proto;
  out.sport = ntohs(s.sport);
  out.dport = ntohs(s.dport);
  return out;
}

int on_event(nl_msg* msg, void* arg) {
  auto* out = static_cast<std::vector<xfrm_event>*>(arg);
  nlmsghdr* hdr = nlmsg_hdr(msg);
  auto len = static_cast<std::size_t>(nlmsg_datalen(hdr));
  if (hdr->nlmsg_type == XFRM_MSG_ACQUIRE && len >= sizeof(xfrm_user_acquire)) {
    xfrm_user_acquire a{};
    std::memcpy(&a, nlmsg_data(hdr), sizeof a);
    acquire_event ev;
    ev.sel = from_kernel(a.policy.sel);
    ev.flow = from_kernel(a.sel);
    ev.dir = static_cast<direction>(a.policy.dir);
    ev.policy_index = a.policy.index;
    ev.src = from_kernel(a.saddr, a.policy.sel.family);
    ev.dst = from_kernel(a.id.daddr, a.policy.sel.family);
    ev.proto = static_cast<xfrm_proto>(a.id.proto);
    ev.seq = a.seq;
    // The policy's templates follow (XFRMA_TMPL): the SAs must carry the reqid of the
    // one this ACQUIRE is for, or the policy will not use them.
    nlattr* attrs = nlmsg_attrdata(hdr, sizeof(xfrm_user_acquire));
    int left = nlmsg_attrlen(hdr, sizeof(xfrm_user_acquire));
    nlattr* at = nullptr;
    int rem = 0;
    nla_for_each_attr(at, attrs, left, rem) {
      if (nla_type(at) != XFRMA_TMPL)
        continue;
      auto n = static_cast<std::size_t>(nla_len(at)) / sizeof(xfrm_user_tmpl);
      for (std::size_t i = 0; i < n; ++i) {
        xfrm_user_tmpl t{};
        std::memcpy(&t, static_cast<const char*>(nla_data(at)) + i * sizeof t, sizeof t);
        if (t.id.proto == IPPROTO_COMP)
          ev.ipcomp = true;
        if (t.id.proto == a.id.proto && ev.reqid == 0)
          ev.reqid = t.reqid;
      }
    }
    out->emplace_back(ev);
  } else if (hdr->nlmsg_type == XFRM_MSG_EXPIRE && len >= sizeof(xfrm_user_expire)) {
    xfrm_user_expire e{};
    std::memcpy(&e, nlmsg_data(hdr), sizeof e);
    expire_event ev;
    ev.src = from_kernel(e.state.saddr, e.state.family);
    ev.dst = from_kernel(e.state.id.daddr, e.state.family);
    ev.spi = ntohl(e.state.id.spi);
    ev.proto = static_cast<xfrm_proto>(e.state.id.proto);
    ev.reqid = e.state.reqid;
    ev.hard = e.hard != 0;
    out->emplace_back(ev);
  } else if (hdr->nlmsg_type == XFRM_MSG_MAPPING && len >= sizeof(xfrm_user_mapping)) {
    xfrm_user_mapping m{};
    std::memcpy(&m, nlmsg_data(hdr), sizeof m);
    mapping_event ev;
    ev.dst = from_kernel(m.id.daddr, m.id.family);
    ev.spi = ntohl(m.id.spi);
    ev.proto = static_cast<xfrm_proto>(m.id.proto);
    ev.reqid = m.reqid;
    ev.old_src = from_kernel(m.old_saddr, m.id.family);
    ev.new_src = from_kernel(m.new_saddr, m.id.family);
    ev.old_sport = ntohs(m.old_sport);
    ev.new_sport = ntohs(m.new_sport);
    out->emplace_back(ev);
  }
  return NL_OK;
}

} // namespace

result<xfrm_events> xfrm_events::open() {
  nl_sock* sock = nl_socket_alloc();
  if (sock == nullptr)
    return error{-NLE_NOMEM, "XFRM event socket: out of memory"};
  nl_socket_disable_seq_check(sock);
  int rc = nl_connect(sock, NETLINK_XFRM);
  if (rc >= 0)
    rc = nl_socket_add_memberships(sock, XFRMNLGRP_ACQUIRE, XFRMNLGRP_EXPIRE, XFRMNLGRP_MAPPING, 0);
  if (rc >= 0)
    rc = nl_socket_set_nonblocking(sock);
  if (rc < 0) {
    nl_socket_free(sock);
    return error{rc, std::string{"opening the XFRM event socket: "} + nl_geterror(rc)};
  }
  return xfrm_events{sock};
}

xfrm_events::xfrm_events(xfrm_events&& other) noexcept
    : sock_(std::exchange(other.sock_, nullptr)) {}

xfrm_events& xfrm_events::operator=(xfrm_events&& other) noexcept {
  if (this != &other) {
    if (sock_ != nullptr)
      nl_socket_free(sock_);
    sock_ = std::exchange(other.sock_, nullptr);
  }
  return *this;
}

xfrm_events::~xfrm_events() {
  if (sock_ != nullptr)
    nl_socket_free(sock_);
}

int xfrm_events::fd() const {
  return nl_socket_get_fd(sock_);
}

result<std::vector<xfrm_event>> xfrm_events::drain() {
  std::vector<xfrm_event> events;
  nl_cb* base = nl_socket_get_cb(sock_); // a new reference
  nl_cb* cb = nl_cb_clone(base);
  nl_cb_put(base);
  if (cb == nullptr)
    return error{-NLE_NOMEM, "XFRM events: out of memory"};
  nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_event, &events);
  int rc = 0;
  while (rc >= 0)
    rc = nl_recvmsgs(sock_, cb); // one datagram per call, -NLE_AGAIN once empty
  nl_cb_put(cb);
  if (rc < 0 && rc != -NLE_AGAIN)
    return error{rc, std::string{"reading XFRM events: "} + nl_geterror(rc)};
  return events;
}

} // namespace coati::kernel
