#pragma once
// The kernel's IPsec tables (XFRM) over netlink, through libnl: SPI allocation, SA and
// policy add/update/delete, and the ACQUIRE/EXPIRE event stream. Blocking calls: only
// the kernel actor uses this, on its own thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/address.hpp"

struct nl_sock;
struct nl_msg;

namespace coati::kernel {

using config::ip_address;

/// IPsec protocol of an SA or template (IPPROTO numbers).
enum class xfrm_proto : std::uint8_t { esp = 50, ah = 51, comp = 108 };
/// Encapsulation mode (XFRM_MODE_*).
enum class xfrm_mode : std::uint8_t { transport = 0, tunnel = 1 };
/// Policy direction (XFRM_POLICY_*).
enum class direction : std::uint8_t { in = 0, out = 1, fwd = 2 };

/// What went wrong in a netlink call.
struct error {
  int code = 0;      ///< negative libnl error (NLE_*)
  std::string text;  ///< the operation, what the kernel said, and what it means
  int sys_errno = 0; ///< the kernel's errno, when the kernel answered
  /// The kernel has no such transform type (no ESP/AH/IPComp support built in or loaded).
  bool unsupported() const;
};

/// A value or an error.
template <class T>
class result {
public:
  result(T value) : v_(std::move(value)) {}
  result(error err) : v_(std::move(err)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  const error& err() const { return std::get<1>(v_); }

private:
  std::variant<T, error> v_;
};

/// Success without a value.
struct done {};

/// Traffic selector: prefixes, upper-layer protocol (0 = any) and ports (0 = any).
struct selector {
  ip_address src;
  std::uint8_t src_prefix = 0;
  ip_address dst;
  std::uint8_t dst_prefix = 0;
  std::uint8_t proto = 0;
  std::uint16_t sport = 0;
  std::uint16_t dport = 0;
};

/// UDP encapsulation of ESP (NAT-T, RFC 3948).
struct udp_encap {
  std::uint16_t sport = 4500;
  std::uint16_t dport = 4500;
};

/// An SA's anti-replay state (XFRMA_REPLAY_VAL): carried over when an SA is re-added at a
/// new address, so the peer's replay window does not drop our restarted sequence numbers.
struct replay_state {
  std::uint32_t oseq = 0;   ///< last sequence number sent
  std::uint32_t seq = 0;    ///< highest sequence number received
  std::uint32_t bitmap = 0; ///< the receive window below `seq`
};

/// Key bytes for the kernel; wiped when destroyed.
class key_bytes {
public:
  key_bytes() = default;
  explicit key_bytes(std::vector<std::uint8_t> bytes) : b_(std::move(bytes)) {}
  key_bytes(const key_bytes&) = default;
  key_bytes& operator=(const key_bytes&) = default;
  ~key_bytes();
  const std::vector<std::uint8_t>& bytes() const { return b_; }

private:
  std::vector<std::uint8_t> b_;
};

/// One SA as the kernel wants it. Algorithm names are the kernel's ("cbc(des3_ede)",
/// "hmac(md5)", "deflate").
struct sa_spec {
  ip_address src, dst;
  std::uint32_t spi = 0; ///< host byte order
  xfrm_proto proto = xfrm_proto::esp;
  xfrm_mode mode = xfrm_mode::tunnel;
  std::uint32_t reqid = 0;
  std::string enc_alg;
  key_bytes enc_key;
  std::string auth_alg;
  key_bytes auth_key;
  unsigned auth_trunc_bits = 0;                     ///< 0: the algorithm's IPsec default
  std::string comp_alg;                             ///< for proto comp
  std::uint64_t soft_seconds = 0, hard_seconds = 0; ///< 0 = unlimited
  std::optional<udp_encap> encap;
  std::optional<selector> sel;        ///< transport mode: the traffic this SA covers
  std::optional<replay_state> replay; ///< start from this replay state (a moved SA)
};

/// One template of a policy: which SA the matching traffic needs.
struct template_spec {
  ip_address src, dst; ///< tunnel end points (ignored in transport mode)
  xfrm_proto proto = xfrm_proto::esp;
  xfrm_mode mode = xfrm_mode::tunnel;
  std::uint32_t reqid = 0;
  bool optional = false; ///< "use" level instead of "require" (IPComp)
};

/// One policy (SPD entry).
struct policy_spec {
  selector sel;
  direction dir = direction::out;
  std::uint32_t priority = 0;
  bool block = false; ///< XFRM_POLICY_BLOCK instead of allow
  std::vector<template_spec> templates;
};

/// Identity of an installed SA, as listed by the kernel.
struct sa_id {
  ip_address src, dst;
  std::uint32_t spi = 0; ///< host byte order
  xfrm_proto proto = xfrm_proto::esp;
  std::uint32_t reqid = 0;
};

/// A netlink socket for XFRM commands. Movable, not copyable.
class xfrm_socket {
public:
  /// Opens and connects a NETLINK_XFRM socket in the caller's network namespace.
  static result<xfrm_socket> open();
  xfrm_socket(xfrm_socket&& other) noexcept;
  xfrm_socket& operator=(xfrm_socket&& other) noexcept;
  xfrm_socket(const xfrm_socket&) = delete;
  xfrm_socket& operator=(const xfrm_socket&) = delete;
  ~xfrm_socket();

  /// Reserves an SPI in [min, max] for an inbound SA from `src` to `dst` (a larval SA).
  result<std::uint32_t> alloc_spi(const ip_address& src, const ip_address& dst, xfrm_proto proto,
                                  std::uint32_t reqid, std::uint32_t min = 0x100,
                                  std::uint32_t max = 0x0fffffff);
  /// Adds an SA (or replaces the larval SA with the same SPI when `update`).
  result<done> add_sa(const sa_spec& sa, bool update = false);
  /// The anti-replay state of the SA (dst, spi, proto) as the kernel holds it now.
  result<replay_state> replay_of(const ip_address& dst, std::uint32_t spi, xfrm_proto proto);
  /// Deletes the SA (dst, spi, proto).
  result<done> delete_sa(const ip_address& dst, std::uint32_t spi, xfrm_proto proto);
  /// Deletes every SA (of `proto` only, when given) in this network namespace.
  result<done> flush_sas(std::optional<xfrm_proto> proto = std::nullopt);
  /// Deletes every policy in this network namespace.
  result<done> flush_policies();
  /// Every SA the kernel holds in this network namespace.
  result<std::vector<sa_id>> list_sas();
  /// Adds a policy; with `update`, replaces one with the same selector and direction.
  result<done> add_policy(const policy_spec& policy, bool update = false);
  /// Deletes the policy with this selector and direction.
  result<done> delete_policy(const selector& sel, direction dir);

private:
  explicit xfrm_socket(nl_sock* sock) : sock_(sock) {}
  /// Sends one request and reads until its ACK or error; `valid` sees any data answer.
  result<done> transact(nl_msg* msg, const std::string& what,
                        int (*valid)(nl_msg*, void*) = nullptr, void* arg = nullptr);
  nl_sock* sock_ = nullptr;
};

} // namespace coati::kernel
