#include "kernel/policy_gen.hpp"

#include <bit>
#include <cstring>

namespace coati::kernel {
namespace {

/// Prefix length of a contiguous mask; nullopt when the mask has holes.
std::optional<std::uint8_t> mask_length(const std::uint8_t* mask, std::size_t len) {
  unsigned bits = 0;
  bool ended = false;
  for (std::size_t i = 0; i < len; ++i) {
    unsigned ones = static_cast<unsigned>(std::countl_one(mask[i]));
    if (ended && mask[i] != 0)
      return std::nullopt;
    if (ones < 8) {
      // The rest of this byte must be zero.
      if (static_cast<std::uint8_t>(mask[i] << ones) != 0)
        return std::nullopt;
      ended = true;
    }
    bits += ones;
  }
  return static_cast<std::uint8_t>(bits);
}

ip_address make_ip(const std::uint8_t* p, bool v6) {
  ip_address a;
  a.fam = v6 ? ip_address::family::v6 : ip_address::family::v4;
  std::memcpy(a.bytes.data(), p, v6 ? 16 : 4);
  return a;
}

/// The prefix length for which [from, to] is exactly one prefix; nullopt otherwise.
std::optional<std::uint8_t> range_prefix(const std::uint8_t* from, const std::uint8_t* to,
                                         std::size_t len) {
  std::uint8_t mask[16] = {};
  for (std::size_t i = 0; i < len; ++i)
    mask[i] = static_cast<std::uint8_t>(~(from[i] ^ to[i]));
  auto bits = mask_length(mask, len);
  if (!bits)
    return std::nullopt;
  for (std::size_t i = 0; i < len; ++i)
    if ((from[i] & ~mask[i]) != 0 || (to[i] | mask[i]) != 0xff)
      return std::nullopt;
  return bits;
}

} // namespace

std::optional<id_prefix> prefix_of(const ike::id_payload& id, std::string* why) {
  auto fail = [&](std::string text) -> std::optional<id_prefix> {
    if (why != nullptr)
      *why = std::move(text) + " (ID " + id.to_string() + ")";
    return std::nullopt;
  };
  id_prefix out;
  out.proto = id.protocol;
  out.port = id.port;
  const auto& d = id.data;
  switch (id.kind) {
  case ike::id_type::ipv4_addr:
  case ike::id_type::ipv6_addr: {
    bool v6 = id.kind == ike::id_type::ipv6_addr;
    if (d.size() != (v6 ? 16u : 4u))
      return fail("address ID of the wrong length");
    out.addr = make_ip(d.data(), v6);
    out.prefix = v6 ? 128 : 32;
    return out;
  }
  case ike::id_type::ipv4_addr_subnet:
  case ike::id_type::ipv6_addr_subnet: {
    bool v6 = id.kind == ike::id_type::ipv6_addr_subnet;
    std::size_t n = v6 ? 16 : 4;
    if (d.size() != 2 * n)
      return fail("subnet ID of the wrong length");
    auto bits = mask_length(d.data() + n, n);
    if (!bits)
      return fail("subnet mask is not contiguous");
    out.addr = make_ip(d.data(), v6);
    for (std::size_t i = 0; i < n; ++i)
      out.addr.bytes[i] &= d[n + i];
    out.prefix = *bits;
    return out;
  }
  case ike::id_type::ipv4_addr_range:
  case ike::id_type::ipv6_addr_range: {
    bool v6 = id.kind == ike::id_type::ipv6_addr_range;
    std::size_t n = v6 ? 16 : 4;
    if (d.size() != 2 * n)
      return fail("range ID of the wrong length");
    auto bits = range_prefix(d.data(), d.data() + n, n);
    if (!bits)
      return fail("address range is not a single prefix, which a kernel selector needs");
    out.addr = make_ip(d.data(), v6);
    out.prefix = *bits;
    return out;
  }
  default:
    return fail("a name, DN or key ID cannot select traffic");
  }
}

std::variant<std::vector<policy_spec>, std::string> generate_policies(const generated_tunnel& t) {
  std::string why;
  auto remote = prefix_of(t.initiator_id, &why);
  if (!remote)
    return "initiator's ID: " + why;
  auto local = prefix_of(t.responder_id, &why);
  if (!local)
    return "responder's ID: " + why;
  if (remote->addr.fam != local->addr.fam)
    return std::string{"the two IDs are of different address families"};
  if (remote->proto != local->proto && remote->proto != 0 && local->proto != 0)
    return std::string{"the two IDs name different upper-layer protocols"};
  std::uint8_t proto = remote->proto != 0 ? remote->proto : local->proto;

  auto make = [&](direction dir, const id_prefix& src, const id_prefix& dst, const ip_address& from,
                  const ip_address& to) {
    policy_spec p;
    p.dir = dir;
    p.priority = t.priority;
    p.sel.src = src.addr;
    p.sel.src_prefix = src.prefix;
    p.sel.sport = src.port;
    p.sel.dst = dst.addr;
    p.sel.dst_prefix = dst.prefix;
    p.sel.dport = dst.port;
    p.sel.proto = proto;
    if (t.ipcomp) {
      template_spec comp;
      comp.src = from;
      comp.dst = to;
      comp.proto = xfrm_proto::comp;
      comp.reqid = t.reqid;
      // Small packets travel uncompressed: accept them inbound; outbound the kernel
      // wants every tunnel-mode template required.
      comp.optional = dir != direction::out;
      p.templates.push_back(comp);
    }
    template_spec esp;
    esp.src = from;
    esp.dst = to;
    esp.reqid = t.reqid;
    // With IPComp, its SA builds the outer header and ESP protects it in transport mode.
    esp.mode = t.ipcomp ? xfrm_mode::transport : xfrm_mode::tunnel;
    p.templates.push_back(esp);
    return p;
  };
  return std::vector<policy_spec>{
      make(direction::out, *local, *remote, t.local_outer, t.peer_outer),
      make(direction::in, *remote, *local, t.peer_outer, t.local_outer),
      make(direction::fwd, *remote, *local, t.peer_outer, t.local_outer),
  };
}

} // namespace coati::kernel
