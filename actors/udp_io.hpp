#pragma once
// coatid's IKE sockets: UDP 500 and 4500 (or racoon's `listen` addresses), v4 and v6, read
// on one I/O thread of their own with the local address of each datagram (IP_PKTINFO /
// IPV6_RECVPKTINFO) and handed to the listener actor as `datagram` messages. Sending is
// the shared udp_sender's (actors/udp_sender.hpp). Also the header check the listener
// applies first.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include <caf/all.hpp>

#include "actors/interfaces.hpp"
#include "actors/listener.hpp"
#include "actors/udp_sender.hpp"
#include "config/address.hpp"

namespace coati::actors {

/// The sockets and the thread that reads them; the thread stops and the sockets close
/// when this is destroyed.
class udp_io {
public:
  /// Binds as `opts` says and starts reading; each datagram goes to `owner`.
  udp_io(caf::actor owner, const listener_options& opts);
  ~udp_io();
  udp_io(const udp_io&) = delete;
  udp_io& operator=(const udp_io&) = delete;
  /// How many sockets are bound.
  std::size_t bound() const;
  /// The sending side of the same sockets, for the peers and children to share.
  std::shared_ptr<const udp_sender> sender() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Our source address towards `to` (the kernel's route choice).
std::optional<config::ip_address> source_for(const config::ip_address& to);

} // namespace coati::actors
