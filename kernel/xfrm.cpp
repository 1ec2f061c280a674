#include "kernel/xfrm.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <linux/ipsec.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <utility>

extern "C" {
#include <linux/netlink.h>
#include <netlink/addr.h>
#include <netlink/attr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/xfrm/lifetime.h>
#include <netlink/xfrm/sa.h>
#include <netlink/xfrm/selector.h>
#include <netlink/xfrm/sp.h>
#include <netlink/xfrm/template.h>
}

namespace coati::kernel {
namespace {

/// "0x0000abcd", as ip xfrm and setkey print SPIs.
std::string spi_text(std::uint32_t spi) {
  static const char* digits = "0123456789abcdef";
  std::string out = "0x00000000";
  for (int k = 0; k < 8; ++k)
    out[9 - k] = digits[(spi >> (4 * k)) & 0xf];
  return out;
}

/// Owns one libnl object and drops its reference at scope exit.
template <class T, void (*Put)(T*)>
struct nl_ref {
  T* p;
  explicit nl_ref(T* ptr) : p(ptr) {}
  nl_ref(const nl_ref&) = delete;
  nl_ref& operator=(const nl_ref&) = delete;
  ~nl_ref() {
    if (p != nullptr)
      Put(p);
  }
};
using addr_ref = nl_ref<nl_addr, nl_addr_put>;
using sa_ref = nl_ref<xfrmnl_sa, xfrmnl_sa_put>;
using sp_ref = nl_ref<xfrmnl_sp, xfrmnl_sp_put>;
using sel_ref = nl_ref<xfrmnl_sel, xfrmnl_sel_put>;
using msg_ref = nl_ref<nl_msg, nlmsg_free>;

constexpr unsigned long long xfrm_inf = ~0ULL;

int family_of(const ip_address& a) {
  return a.fam == ip_address::family::v4 ? AF_INET : AF_INET6;
}
std::size_t length_of(const ip_address& a) {
  return a.fam == ip_address::family::v4 ? 4 : 16;
}

nl_addr* make_addr(const ip_address& a, int prefix = -1) {
  nl_addr* na = nl_addr_build(family_of(a), a.bytes.data(), length_of(a));
  if (na != nullptr && prefix >= 0)
    nl_addr_set_prefixlen(na, prefix);
  return na;
}

error make_error(int code, const std::string& what) {
  error e;
  e.code = code;
  e.text = what + ": " + nl_geterror(code);
  return e;
}

/// An error from the kernel's own answer: its errno and, when given, its extended-ack text.
error kernel_error(int sys_errno, const std::string& kernel_text, const std::string& what) {
  error e;
  e.sys_errno = sys_errno;
  e.code = -nl_syserr2nlerr(sys_errno);
  e.text = what + ": " + (kernel_text.empty() ? std::strerror(sys_errno) : kernel_text);
  if (e.unsupported())
    e.text += " (this kernel lacks that IPsec transform or algorithm: ESP/AH/IPComp or the "
              "cipher is not built in or loaded)";
  return e;
}

/// What the kernel answered to one request.
struct answer {
  bool acked = false;
  int sys_errno = 0;
  std::string text;
  nl_recvmsg_msg_cb_t on_valid = nullptr;
  void* valid_arg = nullptr;
};

int on_error(sockaddr_nl*, nlmsgerr* err, void* arg) {
  auto* a = static_cast<answer*>(arg);
  a->acked = true;
  a->sys_errno = -err->error;
  // Extended ack (NETLINK_EXT_ACK): TLVs follow the echoed request.
  auto* hdr = reinterpret_cast<nlmsghdr*>(reinterpret_cast<char*>(err) - NLMSG_HDRLEN);
  if ((hdr->nlmsg_flags & NLM_F_ACK_TLVS) == 0)
    return NL_STOP;
  std::size_t off = sizeof(nlmsgerr);
  if ((hdr->nlmsg_flags & NLM_F_CAPPED) == 0)
    off += err->msg.nlmsg_len - NLMSG_HDRLEN;
  int len = static_cast<int>(hdr->nlmsg_len) - NLMSG_HDRLEN - static_cast<int>(NLMSG_ALIGN(off));
  if (len <= 0)
    return NL_STOP;
  auto* tlv = reinterpret_cast<nlattr*>(reinterpret_cast<char*>(err) + NLMSG_ALIGN(off));
  nlattr* pos = nullptr;
  int rem = 0;
  nla_for_each_attr(pos, tlv, len, rem) {
    if (nla_type(pos) == NLMSGERR_ATTR_MSG && nla_len(pos) > 0)
      a->text.assign(
          static_cast<const char*>(nla_data(pos)),
          strnlen(static_cast<const char*>(nla_data(pos)), static_cast<std::size_t>(nla_len(pos))));
  }
  return NL_STOP;
}

int on_ack(nl_msg*, void* arg) {
  static_cast<answer*>(arg)->acked = true;
  return NL_STOP;
}

int on_valid(nl_msg* msg, void* arg) {
  auto* a = static_cast<answer*>(arg);
  return a->on_valid != nullptr ? a->on_valid(msg, a->valid_arg) : NL_OK;
}

std::string describe(const selector& s) {
  return s.src.to_string() + "/" + std::to_string(s.src_prefix) + " -> " + s.dst.to_string() + "/" +
         std::to_string(s.dst_prefix);
}

/// Fills a libnl selector from ours.
void fill_selector(xfrmnl_sel* s, const selector& sel) {
  addr_ref src{make_addr(sel.src, sel.src_prefix)};
  addr_ref dst{make_addr(sel.dst, sel.dst_prefix)};
  xfrmnl_sel_set_family(s, static_cast<unsigned>(family_of(sel.src)));
  xfrmnl_sel_set_saddr(s, src.p);
  xfrmnl_sel_set_daddr(s, dst.p);
  xfrmnl_sel_set_prefixlen_s(s, sel.src_prefix);
  xfrmnl_sel_set_prefixlen_d(s, sel.dst_prefix);
  xfrmnl_sel_set_proto(s, sel.proto);
  xfrmnl_sel_set_sport(s, sel.sport);
  xfrmnl_sel_set_sportmask(s, sel.sport != 0 ? 0xffff : 0);
  xfrmnl_sel_set_dport(s, sel.dport);
  xfrmnl_sel_set_dportmask(s, sel.dport != 0 ? 0xffff : 0);
}

xfrmnl_ltime_cfg* make_lifetime(std::uint64_t soft_seconds, std::uint64_t hard_seconds) {
  xfrmnl_ltime_cfg* lt = xfrmnl_ltime_cfg_alloc();
  if (lt == nullptr)
    return nullptr;
  xfrmnl_ltime_cfg_set_soft_bytelimit(lt, xfrm_inf);
  xfrmnl_ltime_cfg_set_hard_bytelimit(lt, xfrm_inf);
  xfrmnl_ltime_cfg_set_soft_packetlimit(lt, xfrm_inf);
  xfrmnl_ltime_cfg_set_hard_packetlimit(lt, xfrm_inf);
  xfrmnl_ltime_cfg_set_soft_addexpires(lt, soft_seconds);
  xfrmnl_ltime_cfg_set_hard_addexpires(lt, hard_seconds);
  xfrmnl_ltime_cfg_set_soft_useexpires(lt, 0);
  xfrmnl_ltime_cfg_set_hard_useexpires(lt, 0);
  return lt;
}

/// Collects the SPI from the kernel's XFRM_MSG_NEWSA answer to ALLOCSPI.
int on_spi_reply(nl_msg* msg, void* arg) {
  nlmsghdr* hdr = nlmsg_hdr(msg);
  if (hdr->nlmsg_type != XFRM_MSG_NEWSA ||
      nlmsg_datalen(hdr) < static_cast<int>(sizeof(xfrm_usersa_info)))
    return NL_SKIP;
  auto* info = static_cast<xfrm_usersa_info*>(nlmsg_data(hdr));
  *static_cast<std::uint32_t*>(arg) = ntohl(info->id.spi);
  return NL_OK;
}

} // namespace

bool error::unsupported() const {
  // EPROTONOSUPPORT: no xfrm type for the protocol (no ESP/AH/IPComp);
  // ENOSYS: the algorithm is unknown to the kernel's crypto API.
  return sys_errno == EPROTONOSUPPORT || sys_errno == ENOSYS;
}

key_bytes::~key_bytes() {
  if (!b_.empty())
    explicit_bzero(b_.data(), b_.size());
}

result<xfrm_socket> xfrm_socket::open() {
  nl_sock* sock = nl_socket_alloc();
  if (sock == nullptr)
    return error{-NLE_NOMEM, "netlink socket: out of memory"};
  if (int rc = nl_connect(sock, NETLINK_XFRM); rc < 0) {
    nl_socket_free(sock);
    return make_error(rc, "connecting the XFRM netlink socket");
  }
  // Ask for the kernel's own words with each error (extended ack).
  int one = 1;
  setsockopt(nl_socket_get_fd(sock), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  // One receive per answer: libnl otherwise peeks at each datagram for its size first (two
  // system calls per message, 15 per quick mode). The kernel's answers to our requests (an
  // SA, an ACK, an error with our request echoed) are far below the buffer.
  nl_socket_disable_msg_peek(sock);
  if (int rc = nl_socket_set_msg_buf_size(sock, 64 * 1024); rc < 0) {
    nl_socket_free(sock);
    return make_error(rc, "sizing the XFRM netlink socket's buffer");
  }
  return xfrm_socket{sock};
}

xfrm_socket::xfrm_socket(xfrm_socket&& other) noexcept
    : sock_(std::exchange(other.sock_, nullptr)) {}

xfrm_socket& xfrm_socket::operator=(xfrm_socket&& other) noexcept {
  if (this != &other) {
    if (sock_ != nullptr)
      nl_socket_free(sock_);
    sock_ = std::exchange(other.sock_, nullptr);
  }
  return *this;
}

xfrm_socket::~xfrm_socket() {
  if (sock_ != nullptr)
    nl_socket_free(sock_);
}

result<done> xfrm_socket::transact(nl_msg* msg, const std::string& what,
                                   int (*valid)(nl_msg*, void*), void* arg) {
  if (int rc = nl_send_auto(sock_, msg); rc < 0)
    return make_error(rc, what);
  answer a;
  a.on_valid = valid;
  a.valid_arg = arg;
  nl_cb* base = nl_socket_get_cb(sock_); // a new reference
  nl_cb* cb = nl_cb_clone(base);
  nl_cb_put(base);
  if (cb == nullptr)
    return error{-NLE_NOMEM, what + ": out of memory"};
  nl_cb_err(cb, NL_CB_CUSTOM, on_error, &a);
  nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &a);
  nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &a);
  int rc = 0;
  while (!a.acked && rc >= 0)
    rc = nl_recvmsgs(sock_, cb);
  nl_cb_put(cb);
  if (a.sys_errno != 0)
    return kernel_error(a.sys_errno, a.text, what);
  if (rc < 0)
    return make_error(rc, what);
  return done{};
}

result<std::uint32_t> xfrm_socket::alloc_spi(const ip_address& src, const ip_address& dst,
                                             xfrm_proto proto, std::uint32_t reqid,
                                             std::uint32_t min, std::uint32_t max) {
  xfrm_userspi_info req{};
  req.info.family = static_cast<std::uint16_t>(family_of(dst));
  std::memcpy(&req.info.saddr, src.bytes.data(), length_of(src));
  std::memcpy(&req.info.id.daddr, dst.bytes.data(), length_of(dst));
  req.info.id.proto = static_cast<std::uint8_t>(proto);
  req.info.mode = XFRM_MODE_TUNNEL;
  req.info.reqid = reqid;
  req.info.lft.soft_byte_limit = req.info.lft.hard_byte_limit = xfrm_inf;
  req.info.lft.soft_packet_limit = req.info.lft.hard_packet_limit = xfrm_inf;
  req.min = min;
  req.max = max;
  msg_ref msg{nlmsg_alloc_simple(XFRM_MSG_ALLOCSPI, 0)};
  if (msg.p == nullptr || nlmsg_append(msg.p, &req, sizeof req, NLMSG_ALIGNTO) < 0)
    return error{-NLE_NOMEM, "ALLOCSPI: out of memory"};
  std::uint32_t spi = 0;
  auto r = transact(msg.p, "allocating an SPI from " + src.to_string() + " to " + dst.to_string(),
                    on_spi_reply, &spi);
  if (!r.ok())
    return r.err();
  if (spi == 0)
    return error{-NLE_MSG_TRUNC, "ALLOCSPI: the kernel's answer carried no SPI"};
  return spi;
}

result<done> xfrm_socket::add_sa(const sa_spec& spec, bool update) {
  sa_ref sa{xfrmnl_sa_alloc()};
  addr_ref src{make_addr(spec.src)};
  addr_ref dst{make_addr(spec.dst)};
  if (sa.p == nullptr || src.p == nullptr || dst.p == nullptr)
    return error{-NLE_NOMEM, "SA: out of memory"};
  xfrmnl_sa_set_family(sa.p, static_cast<unsigned>(family_of(spec.dst)));
  xfrmnl_sa_set_saddr(sa.p, src.p);
  xfrmnl_sa_set_daddr(sa.p, dst.p);
  xfrmnl_sa_set_spi(sa.p, spec.spi);
  xfrmnl_sa_set_proto(sa.p, static_cast<unsigned>(spec.proto));
  xfrmnl_sa_set_mode(sa.p, static_cast<unsigned>(spec.mode));
  xfrmnl_sa_set_reqid(sa.p, spec.reqid);
  xfrmnl_sa_set_replay_window(sa.p, spec.proto == xfrm_proto::comp ? 0 : 32);
  if (xfrmnl_ltime_cfg* lt = make_lifetime(spec.soft_seconds, spec.hard_seconds)) {
    xfrmnl_sa_set_lifetime_cfg(sa.p, lt);
    xfrmnl_ltime_cfg_put(lt);
  }
  sel_ref sel{xfrmnl_sel_alloc()};
  if (sel.p == nullptr)
    return error{-NLE_NOMEM, "SA: out of memory"};
  if (spec.sel) {
    fill_selector(sel.p, *spec.sel);
  } else {
    selector any; // tunnel mode: the policy decides what goes in; the SA's selector is open
    any.src.fam = any.dst.fam = spec.dst.fam;
    fill_selector(sel.p, any);
  }
  xfrmnl_sa_set_sel(sa.p, sel.p);
  // libnl copies the keys into its object; that copy is freed (not wiped) by libnl.
  const auto& ek = spec.enc_key.bytes();
  const auto& ak = spec.auth_key.bytes();
  if (!spec.enc_alg.empty())
    xfrmnl_sa_set_crypto_params(sa.p, spec.enc_alg.c_str(), static_cast<unsigned>(ek.size() * 8),
                                reinterpret_cast<const char*>(ek.data()));
  if (!spec.auth_alg.empty())
    xfrmnl_sa_set_auth_params(sa.p, spec.auth_alg.c_str(), static_cast<unsigned>(ak.size() * 8),
                              spec.auth_trunc_bits, reinterpret_cast<const char*>(ak.data()));
  if (!spec.comp_alg.empty())
    xfrmnl_sa_set_comp_params(sa.p, spec.comp_alg.c_str(), 0, "");
  if (spec.encap) {
    addr_ref oa{make_addr(spec.src)};
    xfrmnl_sa_set_encap_tmpl(sa.p, 2 /* UDP_ENCAP_ESPINUDP */, spec.encap->sport, spec.encap->dport,
                             oa.p);
  }
  if (spec.replay)
    xfrmnl_sa_set_replay_state(sa.p, spec.replay->oseq, spec.replay->seq, spec.replay->bitmap);
  std::string what = std::string{update ? "updating" : "adding"} + " SA " + spec.src.to_string() +
                     "->" + spec.dst.to_string() + " spi " + spi_text(spec.spi);
  if (spec.encap)
    what += " (ESP in UDP " + std::to_string(spec.encap->sport) + "->" +
            std::to_string(spec.encap->dport) + ")";
  nl_msg* raw = nullptr;
  int rc = update ? xfrmnl_sa_build_update_request(sa.p, 0, &raw)
                  : xfrmnl_sa_build_add_request(sa.p, NLM_F_EXCL, &raw);
  if (rc < 0)
    return make_error(rc, what);
  msg_ref msg{raw};
  auto r = transact(msg.p, what);
  // The request carried the keys: wipe it before it is freed.
  explicit_bzero(nlmsg_data(nlmsg_hdr(msg.p)),
                 static_cast<std::size_t>(nlmsg_datalen(nlmsg_hdr(msg.p))));
  return r;
}

result<replay_state> xfrm_socket::replay_of(const ip_address& dst, std::uint32_t spi,
                                            xfrm_proto proto) {
  addr_ref d{make_addr(dst)};
  if (d.p == nullptr)
    return error{-NLE_NOMEM, "SA: out of memory"};
  std::string what = "reading SA to " + dst.to_string() + " spi " + spi_text(spi);
  xfrmnl_sa* got = nullptr;
  if (int rc = xfrmnl_sa_get_kernel(sock_, d.p, spi, static_cast<unsigned>(proto), 0, 0, &got);
      rc < 0)
    return make_error(rc, what);
  sa_ref sa{got};
  unsigned oseq = 0, seq = 0, bitmap = 0;
  if (xfrmnl_sa_get_replay_state(sa.p, &oseq, &seq, &bitmap) < 0)
    return error{-NLE_MISSING_ATTR, what + ": no (non-ESN) replay state"};
  return replay_state{oseq, seq, bitmap};
}

result<done> xfrm_socket::delete_sa(const ip_address& dst, std::uint32_t spi, xfrm_proto proto) {
  sa_ref sa{xfrmnl_sa_alloc()};
  addr_ref d{make_addr(dst)};
  if (sa.p == nullptr || d.p == nullptr)
    return error{-NLE_NOMEM, "SA: out of memory"};
  xfrmnl_sa_set_family(sa.p, static_cast<unsigned>(family_of(dst)));
  xfrmnl_sa_set_daddr(sa.p, d.p);
  xfrmnl_sa_set_spi(sa.p, spi);
  xfrmnl_sa_set_proto(sa.p, static_cast<unsigned>(proto));
  std::string what = "deleting SA to " + dst.to_string() + " spi " + spi_text(spi);
  nl_msg* raw = nullptr;
  if (int rc = xfrmnl_sa_build_delete_request(sa.p, 0, &raw); rc < 0)
    return make_error(rc, what);
  msg_ref msg{raw};
  return transact(msg.p, what);
}

result<done> xfrm_socket::flush_sas(std::optional<xfrm_proto> proto) {
  xfrm_usersa_flush req{};
  req.proto = proto ? static_cast<std::uint8_t>(*proto) : IPSEC_PROTO_ANY;
  msg_ref msg{nlmsg_alloc_simple(XFRM_MSG_FLUSHSA, 0)};
  if (msg.p == nullptr || nlmsg_append(msg.p, &req, sizeof req, NLMSG_ALIGNTO) < 0)
    return error{-NLE_NOMEM, "flushing SAs: out of memory"};
  return transact(msg.p, "flushing SAs");
}

result<done> xfrm_socket::flush_policies() {
  msg_ref msg{nlmsg_alloc_simple(XFRM_MSG_FLUSHPOLICY, 0)};
  if (msg.p == nullptr)
    return error{-NLE_NOMEM, "flushing policies: out of memory"};
  return transact(msg.p, "flushing policies");
}

result<std::vector<sa_id>> xfrm_socket::list_sas() {
  nl_cache* cache = nullptr;
  if (int rc = xfrmnl_sa_alloc_cache(sock_, &cache); rc < 0)
    return make_error(rc, "listing SAs");
  std::vector<sa_id> out;
  nl_cache_foreach(
      cache,
      [](nl_object* obj, void* arg) {
        auto* sa = reinterpret_cast<xfrmnl_sa*>(obj);
        auto to_ip = [](nl_addr* a) {
          ip_address ip;
          if (a == nullptr)
            return ip;
          ip.fam =
              nl_addr_get_family(a) == AF_INET6 ? ip_address::family::v6 : ip_address::family::v4;
          std::memcpy(ip.bytes.data(), nl_addr_get_binary_addr(a),
                      std::min<std::size_t>(nl_addr_get_len(a), 16));
          return ip;
        };
        sa_id id;
        id.src = to_ip(xfrmnl_sa_get_saddr(sa));
        id.dst = to_ip(xfrmnl_sa_get_daddr(sa));
        id.spi = static_cast<std::uint32_t>(xfrmnl_sa_get_spi(sa));
        id.proto = static_cast<xfrm_proto>(xfrmnl_sa_get_proto(sa));
        id.reqid = static_cast<std::uint32_t>(xfrmnl_sa_get_reqid(sa));
        static_cast<std::vector<sa_id>*>(arg)->push_back(id);
      },
      &out);
  nl_cache_free(cache);
  return out;
}

result<done> xfrm_socket::add_policy(const policy_spec& spec, bool update) {
  sp_ref sp{xfrmnl_sp_alloc()};
  sel_ref sel{xfrmnl_sel_alloc()};
  if (sp.p == nullptr || sel.p == nullptr)
    return error{-NLE_NOMEM, "policy: out of memory"};
  fill_selector(sel.p, spec.sel);
  xfrmnl_sp_set_sel(sp.p, sel.p);
  xfrmnl_sp_set_dir(sp.p, static_cast<unsigned>(spec.dir));
  xfrmnl_sp_set_priority(sp.p, spec.priority);
  xfrmnl_sp_set_action(sp.p, spec.block ? XFRM_POLICY_BLOCK : XFRM_POLICY_ALLOW);
  if (xfrmnl_ltime_cfg* lt = make_lifetime(0, 0)) {
    xfrmnl_sp_set_lifetime_cfg(sp.p, lt);
    xfrmnl_ltime_cfg_put(lt);
  }
  for (const auto& t : spec.templates) {
    xfrmnl_user_tmpl* ut = xfrmnl_user_tmpl_alloc(); // owned by the policy once added
    if (ut == nullptr)
      return error{-NLE_NOMEM, "policy: out of memory"};
    addr_ref s{make_addr(t.src)};
    addr_ref d{make_addr(t.dst)};
    xfrmnl_user_tmpl_set_family(ut, static_cast<unsigned>(family_of(t.dst)));
    if (t.mode == xfrm_mode::tunnel) {
      xfrmnl_user_tmpl_set_saddr(ut, s.p);
      xfrmnl_user_tmpl_set_daddr(ut, d.p);
    } else {
      // Transport mode: the kernel ignores the addresses, libnl still wants both.
      ip_address any;
      any.fam = t.dst.fam;
      addr_ref a{make_addr(any)};
      addr_ref b{make_addr(any)};
      xfrmnl_user_tmpl_set_saddr(ut, a.p);
      xfrmnl_user_tmpl_set_daddr(ut, b.p);
    }
    xfrmnl_user_tmpl_set_proto(ut, static_cast<unsigned>(t.proto));
    xfrmnl_user_tmpl_set_mode(ut, static_cast<unsigned>(t.mode));
    xfrmnl_user_tmpl_set_reqid(ut, t.reqid);
    xfrmnl_user_tmpl_set_optional(ut, t.optional ? 1 : 0);
    xfrmnl_user_tmpl_set_aalgos(ut, ~0U);
    xfrmnl_user_tmpl_set_ealgos(ut, ~0U);
    xfrmnl_user_tmpl_set_calgos(ut, ~0U);
    xfrmnl_sp_add_usertemplate(sp.p, ut);
  }
  std::string what = std::string{update ? "updating" : "adding"} + " policy " + describe(spec.sel);
  nl_msg* raw = nullptr;
  int rc = update ? xfrmnl_sp_build_update_request(sp.p, 0, &raw)
                  : xfrmnl_sp_build_add_request(sp.p, NLM_F_EXCL, &raw);
  if (rc < 0)
    return make_error(rc, what);
  msg_ref msg{raw};
  return transact(msg.p, what);
}

result<done> xfrm_socket::delete_policy(const selector& s, direction dir) {
  sp_ref sp{xfrmnl_sp_alloc()};
  sel_ref sel{xfrmnl_sel_alloc()};
  if (sp.p == nullptr || sel.p == nullptr)
    return error{-NLE_NOMEM, "policy: out of memory"};
  fill_selector(sel.p, s);
  xfrmnl_sp_set_sel(sp.p, sel.p);
  xfrmnl_sp_set_dir(sp.p, static_cast<unsigned>(dir));
  std::string what = "deleting policy " + describe(s);
  nl_msg* raw = nullptr;
  if (int rc = xfrmnl_sp_build_delete_request(sp.p, 0, &raw); rc < 0)
    return make_error(rc, what);
  msg_ref msg{raw};
  return transact(msg.p, what);
}

} // namespace coati::kernel
