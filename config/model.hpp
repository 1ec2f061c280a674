#pragma once
// The immutable, typed model of a racoon.conf (ipsec-tools 0.8 racoon.conf(5)).
// Owned by config/; see config.hpp for loading and printing. Paths are stored resolved
// (against the `path` values) and rebased under --config-root.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/address.hpp"

namespace coati::config {

/// racoon's log levels (`log LEVEL;`).
enum class log_level : std::uint8_t { error, warning, notify, info, debug, debug2 };

/// `listen { ... }`.
struct listen_block {
  std::vector<endpoint> isakmp;      ///< `isakmp ADDR [port];` (port 0 = not given, 500)
  std::vector<endpoint> isakmp_natt; ///< `isakmp_natt ADDR [port];`
  struct admin_socket {
    std::string path;  ///< socket path (after --config-root rebasing)
    std::string owner; ///< user name or numeric uid, empty = unchanged
    std::string group; ///< group name or numeric gid, empty = unchanged
    unsigned mode = 0600;
    bool operator==(const admin_socket&) const = default;
  };
  std::optional<admin_socket> adminsock; ///< nullopt = `adminsock disabled;` or not given
  bool adminsock_disabled = false;       ///< `adminsock disabled;` was written
  bool strict_address = false;
  bool operator==(const listen_block&) const = default;
};

/// `timer { ... }` (racoon's code defaults).
struct timer_block {
  unsigned counter = 5;
  std::chrono::seconds interval{10};
  unsigned persend = 1;
  std::chrono::seconds phase1{30};
  std::chrono::seconds phase2{30};
  std::chrono::seconds natt_keepalive{20};
  bool operator==(const timer_block&) const = default;
};

/// `admission { ... }`: coati's own (racoon has none). Limits on new phase 1 responders
/// (a peer actor spawned for an MM1/AM1 whose ISAKMP SA is not yet established), checked
/// by the listener before any per-SA work. 0 means no limit.
struct admission_block {
  unsigned half_open = 20000;        ///< half-open ISAKMP SAs in all
  unsigned half_open_per_source = 0; ///< half-open ISAKMP SAs per source address
  unsigned rate = 2000;              ///< new MM1/AM1 admitted per second (token bucket)
  unsigned burst = 10000;            ///< the bucket's depth
  bool operator==(const admission_block&) const = default;
};

/// `path include|pre_shared_key|certificate|script|backupsa|pidfile "p";`
struct paths_block {
  std::string include, pre_shared_key, certificate, script, backupsa, pidfile;
  bool operator==(const paths_block&) const = default;
};

/// `padding { ... }` (defaults as racoon's code).
struct padding_block {
  bool randomize = true;
  bool randomize_length = false;
  unsigned maximum_length = 20;
  bool exclusive_tail = true;
  bool strict_check = false;
  bool operator==(const padding_block&) const = default;
};

/// `privsep { user; group; chroot; }` (user/group: name or numeric id as text).
struct privsep_block {
  std::string user, group, chroot;
  bool operator==(const privsep_block&) const = default;
};

/// `gss_id_enc ...;`
enum class gss_id_encoding : std::uint8_t { utf16le, latin1 };

/// IKE exchange modes (`exchange_mode`).
enum class exchange_mode : std::uint8_t { main, aggressive, base };
/// Phase-1 ciphers (RFC 2409 class 1 names as racoon spells them).
enum class ike_cipher : std::uint8_t { des, des3, blowfish, cast128, aes, camellia, idea, rc5 };
/// Phase-1 hashes.
enum class ike_hash : std::uint8_t { md5, sha1, sha256, sha384, sha512 };
/// Phase-1 authentication methods.
enum class auth_method : std::uint8_t {
  pre_shared_key,
  rsasig,
  gssapi_krb,
  hybrid_rsa_server,
  hybrid_rsa_client,
  xauth_rsa_server,
  xauth_rsa_client,
  xauth_psk_server,
  xauth_psk_client
};
/// MODP groups, valued as their IKE group numbers.
enum class dh_group : std::uint8_t {
  modp768 = 1,
  modp1024 = 2,
  modp1536 = 5,
  modp2048 = 14,
  modp3072 = 15,
  modp4096 = 16,
  modp6144 = 17,
  modp8192 = 18
};
/// ESP ciphers (sainfo `encryption_algorithm`).
enum class esp_cipher : std::uint8_t {
  des,
  des3,
  des_iv64,
  des_iv32,
  rc5,
  rc4,
  idea,
  idea3,
  cast128,
  blowfish,
  null_enc,
  twofish,
  aes,
  camellia
};
/// ESP/AH authentication algorithms.
enum class esp_auth : std::uint8_t {
  hmac_md5,
  hmac_sha1,
  hmac_sha256,
  hmac_sha384,
  hmac_sha512,
  non_auth
};
/// IPComp algorithms.
enum class ipcomp_alg : std::uint8_t { oui, deflate, lzs };

/// An identifier as `my_identifier`, `peers_identifier` and sainfo `from` write it.
struct identifier {
  enum class kind : std::uint8_t { address, fqdn, user_fqdn, keyid_file, keyid_tag, asn1dn };
  kind type = kind::address;
  std::optional<ip_address> addr; ///< address kind; nullopt = "my local address"
  std::string value; ///< fqdn/user_fqdn/tag text, DN text (empty = own cert subject), key file path
  bool operator==(const identifier&) const = default;
};

/// One `proposal { ... }` of a remote.
struct proposal {
  ike_cipher encryption = ike_cipher::des3;
  unsigned key_bits = 0; ///< 0 = the cipher's default
  ike_hash hash = ike_hash::sha1;
  auth_method auth = auth_method::pre_shared_key;
  dh_group dh = dh_group::modp1024;
  std::optional<std::chrono::seconds> lifetime; ///< nullopt = the remote's lifetime
  std::string gss_id;
  bool operator==(const proposal&) const = default;
};

enum class proposal_check_mode : std::uint8_t { obey, strict, claim, exact };
enum class generate_policy_mode : std::uint8_t { off, on, require, unique };
/// off/on/force switches (nat_traversal, ike_frag, rekey).
enum class tristate : std::uint8_t { off, on, force };
enum class situation : std::uint8_t { identity_only, secrecy, integrity };
enum class cert_type : std::uint8_t { x509, plain_rsa };

/// `remote ... { ... }` after `inherit` was applied.
struct remote_block {
  std::string name;                  ///< "anonymous", the address text, or the quoted name
  std::string inherits;              ///< parent's name, empty if none
  std::optional<ip_address> address; ///< nullopt = matches any peer (anonymous)
  std::uint16_t port = 0;            ///< 0 = not given
  std::vector<exchange_mode> exchange_modes;
  situation sit = situation::identity_only;
  std::optional<identifier> my_identifier;
  std::vector<identifier> peers_identifiers;
  bool verify_identifier = false;
  std::string xauth_login;
  struct certificate {
    cert_type type = cert_type::x509;
    std::string cert; ///< resolved path (x509); empty for plain_rsa
    std::string key;  ///< resolved private key path
    bool operator==(const certificate&) const = default;
  };
  std::optional<certificate> certificate_type;
  std::string ca_file; ///< `ca_type x509 "f";` resolved
  struct peers_cert {
    enum class kind : std::uint8_t { x509, plain_rsa, dnssec } type = kind::x509;
    std::string file; ///< resolved; empty for dnssec
    bool operator==(const peers_cert&) const = default;
  };
  std::optional<peers_cert> peers_certfile;
  bool send_cert = true, send_cr = true, verify_cert = true, match_empty_cr = false;
  std::chrono::seconds lifetime{28800};
  bool initial_contact = true, passive = false, support_proxy = false;
  unsigned nonce_size = 16;
  proposal_check_mode proposal_check = proposal_check_mode::strict;
  generate_policy_mode generate_policy = generate_policy_mode::off;
  tristate nat_traversal = tristate::off;
  tristate ike_frag = tristate::off;
  std::optional<unsigned> esp_frag;
  bool dpd = true;
  unsigned dpd_delay = 0, dpd_retry = 5, dpd_maxfail = 5;
  tristate rekey = tristate::on;
  std::string script_phase1_up, script_phase1_down, script_phase1_dead; ///< resolved paths
  bool mode_cfg = false, weak_phase1_check = false;
  unsigned ph1id = 0;
  std::vector<proposal> proposals;
  bool operator==(const remote_block&) const = default;
};

/// One side of a sainfo: an address/subnet/range with port and protocol, or a name.
struct sainfo_id {
  enum class kind : std::uint8_t { address, subnet, fqdn, user_fqdn, keyid };
  kind type = kind::address;
  ip_address addr;
  std::optional<ip_address> range_end; ///< `A-B` ranges
  unsigned prefix = 0;                 ///< prefix length (defaults to the host length)
  std::uint16_t port = 0;              ///< 0 = any
  std::uint16_t ulproto = 255;         ///< IP protocol number; 255 = any
  std::string value;                   ///< name kinds
  bool operator==(const sainfo_id&) const = default;
};

/// `sainfo LOCAL REMOTE [from ID] [group "g"] { ... }`.
struct sainfo_block {
  std::optional<sainfo_id> local;  ///< nullopt = anonymous
  std::optional<sainfo_id> remote; ///< nullopt = anonymous (or clientaddr)
  bool remote_clientaddr = false;
  std::optional<identifier> from;
  std::string group;
  std::optional<dh_group> pfs_group;
  std::chrono::seconds lifetime{28800};
  std::optional<unsigned> remoteid;
  struct cipher {
    esp_cipher alg = esp_cipher::aes;
    unsigned key_bits = 0; ///< 0 = default
    bool operator==(const cipher&) const = default;
  };
  std::vector<cipher> encryption;
  std::vector<esp_auth> authentication;
  std::vector<ipcomp_alg> compression;
  bool operator==(const sainfo_block&) const = default;
};

enum class auth_source : std::uint8_t { system, radius, pam, ldap };
enum class group_source : std::uint8_t { system, ldap };
enum class conf_source : std::uint8_t { local, radius, ldap };
enum class accounting : std::uint8_t { none, system, radius, pam };
enum class split_type : std::uint8_t { include, local_lan };

/// An address with a prefix length.
struct prefix {
  ip_address addr;
  unsigned length = 0;
  bool operator==(const prefix&) const = default;
};

/// `group "NAME" { ... }` inside `mode_cfg` (a coati extension; racoon has no per-group
/// Mode Config): the values a member of group NAME gets instead of the block's own. A value
/// not given here (nullopt) is the block's.
struct mode_cfg_group {
  std::string name;
  std::optional<std::vector<ip_address>> dns4, wins4;
  std::optional<split_type> split_network_type; ///< set: split_network replaces the block's
  std::vector<prefix> split_network;
  std::optional<std::vector<std::string>> split_dns;
  std::optional<std::string> default_domain;
  bool operator==(const mode_cfg_group&) const = default;
};

/// `mode_cfg { ... }` (server side).
struct mode_cfg_block {
  ip_address network4, netmask4;
  unsigned pool_size = 255;
  std::vector<ip_address> dns4, wins4;
  std::optional<split_type> split_network_type;
  std::vector<prefix> split_network;
  std::vector<std::string> split_dns;
  std::string default_domain;
  auth_source auth = auth_source::system;
  std::vector<std::string> auth_groups;
  group_source groups = group_source::system;
  conf_source conf = conf_source::local;
  accounting acct = accounting::none;
  unsigned auth_throttle = 1;
  unsigned pfs_group = 0;
  bool save_passwd = false;
  std::string banner; ///< resolved path, empty = /etc/motd
  /// Per-group values, in file order: a user gets the first block of one of their groups.
  std::vector<mode_cfg_group> group_values;
  bool operator==(const mode_cfg_block&) const = default;
};

/// `ldapcfg { ... }`.
struct ldapcfg_block {
  unsigned version = 3;
  std::string host = "localhost";
  unsigned port = 389;
  std::string base, bind_dn, bind_pw;
  bool subtree = false;
  std::string attr_user = "cn", attr_addr = "racoon-address", attr_mask = "racoon-netmask",
              attr_group = "cn", attr_member = "member";
  /// coati: StartTLS on an ldap:// connection before any bind (`starttls on;`), and the
  /// CA file the server's certificate must chain to (`tls_cacert "f";`, resolved against
  /// `path certificate`; used for ldaps:// too). Empty: the system's CAs.
  bool starttls = false;
  std::string tls_cacert;
  bool operator==(const ldapcfg_block&) const = default;
};

/// `radiuscfg { ... }`.
struct radiuscfg_block {
  struct server {
    std::string host;
    std::uint16_t port = 0; ///< 0 = default
    std::string secret;
    bool operator==(const server&) const = default;
  };
  std::vector<server> auth, acct;
  unsigned timeout = 3, retries = 3;
  bool operator==(const radiuscfg_block&) const = default;
};

/// `ddns { ... }` (coati's own block; racoon has none): RFC 2136 registration of every
/// roadwarrior's Mode Config address, forward (A) and reverse (PTR), TSIG-signed.
struct ddns_block {
  ip_address server;           ///< the primary name server that takes UPDATEs
  std::uint16_t port = 53;     ///< its port
  std::string zone;            ///< forward zone, e.g. "local"
  std::string reverse_zone;    ///< e.g. "201.168.192.in-addr.arpa"; empty: no PTR
  std::string name = "%u-vpn"; ///< host name inside `zone`; %u = the XAuth user
  unsigned ttl = 86400;        ///< of both records
  std::string key;             ///< bind key file (resolved path); empty: unsigned UPDATEs
  unsigned timeout = 5;        ///< seconds per UPDATE round trip
  unsigned retry = 30;         ///< seconds before the first retry (doubles, up to 10 min)
  bool operator==(const ddns_block&) const = default;
};

/// One `load "NAME" [required] { OPTION VALUE; ... }` in the plugins block.
struct plugin_load {
  std::string name;      ///< the shared object is `<path>/<name>.so`
  bool required = false; ///< true: coatid does not start without it
  /// The plugin's own options, in file order (values as written, unquoted).
  std::vector<std::pair<std::string, std::string>> options;
  bool operator==(const plugin_load&) const = default;
};

/// `plugins { ... }` (coati's own block): plugin actors loaded at start-up, fed by the
/// event bus (README "Plugin actors").
struct plugins_block {
  std::string path;      ///< the folder of the shared objects (resolved path)
  unsigned restarts = 3; ///< a plugin actor that fails is started again this often, then dropped
  std::vector<plugin_load> loads;
  bool operator==(const plugins_block&) const = default;
};

/// A whole, validated configuration. Immutable once loaded; shared by pointer.
struct configuration {
  paths_block paths;
  std::optional<log_level> log; ///< nullopt: not given (daemon default info)
  listen_block listen;
  timer_block timer;
  admission_block admission;
  padding_block padding;
  std::optional<privsep_block> privsep;
  gss_id_encoding gss_id_enc = gss_id_encoding::utf16le;
  unsigned pfkey_buffer = 0; ///< KiB, 0 = OS default
  bool complex_bundle = true;
  std::vector<remote_block> remotes; ///< in file order
  std::vector<sainfo_block> sainfos; ///< in file order
  std::optional<mode_cfg_block> mode_cfg;
  std::optional<ldapcfg_block> ldapcfg;
  std::optional<radiuscfg_block> radiuscfg;
  std::optional<ddns_block> ddns;
  std::optional<plugins_block> plugins;
  bool operator==(const configuration&) const = default;
};

} // namespace coati::config
