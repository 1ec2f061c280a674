#include "actors/roadwarrior.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace coati::actors {

namespace {

std::optional<ike::ipv4_address> v4(const config::ip_address& a) {
  if (a.fam != config::ip_address::family::v4)
    return std::nullopt;
  return ike::ipv4_address{a.bytes[0], a.bytes[1], a.bytes[2], a.bytes[3]};
}

std::optional<ike::ipv4_address> v4(const std::string& text) {
  auto a = config::ip_address::parse(text);
  return a ? v4(*a) : std::nullopt;
}

ike::ipv4_address mask_of(unsigned length) {
  std::uint32_t m = length == 0 ? 0 : ~std::uint32_t{0} << (32 - std::min(length, 32U));
  return {static_cast<std::uint8_t>(m >> 24), static_cast<std::uint8_t>(m >> 16),
          static_cast<std::uint8_t>(m >> 8), static_cast<std::uint8_t>(m)};
}

unsigned length_of(const ike::ipv4_address& mask) {
  std::uint32_t m = std::uint32_t{mask[0]} << 24 | std::uint32_t{mask[1]} << 16 |
                    std::uint32_t{mask[2]} << 8 | mask[3];
  return static_cast<unsigned>(std::popcount(m));
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts)
    out += (out.empty() ? "" : " ") + p;
  return out;
}

} // namespace

std::string dotted(const ike::ipv4_address& a) {
  return std::to_string(a[0]) + "." + std::to_string(a[1]) + "." + std::to_string(a[2]) + "." +
         std::to_string(a[3]);
}

config::ip_address ip_of(const ike::ipv4_address& a) {
  config::ip_address out;
  std::copy(a.begin(), a.end(), out.bytes.begin());
  return out;
}

const config::mode_cfg_group* group_values_for(const config::mode_cfg_block& m,
                                               const std::vector<std::string>& groups) {
  for (const auto& g : m.group_values)
    if (std::find(groups.begin(), groups.end(), g.name) != groups.end())
      return &g;
  return nullptr;
}

config::mode_cfg_block with_group_values(const config::mode_cfg_block& m,
                                         const std::vector<std::string>& groups) {
  auto out = m;
  const auto* g = group_values_for(m, groups);
  if (g == nullptr)
    return out;
  if (g->dns4)
    out.dns4 = *g->dns4;
  if (g->wins4)
    out.wins4 = *g->wins4;
  if (g->split_network_type) {
    out.split_network_type = g->split_network_type;
    out.split_network = g->split_network;
  }
  if (g->split_dns)
    out.split_dns = *g->split_dns;
  if (g->default_domain)
    out.default_domain = *g->default_domain;
  return out;
}

std::optional<ike::mode_cfg_values> mode_cfg_values_for(const config::mode_cfg_block& m,
                                                        const std::string& address,
                                                        const std::string& netmask) {
  ike::mode_cfg_values v;
  v.address = v4(address);
  if (!v.address)
    return std::nullopt;
  v.netmask = v4(netmask);
  for (const auto& d : m.dns4)
    if (auto a = v4(d))
      v.dns.push_back(*a);
  for (const auto& w : m.wins4)
    if (auto a = v4(w))
      v.nbns.push_back(*a);
  std::vector<ike::split_network> nets;
  for (const auto& p : m.split_network)
    if (auto a = v4(p.addr))
      nets.push_back({*a, mask_of(p.length), 0, 0, 0});
  if (m.split_network_type == config::split_type::local_lan)
    v.local_lan = std::move(nets);
  else
    v.split_include = std::move(nets);
  v.default_domain = m.default_domain;
  v.split_dns = m.split_dns;
  if (m.save_passwd)
    v.save_passwd = true;
  if (m.pfs_group != 0)
    v.pfs_group = static_cast<std::uint16_t>(m.pfs_group);
  v.application_version = "coati";
  return v;
}

std::vector<std::string> mode_cfg_env(const std::string& xauth_user,
                                      const ike::mode_cfg_values* values) {
  std::vector<std::string> env;
  if (!xauth_user.empty())
    env.push_back("XAUTH_USER=" + xauth_user);
  ike::mode_cfg_values none;
  const auto& v = values != nullptr ? *values : none;
  auto addr = v.address ? dotted(*v.address) : std::string{};
  auto mask = v.netmask ? dotted(*v.netmask) : std::string{};
  env.push_back("INTERNAL_ADDR4=" + addr);
  env.push_back("INTERNAL_NETMASK4=" + mask);
  env.push_back("INTERNAL_MASK4=" + mask);
  env.push_back("INTERNAL_CIDR4=" + std::to_string(v.netmask ? length_of(*v.netmask) : 0));
  std::vector<std::string> dns, wins, split, split_cidr;
  for (const auto& a : v.dns)
    dns.push_back(dotted(a));
  for (const auto& a : v.nbns)
    wins.push_back(dotted(a));
  for (const auto& n : v.split_include) {
    split.push_back(dotted(n.address) + "/" + dotted(n.mask));
    split_cidr.push_back(dotted(n.address) + "/" + std::to_string(length_of(n.mask)));
  }
  env.push_back("INTERNAL_DNS4=" + (dns.empty() ? std::string{} : dns.front()));
  env.push_back("INTERNAL_DNS4_LIST=" + joined(dns));
  env.push_back("INTERNAL_WINS4=" + (wins.empty() ? std::string{} : wins.front()));
  env.push_back("INTERNAL_WINS4_LIST=" + joined(wins));
  env.push_back("DEFAULT_DOMAIN=" + v.default_domain);
  env.push_back("SPLIT_INCLUDE=" + joined(split));
  env.push_back("SPLIT_INCLUDE_CIDR=" + joined(split_cidr));
  return env;
}

} // namespace coati::actors
