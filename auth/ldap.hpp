#pragma once
// LDAP back end (OpenLDAP's libldap), racoon's `ldapcfg` semantics: find the user's entry
// (attr_user=USER under base, one level or subtree) bound as bind_dn/bind_pw (anonymous
// without bind_dn), then bind as that entry's DN with the user's password (simple bind).
// Groups: the attr_group values of the entries under base whose attr_member is the user's
// DN. Address: the entry's attr_addr / attr_mask (conf_source ldap).
//
// Blocking, so only called on the auth actor's workers; thread-safe. Every libldap call has
// its own limit (LDAP_OPT_NETWORK_TIMEOUT for the connect, LDAP_OPT_TIMEOUT and the search
// time limit for each operation), so a dead or stopped server never holds a worker longer
// than that. Service connections are kept between checks (at most `max_idle`); a call that
// fails drops its connection; when a kept one finds the server gone (restarted since),
// every kept one is dropped and the check is tried once more on a new connection.
// Neither the user's password nor bind_pw ever reaches a result text or a log.

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "auth/check.hpp"

namespace coati::auth {

/// The `ldapcfg` block, as the back end needs it.
struct ldap_options {
  unsigned version = 3;
  /// A host name or address (racoon), or a whole URI "ldap://..." / "ldaps://..." (coati).
  std::string host = "localhost";
  unsigned port = 389;
  std::string base;
  bool subtree = false;
  std::string bind_dn;
  crypto::secret_bytes bind_pw;
  std::string attr_user = "cn", attr_addr = "racoon-address", attr_mask = "racoon-netmask",
              attr_group = "cn", attr_member = "member";
  /// StartTLS on every new connection (ldap://) before its first bind; a failure (no TLS
  /// on the server, a certificate that does not chain to the CA) fails the check.
  bool starttls = false;
  /// PEM file of the CA the server's certificate must chain to (StartTLS or ldaps://);
  /// empty: libldap's default (ldap.conf, the system's CAs). The name is always checked.
  std::string tls_cacert;
  /// Limit of each connect and each operation.
  std::chrono::milliseconds timeout{5000};
  /// Service connections kept open between checks.
  std::size_t max_idle = 8;
};

/// `value` escaped for an LDAP filter (RFC 4515): `*`, `(`, `)`, `\` and NUL become \2a,
/// \28, \29, \5c, \00, so that no user name changes the filter's structure.
std::string ldap_filter_escape(std::string_view value);

/// The URI for `o`: its host when that is a URI already, else "ldap://host:port".
std::string ldap_uri(const ldap_options& o);

/// What the directory says about one user.
struct ldap_entry {
  std::string dn;
  std::vector<std::string> groups;
  std::string address, netmask; ///< attr_addr / attr_mask, empty when absent
};

/// The directory: lookups and password checks over pooled service connections.
class ldap_directory {
public:
  explicit ldap_directory(ldap_options o);
  ~ldap_directory();
  ldap_directory(const ldap_directory&) = delete;
  ldap_directory& operator=(const ldap_directory&) = delete;

  /// Finds `user` and, when `groups`, its groups. With `password`, also binds as the
  /// user with it: `ok` only when that bind succeeds. Without one (group_source /
  /// conf_source ldap after PAM), `ok` when the user is found. The entry goes to `out`.
  check_result find(const std::string& user, const crypto::secret_bytes* password, bool groups,
                    ldap_entry& out) const;

  const ldap_options& options() const { return opts_; }
  /// "ldap URI base B (subtree|one level)".
  std::string describe() const;

private:
  struct conn;
  /// A service connection (kept or new, bound as the service), or null and `err`;
  /// `stale` when a kept one found the server gone.
  std::unique_ptr<conn> take(check_result& err, bool& stale) const;
  check_result attempt(const std::string& user, const crypto::secret_bytes* password, bool groups,
                       ldap_entry& out, bool& stale) const;
  void give_back(std::unique_ptr<conn> c) const;

  ldap_options opts_;
  mutable std::mutex mutex_;
  mutable std::vector<std::unique_ptr<conn>> idle_;
};

/// auth_source ldap: the password checked by the directory; groups from the directory
/// when `ldap_groups` (group_source ldap), else the system's; the address from the
/// directory when `ldap_address` (conf_source ldap).
class ldap_checker final : public checker {
public:
  ldap_checker(std::shared_ptr<const ldap_directory> dir, bool ldap_groups, bool ldap_address)
      : dir_(std::move(dir)), groups_(ldap_groups), address_(ldap_address) {}
  check_result check(const std::string& user, const crypto::secret_bytes& password,
                     const std::string& remote) const override;
  std::string describe() const override;

private:
  std::shared_ptr<const ldap_directory> dir_;
  bool groups_, address_;
};

/// Another back end (PAM) checks the password; then the directory gives the groups
/// (group_source ldap) and/or the address (conf_source ldap) of an accepted user.
class ldap_lookup_checker final : public checker {
public:
  ldap_lookup_checker(std::shared_ptr<const checker> inner,
                      std::shared_ptr<const ldap_directory> dir, bool ldap_groups,
                      bool ldap_address)
      : inner_(std::move(inner)), dir_(std::move(dir)), groups_(ldap_groups),
        address_(ldap_address) {}
  check_result check(const std::string& user, const crypto::secret_bytes& password,
                     const std::string& remote) const override;
  std::string describe() const override;

private:
  std::shared_ptr<const checker> inner_;
  std::shared_ptr<const ldap_directory> dir_;
  bool groups_, address_;
};

} // namespace coati::auth
