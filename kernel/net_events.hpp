#pragma once
// The kernel's address, link and route events (rtnetlink: RTNLGRP_IPV4_IFADDR,
// RTNLGRP_IPV6_IFADDR, RTNLGRP_LINK, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE), for a
// satellite that follows its own address (actors/netwatch.hpp). A non-blocking socket,
// read by the kernel actor's event thread beside the XFRM events.

#include <cstdint>
#include <string>
#include <vector>

#include "kernel/xfrm.hpp"

namespace coati::kernel {

/// One address, link or route change.
struct net_event {
  enum class kind : std::uint8_t {
    addr_added,
    addr_removed,
    link_up,
    link_down,
    route_added,
    route_removed
  };
  kind what = kind::addr_added;
  std::string address; ///< addr_*: the address; link_*: the interface's name
  int ifindex = 0;
};

/// "addr_added", "addr_removed", "link_up", "link_down", "route_added", "route_removed".
const char* to_string(net_event::kind k);

/// A non-blocking rtnetlink socket subscribed to address, link and route changes.
class net_events {
public:
  /// Opens and subscribes, in the caller's network namespace.
  static result<net_events> open();
  net_events(net_events&& other) noexcept;
  net_events& operator=(net_events&& other) noexcept;
  net_events(const net_events&) = delete;
  net_events& operator=(const net_events&) = delete;
  ~net_events();

  /// The socket's descriptor, to poll for readability.
  int fd() const;
  /// Reads every event waiting now (never blocks). A link message counts only when its
  /// up/down state changed since the last one seen for that interface.
  result<std::vector<net_event>> drain();

private:
  explicit net_events(nl_sock* sock) : sock_(sock) {}
  nl_sock* sock_ = nullptr;
  std::vector<std::pair<int, bool>> links_; ///< (ifindex, running) as last seen
};

} // namespace coati::kernel
