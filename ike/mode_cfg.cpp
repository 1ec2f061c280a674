#include "ike/mode_cfg.hpp"

#include <algorithm>

namespace coati::ike {
namespace {

using detail::ignored;

constexpr std::size_t split_entry_size = 14;

bytes addr_bytes(const ipv4_address& a) {
  return bytes(a.begin(), a.end());
}

bytes u32_bytes(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
          static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

void put16(bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}

std::uint16_t get16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

bool is_unity_type(std::uint16_t t) {
  return t >= unity_attr::banner && t <= unity_attr::ddns_hostname;
}

/// The types this side understands, in the order a push sends them.
constexpr std::uint16_t known_types[] = {
    cfg_attr::internal_ip4_address,
    cfg_attr::internal_ip4_netmask,
    cfg_attr::internal_ip4_dns,
    cfg_attr::internal_ip4_nbns,
    cfg_attr::internal_address_expiry,
    cfg_attr::application_version,
    unity_attr::split_include,
    unity_attr::local_lan,
    unity_attr::splitdns_name,
    unity_attr::def_domain,
    unity_attr::banner,
    unity_attr::save_passwd,
    unity_attr::pfs,
    unity_attr::ddns_hostname,
    cfg_attr::internal_ip4_subnet,
    cfg_attr::supported_attributes,
};

bytes supported_list(bool unity) {
  bytes out;
  for (auto t : known_types)
    if (unity || !is_unity_type(t))
      put16(out, t);
  return out;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names)
    out += (out.empty() ? "" : ",") + n;
  return out;
}

/// Appends what `v` holds for type `t` (nothing when unset or unknown).
void add_values(std::vector<data_attribute>& out, const mode_cfg_values& v, std::uint16_t t,
                bool unity) {
  auto text = [&](const std::string& s) {
    if (!s.empty())
      out.push_back(data_attribute::text(t, s));
  };
  auto nets = [&](const std::vector<split_network>& n) {
    if (!n.empty())
      out.push_back(data_attribute::tlv(t, encode_split_networks(n)));
  };
  if (is_unity_type(t) && !unity)
    return;
  switch (t) {
  case cfg_attr::internal_ip4_address:
    if (v.address)
      out.push_back(data_attribute::tlv(t, addr_bytes(*v.address)));
    break;
  case cfg_attr::internal_ip4_netmask:
    if (v.netmask)
      out.push_back(data_attribute::tlv(t, addr_bytes(*v.netmask)));
    break;
  case cfg_attr::internal_ip4_dns:
  case cfg_attr::internal_ip4_nbns:
    for (const auto& a : t == cfg_attr::internal_ip4_dns ? v.dns : v.nbns)
      out.push_back(data_attribute::tlv(t, addr_bytes(a)));
    break;
  case cfg_attr::internal_address_expiry:
    if (v.address_expiry)
      out.push_back(data_attribute::tlv(t, u32_bytes(*v.address_expiry)));
    break;
  case cfg_attr::application_version:
    text(v.application_version);
    break;
  case cfg_attr::internal_ip4_subnet:
    for (const auto& n : v.split_include) {
      auto b = addr_bytes(n.address);
      b.insert(b.end(), n.mask.begin(), n.mask.end());
      out.push_back(data_attribute::tlv(t, std::move(b)));
    }
    break;
  case cfg_attr::supported_attributes:
    out.push_back(data_attribute::tlv(t, supported_list(unity)));
    break;
  case unity_attr::split_include:
    nets(v.split_include);
    break;
  case unity_attr::local_lan:
    nets(v.local_lan);
    break;
  case unity_attr::splitdns_name:
    text(joined(v.split_dns));
    break;
  case unity_attr::def_domain:
    text(v.default_domain);
    break;
  case unity_attr::banner:
    text(v.banner);
    break;
  case unity_attr::ddns_hostname:
    text(v.ddns_hostname);
    break;
  case unity_attr::save_passwd:
    if (v.save_passwd)
      out.push_back(data_attribute::tv(t, *v.save_passwd ? 1 : 0));
    break;
  case unity_attr::pfs:
    if (v.pfs_group)
      out.push_back(data_attribute::tv(t, *v.pfs_group));
    break;
  default:
    break; // not known here: left out, as racoon does
  }
}

std::optional<ipv4_address> address_of(const data_attribute& a) {
  if (a.basic || a.value.size() != 4)
    return std::nullopt;
  return ipv4_address{a.value[0], a.value[1], a.value[2], a.value[3]};
}

/// TLV text without the NULs some servers append (racoon's split_dns keeps them).
std::string text_of(const data_attribute& a) {
  auto s = a.as_text();
  while (!s.empty() && s.back() == '\0')
    s.pop_back();
  return s;
}

std::vector<std::string> names_of(const std::string& list) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : list + ",") {
    if (c == ',') {
      if (!cur.empty())
        out.push_back(cur);
      cur.clear();
    } else if (c != '\0' && c != ' ') {
      cur.push_back(c);
    }
  }
  return out;
}

void add_unique(std::vector<split_network>& to, const std::vector<split_network>& from) {
  for (const auto& n : from)
    if (std::find(to.begin(), to.end(), n) == to.end())
      to.push_back(n);
}

/// Reads one attribute into `v`; false when it is not understood or malformed.
bool read_value(mode_cfg_values& v, const data_attribute& a) {
  switch (a.type) {
  case cfg_attr::internal_ip4_address:
  case cfg_attr::internal_ip4_netmask: {
    auto ip = address_of(a);
    if (ip)
      (a.type == cfg_attr::internal_ip4_address ? v.address : v.netmask) = *ip;
    return ip.has_value() || (!a.basic && a.value.empty());
  }
  case cfg_attr::internal_ip4_dns:
  case cfg_attr::internal_ip4_nbns: {
    auto ip = address_of(a);
    if (ip)
      (a.type == cfg_attr::internal_ip4_dns ? v.dns : v.nbns).push_back(*ip);
    return ip.has_value();
  }
  case cfg_attr::internal_address_expiry: {
    auto n = a.as_integer();
    if (n && *n <= 0xffffffffu)
      v.address_expiry = static_cast<std::uint32_t>(*n);
    return n && *n <= 0xffffffffu;
  }
  case cfg_attr::internal_ip4_subnet:
    if (a.basic || a.value.size() != 8)
      return false;
    add_unique(v.split_include, {split_network{{a.value[0], a.value[1], a.value[2], a.value[3]},
                                               {a.value[4], a.value[5], a.value[6], a.value[7]}}});
    return true;
  case unity_attr::split_include:
  case unity_attr::local_lan: {
    auto nets = a.basic ? std::nullopt : decode_split_networks(a.value);
    if (nets)
      add_unique(a.type == unity_attr::split_include ? v.split_include : v.local_lan, *nets);
    return nets.has_value();
  }
  case unity_attr::save_passwd:
  case unity_attr::pfs: {
    auto n = a.as_integer();
    if (!n || *n > 0xffff)
      return false;
    if (a.type == unity_attr::save_passwd)
      v.save_passwd = *n != 0;
    else
      v.pfs_group = static_cast<std::uint16_t>(*n);
    return true;
  }
  case cfg_attr::application_version:
  case unity_attr::def_domain:
  case unity_attr::banner:
  case unity_attr::ddns_hostname:
  case unity_attr::splitdns_name:
    if (a.basic)
      return false;
    if (a.type == cfg_attr::application_version)
      v.application_version = text_of(a);
    else if (a.type == unity_attr::def_domain)
      v.default_domain = text_of(a);
    else if (a.type == unity_attr::banner)
      v.banner = text_of(a);
    else if (a.type == unity_attr::ddns_hostname)
      v.ddns_hostname = text_of(a);
    else
      v.split_dns = names_of(a.as_text());
    return true;
  default:
    return false;
  }
}

std::string describe(const mode_cfg_values& v) {
  std::string s;
  if (v.address)
    s += " address " + std::to_string(int((*v.address)[0])) + "." +
         std::to_string(int((*v.address)[1])) + "." + std::to_string(int((*v.address)[2])) + "." +
         std::to_string(int((*v.address)[3]));
  s += ", " + std::to_string(v.dns.size()) + " DNS, " + std::to_string(v.nbns.size()) + " WINS, " +
       std::to_string(v.split_include.size()) + " split networks";
  return s;
}

} // namespace

std::vector<std::uint16_t> default_mode_cfg_request(bool unity) {
  std::vector<std::uint16_t> out = {cfg_attr::internal_ip4_address, cfg_attr::internal_ip4_netmask,
                                    cfg_attr::internal_ip4_dns, cfg_attr::internal_ip4_nbns,
                                    cfg_attr::application_version};
  if (unity)
    for (auto t : {unity_attr::banner, unity_attr::save_passwd, unity_attr::def_domain,
                   unity_attr::splitdns_name, unity_attr::split_include, unity_attr::local_lan,
                   unity_attr::pfs})
      out.push_back(t);
  return out;
}

std::vector<data_attribute> encode_mode_cfg(const mode_cfg_values& v,
                                            std::span<const std::uint16_t> asked, bool unity) {
  std::vector<data_attribute> out;
  if (asked.empty()) {
    for (auto t : known_types)
      if (t != cfg_attr::internal_ip4_subnet && t != cfg_attr::supported_attributes &&
          t != unity_attr::ddns_hostname)
        add_values(out, v, t, unity);
    return out;
  }
  std::vector<std::uint16_t> done;
  for (auto t : asked) {
    if (std::find(done.begin(), done.end(), t) != done.end())
      continue;
    done.push_back(t);
    add_values(out, v, t, unity);
  }
  return out;
}

mode_cfg_values decode_mode_cfg(const std::vector<data_attribute>& attrs,
                                std::vector<std::uint16_t>* skipped) {
  mode_cfg_values v;
  for (const auto& a : attrs)
    if (!read_value(v, a) && skipped != nullptr)
      skipped->push_back(a.type);
  return v;
}

bytes encode_split_networks(std::span<const split_network> nets) {
  bytes out;
  for (const auto& n : nets) {
    out.insert(out.end(), n.address.begin(), n.address.end());
    out.insert(out.end(), n.mask.begin(), n.mask.end());
    put16(out, n.protocol);
    put16(out, n.source_port);
    put16(out, n.destination_port);
  }
  return out;
}

std::optional<std::vector<split_network>> decode_split_networks(std::span<const std::uint8_t> v) {
  if (v.size() % split_entry_size != 0)
    return std::nullopt;
  std::vector<split_network> out;
  for (std::size_t at = 0; at < v.size(); at += split_entry_size) {
    const auto* p = v.data() + at;
    out.push_back({{p[0], p[1], p[2], p[3]},
                   {p[4], p[5], p[6], p[7]},
                   get16(p + 8),
                   get16(p + 10),
                   get16(p + 12)});
  }
  return out;
}

// -- server ---------------------------------------------------------------------------------

namespace {
bool opens_pull(const attribute_payload& a) {
  return a.kind == cfg_type::request && !is_xauth(a);
}
bool opens_push(const attribute_payload& a) {
  return a.kind == cfg_type::set && !is_xauth(a);
}
} // namespace

mode_cfg_server::mode_cfg_server(phase1_context p1, bool unity) : core_(p1), unity_(unity) {}

xact_step mode_cfg_server::receive(std::span<const std::uint8_t> datagram) {
  auto taken = core_.take(datagram, opens_pull);
  if (auto* s = std::get_if<xact_step>(&taken))
    return std::move(*s);
  auto& t = std::get<detail::xact_core::taken>(taken);
  const auto& a = t.msg.attrs;
  bool fresh = t.msg.message_id != core_.message_id();
  if (a.kind == cfg_type::request && fresh) {
    core_.accept(datagram, t);
    request_ = {};
    for (const auto& x : a.attributes) {
      if (std::find(request_.asked.begin(), request_.asked.end(), x.type) == request_.asked.end())
        request_.asked.push_back(x.type);
      auto ip = address_of(x);
      if (x.type == cfg_attr::internal_ip4_address && ip && *ip != ipv4_address{})
        request_.suggested_address = ip;
      if (x.type == unity_attr::ddns_hostname && !x.basic)
        request_.ddns_hostname = text_of(x);
    }
    state_ = state::need_values;
    xact_step s;
    s.message_id = t.msg.message_id;
    s.next = xact_next::provide_values;
    s.request = request_;
    s.text = "Mode Config REQUEST for " + std::to_string(request_.asked.size()) + " attributes";
    return s;
  }
  if (a.kind == cfg_type::ack && state_ == state::pushed) {
    core_.accept(datagram, t);
    state_ = state::idle;
    xact_step s;
    s.message_id = t.msg.message_id;
    s.status = xact_status::succeeded;
    s.text = "Mode Config ACK of " + std::to_string(a.attributes.size()) + " attributes";
    return s;
  }
  return ignored(xact_reason::unexpected_message,
                 "attribute payload type " + std::to_string(static_cast<int>(a.kind)) +
                     " is not what the Mode Config server expects now",
                 t.msg.message_id);
}

xact_step mode_cfg_server::answer(const mode_cfg_values& values) {
  if (state_ != state::need_values)
    return ignored(xact_reason::wrong_state, "no Mode Config REQUEST is waiting",
                   core_.message_id());
  auto v = values;
  if (v.ddns_hostname.empty())
    v.ddns_hostname = request_.ddns_hostname; // racoon echoes the client's name
  attribute_payload reply{cfg_type::reply, 0, encode_mode_cfg(v, request_.asked, unity_)};
  xact_step s;
  if (!core_.send_answer(reply, s))
    return s;
  state_ = state::idle;
  s.status = xact_status::succeeded;
  s.text = "Mode Config REPLY with " + std::to_string(reply.attributes.size()) +
           " attributes:" + describe(v);
  return s;
}

xact_step mode_cfg_server::push(const mode_cfg_values& values, std::uint32_t message_id) {
  if (state_ == state::need_values)
    return ignored(xact_reason::wrong_state, "a Mode Config REQUEST waits for its answer",
                   core_.message_id());
  attribute_payload set{cfg_type::set, 0, encode_mode_cfg(values, {}, unity_)};
  xact_step s;
  if (!core_.send_new(set, message_id, s))
    return s;
  state_ = state::pushed;
  s.text = "Mode Config SET with " + std::to_string(set.attributes.size()) +
           " attributes:" + describe(values);
  return s;
}

// -- client ---------------------------------------------------------------------------------

mode_cfg_client::mode_cfg_client(phase1_context p1) : core_(p1) {}

xact_step mode_cfg_client::request(std::vector<std::uint16_t> wanted, std::uint32_t message_id,
                                   std::optional<ipv4_address> suggest) {
  attribute_payload req{cfg_type::request, 0, {}};
  want_address_ = false;
  for (auto t : wanted) {
    bool address = t == cfg_attr::internal_ip4_address;
    want_address_ = want_address_ || address;
    req.attributes.push_back(
        data_attribute::tlv(t, address && suggest ? addr_bytes(*suggest) : bytes{}));
  }
  xact_step s;
  if (!core_.send_new(req, message_id, s))
    return s;
  waiting_ = true;
  s.text = "Mode Config REQUEST for " + std::to_string(wanted.size()) + " attributes";
  return s;
}

xact_step mode_cfg_client::receive(std::span<const std::uint8_t> datagram) {
  auto taken = core_.take(datagram, opens_push);
  if (auto* s = std::get_if<xact_step>(&taken))
    return std::move(*s);
  auto& t = std::get<detail::xact_core::taken>(taken);
  const auto& a = t.msg.attrs;
  bool fresh = t.msg.message_id != core_.message_id();
  xact_step s;
  s.message_id = t.msg.message_id;
  std::vector<std::uint16_t> skipped;
  if (a.kind == cfg_type::reply && waiting_ && !fresh) {
    core_.accept(datagram, t);
    waiting_ = false;
    values_ = decode_mode_cfg(a.attributes, &skipped);
    s.values = values_;
    if (want_address_ && !values_.address) {
      s.status = xact_status::failed;
      s.reason = xact_reason::no_address;
      s.text = "Mode Config REPLY without INTERNAL_IP4_ADDRESS";
      return s;
    }
    s.status = xact_status::succeeded;
    s.text = "Mode Config REPLY:" + describe(values_);
  } else if (a.kind == cfg_type::set && fresh) {
    core_.accept(datagram, t);
    values_ = decode_mode_cfg(a.attributes, &skipped);
    s.values = values_;
    attribute_payload ack{cfg_type::ack, 0, {}};
    for (const auto& x : a.attributes) {
      bool taken_type = std::find(skipped.begin(), skipped.end(), x.type) == skipped.end();
      bool listed = std::any_of(ack.attributes.begin(), ack.attributes.end(),
                                [&](const data_attribute& y) { return y.type == x.type; });
      if (taken_type && !listed)
        ack.attributes.push_back(x.basic ? data_attribute::tv(x.type, 0)
                                         : data_attribute::tlv(x.type, {}));
    }
    if (!core_.send_answer(ack, s))
      return s;
    s.status = xact_status::succeeded;
    s.text = "Mode Config SET acknowledged:" + describe(values_);
  } else {
    return ignored(xact_reason::unexpected_message,
                   "attribute payload type " + std::to_string(static_cast<int>(a.kind)) +
                       " is not what the Mode Config client expects now",
                   t.msg.message_id);
  }
  if (!skipped.empty())
    s.text += " (" + std::to_string(skipped.size()) + " attributes skipped)";
  return s;
}

} // namespace coati::ike
