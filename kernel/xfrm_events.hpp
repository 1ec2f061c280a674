#pragma once
// The kernel's XFRM event stream: ACQUIRE (traffic hit a policy that has no SA yet),
// EXPIRE (an SA reached its soft or hard lifetime) and MAPPING (NAT-T: ESP in UDP from a
// new address or port). Read by the kernel actor's I/O loop.

#include <cstdint>
#include <variant>
#include <vector>

#include "kernel/xfrm.hpp"

namespace coati::kernel {

/// Traffic matched policy `policy_index` in direction `dir` and needs an SA to `dst`.
struct acquire_event {
  selector sel;  ///< the policy's selector
  selector flow; ///< the packet's own addresses, protocol and ports
  direction dir = direction::out;
  std::uint32_t policy_index = 0;
  ip_address src, dst; ///< the SA's end points (tunnel outer addresses)
  xfrm_proto proto = xfrm_proto::esp;
  std::uint32_t seq = 0;   ///< the kernel's acquire sequence number
  std::uint32_t reqid = 0; ///< the policy template's reqid (0: any SA fits)
  bool ipcomp = false;     ///< the policy has an IPComp template
};

/// An SA reached its soft (rekey now) or hard (gone) lifetime.
struct expire_event {
  ip_address src, dst;
  std::uint32_t spi = 0; ///< host byte order
  xfrm_proto proto = xfrm_proto::esp;
  std::uint32_t reqid = 0;
  bool hard = false;
};

/// NAT-T (XFRM_MSG_MAPPING): an ESP-in-UDP packet that passed the inbound SA's integrity
/// and replay checks came from another address or port than the SA's encapsulation names:
/// the peer's NAT mapping changed.
struct mapping_event {
  ip_address dst;        ///< our address (the inbound SA's destination)
  std::uint32_t spi = 0; ///< the inbound SA's SPI, host byte order
  xfrm_proto proto = xfrm_proto::esp;
  std::uint32_t reqid = 0;
  ip_address old_src, new_src;
  std::uint16_t old_sport = 0, new_sport = 0;
};

/// One event from the kernel.
using xfrm_event = std::variant<acquire_event, expire_event, mapping_event>;

/// A non-blocking netlink socket subscribed to ACQUIRE, EXPIRE and MAPPING.
class xfrm_events {
public:
  /// Opens and subscribes, in the caller's network namespace.
  static result<xfrm_events> open();
  xfrm_events(xfrm_events&& other) noexcept;
  xfrm_events& operator=(xfrm_events&& other) noexcept;
  xfrm_events(const xfrm_events&) = delete;
  xfrm_events& operator=(const xfrm_events&) = delete;
  ~xfrm_events();

  /// The socket's descriptor, to poll for readability.
  int fd() const;
  /// Reads every event waiting now (never blocks); unknown messages are skipped.
  result<std::vector<xfrm_event>> drain();

private:
  explicit xfrm_events(nl_sock* sock) : sock_(sock) {}
  nl_sock* sock_ = nullptr;
};

} // namespace coati::kernel
