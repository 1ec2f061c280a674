#pragma once
// What an XAuth check answers, whatever the back end: the verdict, a reason when it is a
// refusal, a text for the log (never the password) and the user's groups. A back end is a
// `checker`: a blocking, thread-safe call that coati's auth actor runs on its workers.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/secret.hpp"

namespace coati::auth {

/// Why a check did not succeed (`ok` when it did). The words of `to_string` name the
/// auth actor's counters (auth.failed.<word>).
enum class reason : std::uint8_t {
  ok = 0,          ///< user and password accepted, account usable
  bad_credentials, ///< unknown user or wrong password
  account_expired, ///< the account (or its password) has expired
  account_denied,  ///< the account may not log in now (locked, access rules, ...)
  backend_error,   ///< the back end failed (PAM module error, LDAP server down, ...)
  timeout,         ///< no answer within the time limit
  busy,            ///< too many checks waiting: refused at once
  unsupported,     ///< the configured back end is not available in this build
};

/// The word for a reason: "ok", "bad_credentials", ...
std::string_view to_string(reason r);

/// The answer of one check.
struct check_result {
  check_result() = default;
  check_result(reason w, std::string t, std::vector<std::string> g = {})
      : why(w), text(std::move(t)), groups(std::move(g)) {}
  reason why = reason::backend_error;
  std::string text;                ///< for logs and the client's status; never secret
  std::vector<std::string> groups; ///< the user's groups when `why == ok`
  /// The user's own address and netmask (dotted quads) from the directory (conf_source
  /// ldap); empty: an address from the pool.
  std::string address, netmask;
  /// True when the user may log in.
  bool ok() const { return why == reason::ok; }
};

/// The back ends `mode_cfg { auth_source ...; }` can name.
enum class backend : std::uint8_t {
  pam,    ///< Linux-PAM, with the configured service (default "racoon")
  system, ///< the system password database: PAM with the same service (see make_checker)
  ldap,   ///< an LDAP directory (auth/ldap.hpp), racoon's `ldapcfg`
  radius, ///< not planned: every check answers `unsupported`
};

/// The word for a back end: "pam", "system", "ldap", "radius".
std::string_view to_string(backend b);

/// One way of checking a user and password. `check` blocks (PAM, LDAP round trips), so
/// it is only called from worker threads; it must be safe to call from several threads
/// at once. It never keeps or logs the password.
class checker {
public:
  virtual ~checker() = default;
  /// Checks `user` with `password`; `remote` ("addr" or "addr:port") is for logs and
  /// for back ends that want it (PAM_RHOST).
  virtual check_result check(const std::string& user, const crypto::secret_bytes& password,
                             const std::string& remote) const = 0;
  /// The back end's name for logs ("pam racoon", "ldap ...").
  virtual std::string describe() const = 0;
};

/// A checker that refuses everything with `unsupported` (LDAP and RADIUS until they exist).
std::shared_ptr<const checker> make_unsupported_checker(std::string what);

} // namespace coati::auth
