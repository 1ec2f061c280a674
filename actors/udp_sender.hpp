#pragma once
// coatid's IKE sockets on the sending side, shared by every peer and child actor: each one
// sends its own datagrams (sendmsg on a UDP socket is thread-safe, and never blocks here),
// so a datagram out costs no message to the listener and no hop through its mailbox. The
// socket table is fixed at start-up; only the counters change (relaxed atomics: metrics,
// not state). The listener's I/O thread reads the same sockets (actors/udp_io.hpp).

#include <atomic>
#include <cstdint>
#include <string>
#include <sys/socket.h>
#include <vector>

#include "actors/interfaces.hpp"
#include "config/address.hpp"

namespace coati::actors {

/// `a` port `port` as a socket address; gives its length.
socklen_t to_sockaddr(const config::ip_address& a, std::uint16_t port, sockaddr_storage& ss);

class udp_sender {
public:
  /// One bound socket.
  struct sock {
    int fd = -1;
    int family = 0; ///< AF_INET or AF_INET6
    std::uint16_t port = 0;
    bool natt = false; ///< the NAT-T port (UDP_ENCAP: the kernel takes ESP in UDP)
    config::ip_address addr;
    bool any = false; ///< bound to the wildcard address
  };

  /// Takes the sockets over; they close when the sender is destroyed.
  explicit udp_sender(std::vector<sock> socks) : socks_(std::move(socks)) {}
  ~udp_sender();
  udp_sender(const udp_sender&) = delete;
  udp_sender& operator=(const udp_sender&) = delete;

  /// Sends from our address `o.local` and port `o.local_port` (a socket bound to exactly
  /// that address, else a wildcard one with the source set by IP_PKTINFO). Never blocks:
  /// a full socket buffer drops the datagram, and the exchange's retransmission covers it.
  /// Returns "" or why it was not sent. Any thread.
  std::string send(const outgoing& o) const;

  const std::vector<sock>& sockets() const { return socks_; }
  std::int64_t sent() const { return sent_.load(std::memory_order_relaxed); }
  std::int64_t failed() const { return failed_.load(std::memory_order_relaxed); }

private:
  std::string send_one(const outgoing& o) const;
  std::vector<sock> socks_;
  mutable std::atomic<std::int64_t> sent_{0}, failed_{0};
};

} // namespace coati::actors
