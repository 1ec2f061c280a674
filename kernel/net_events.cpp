#include "kernel/net_events.hpp"

#include <algorithm>
#include <cstring>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <utility>

extern "C" {
#include <netlink/msg.h>
#include <netlink/netlink.h>
}

namespace coati::kernel {

const char* to_string(net_event::kind k) {
  switch (k) {
  case net_event::kind::addr_added:
    return "addr_added";
  case net_event::kind::addr_removed:
    return "addr_removed";
  case net_event::kind::link_up:
    return "link_up";
  case net_event::kind::link_down:
    return "link_down";
  case net_event::kind::route_added:
    return "route_added";
  case net_event::kind::route_removed:
    return "route_removed";
  }
  return "?";
}

namespace {

struct drain_ctx {
  std::vector<net_event>* out;
  std::vector<std::pair<int, bool>>* links;
};

void on_addr(nlmsghdr* hdr, drain_ctx& ctx) {
  if (static_cast<std::size_t>(nlmsg_datalen(hdr)) < sizeof(ifaddrmsg))
    return;
  ifaddrmsg ifa{};
  std::memcpy(&ifa, nlmsg_data(hdr), sizeof ifa);
  if (ifa.ifa_family != AF_INET && ifa.ifa_family != AF_INET6)
    return;
  // IFA_LOCAL is the interface's own address (IFA_ADDRESS the far end on point-to-point
  // links); IPv6 gives IFA_ADDRESS only.
  const nlattr* local = nullptr;
  const nlattr* address = nullptr;
  nlattr* at = nullptr;
  int rem = 0;
  nla_for_each_attr(at, nlmsg_attrdata(hdr, sizeof(ifaddrmsg)),
                    nlmsg_attrlen(hdr, sizeof(ifaddrmsg)), rem) {
    if (nla_type(at) == IFA_LOCAL)
      local = at;
    else if (nla_type(at) == IFA_ADDRESS)
      address = at;
  }
  const nlattr* a = local != nullptr ? local : address;
  std::size_t len = ifa.ifa_family == AF_INET ? 4 : 16;
  if (a == nullptr || static_cast<std::size_t>(nla_len(a)) < len)
    return;
  ip_address ip;
  ip.fam = ifa.ifa_family == AF_INET ? ip_address::family::v4 : ip_address::family::v6;
  std::memcpy(ip.bytes.data(), nla_data(a), len);
  net_event e;
  e.what =
      hdr->nlmsg_type == RTM_NEWADDR ? net_event::kind::addr_added : net_event::kind::addr_removed;
  e.address = ip.to_string();
  e.ifindex = static_cast<int>(ifa.ifa_index);
  ctx.out->push_back(std::move(e));
}

void on_link(nlmsghdr* hdr, drain_ctx& ctx) {
  if (static_cast<std::size_t>(nlmsg_datalen(hdr)) < sizeof(ifinfomsg))
    return;
  ifinfomsg ifi{};
  std::memcpy(&ifi, nlmsg_data(hdr), sizeof ifi);
  bool running = hdr->nlmsg_type == RTM_NEWLINK && (ifi.ifi_flags & IFF_UP) != 0 &&
                 (ifi.ifi_flags & IFF_RUNNING) != 0;
  auto& links = *ctx.links;
  auto i = std::find_if(links.begin(), links.end(),
                        [&](const auto& l) { return l.first == ifi.ifi_index; });
  if (i != links.end() && i->second == running)
    return; // another attribute changed (statistics, MTU...): not an up/down
  if (i == links.end()) {
    links.emplace_back(ifi.ifi_index, running);
    if (running)
      return; // the first message of a running link we did not know: nothing changed
  } else {
    i->second = running;
  }
  if (hdr->nlmsg_type == RTM_DELLINK)
    std::erase_if(links, [&](const auto& l) { return l.first == ifi.ifi_index; });
  net_event e;
  e.what = running ? net_event::kind::link_up : net_event::kind::link_down;
  e.ifindex = ifi.ifi_index;
  nlattr* at = nullptr;
  int rem = 0;
  nla_for_each_attr(at, nlmsg_attrdata(hdr, sizeof(ifinfomsg)),
                    nlmsg_attrlen(hdr, sizeof(ifinfomsg)), rem) {
    if (nla_type(at) == IFLA_IFNAME && nla_len(at) > 0)
      e.address.assign(
          static_cast<const char*>(nla_data(at)),
          strnlen(static_cast<const char*>(nla_data(at)), static_cast<std::size_t>(nla_len(at))));
  }
  ctx.out->push_back(std::move(e));
}

int on_event(nl_msg* msg, void* arg) {
  auto& ctx = *static_cast<drain_ctx*>(arg);
  nlmsghdr* hdr = nlmsg_hdr(msg);
  switch (hdr->nlmsg_type) {
  case RTM_NEWADDR:
  case RTM_DELADDR:
    on_addr(hdr, ctx);
    break;
  case RTM_NEWLINK:
  case RTM_DELLINK:
    on_link(hdr, ctx);
    break;
  case RTM_NEWROUTE:
  case RTM_DELROUTE: {
    net_event e;
    e.what = hdr->nlmsg_type == RTM_NEWROUTE ? net_event::kind::route_added
                                             : net_event::kind::route_removed;
    ctx.out->push_back(std::move(e));
    break;
  }
  default:
    break;
  }
  return NL_OK;
}

} // namespace

result<net_events> net_events::open() {
  nl_sock* sock = nl_socket_alloc();
  if (sock == nullptr)
    return error{-NLE_NOMEM, "rtnetlink event socket: out of memory"};
  nl_socket_disable_seq_check(sock);
  int rc = nl_connect(sock, NETLINK_ROUTE);
  if (rc >= 0)
    rc = nl_socket_add_memberships(sock, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, RTNLGRP_LINK,
                                   RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, 0);
  if (rc >= 0)
    rc = nl_socket_set_nonblocking(sock);
  if (rc < 0) {
    nl_socket_free(sock);
    return error{rc, std::string{"opening the rtnetlink event socket: "} + nl_geterror(rc)};
  }
  return net_events{sock};
}

net_events::net_events(net_events&& other) noexcept
    : sock_(std::exchange(other.sock_, nullptr)), links_(std::move(other.links_)) {}

net_events& net_events::operator=(net_events&& other) noexcept {
  if (this != &other) {
    if (sock_ != nullptr)
      nl_socket_free(sock_);
    sock_ = std::exchange(other.sock_, nullptr);
    links_ = std::move(other.links_);
  }
  return *this;
}

net_events::~net_events() {
  if (sock_ != nullptr)
    nl_socket_free(sock_);
}

int net_events::fd() const {
  return nl_socket_get_fd(sock_);
}

result<std::vector<net_event>> net_events::drain() {
  std::vector<net_event> events;
  drain_ctx ctx{&events, &links_};
  nl_cb* base = nl_socket_get_cb(sock_); // a new reference
  nl_cb* cb = nl_cb_clone(base);
  nl_cb_put(base);
  if (cb == nullptr)
    return error{-NLE_NOMEM, "rtnetlink events: out of memory"};
  nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_event, &ctx);
  int rc = 0;
  while (rc >= 0)
    rc = nl_recvmsgs(sock_, cb); // one datagram per call, -NLE_AGAIN once empty
  nl_cb_put(cb);
  // A full socket buffer (a burst of route changes) loses events: say something changed.
  if (rc == -NLE_NOMEM || rc == -NLE_MSG_OVERFLOW) {
    events.push_back(net_event{net_event::kind::route_added, {}, 0});
    return events;
  }
  if (rc < 0 && rc != -NLE_AGAIN)
    return error{rc, std::string{"reading rtnetlink events: "} + nl_geterror(rc)};
  return events;
}

} // namespace coati::kernel
