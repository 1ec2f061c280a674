#pragma once
// Linux-PAM back end: pam_start (or pam_start_confdir), a conversation that answers the
// password prompt, pam_authenticate, pam_acct_mgmt, then the user's groups. Blocking and
// thread-safe (one PAM handle per call).

#include <memory>
#include <string>

#include "auth/check.hpp"

namespace coati::auth {

/// Where PAM takes its stack from.
struct pam_options {
  /// The PAM service (racoon's is "racoon": /etc/pam.d/racoon; without that file Linux-PAM
  /// uses /etc/pam.d/other, which on Debian is the system's common-* stack).
  std::string service = "racoon";
  /// A private PAM configuration folder (pam_start_confdir) instead of /etc/pam.d; empty
  /// for the system's. Tests use it so that the host's configuration is never touched.
  std::string confdir;
};

/// Checks `user` / `password` with PAM: authenticate, then account management, then the
/// groups (getgrouplist). `remote` goes to PAM_RHOST. The password reaches PAM only
/// through the conversation function; every copy this code makes is wiped, and no text
/// in the result contains it. A password with a NUL byte is refused as bad_credentials.
check_result pam_check(const pam_options& opts, const std::string& user,
                       const crypto::secret_bytes& password, const std::string& remote);

/// `pam_check` as a checker.
class pam_checker final : public checker {
public:
  explicit pam_checker(pam_options opts) : opts_(std::move(opts)) {}
  check_result check(const std::string& user, const crypto::secret_bytes& password,
                     const std::string& remote) const override;
  std::string describe() const override;

private:
  pam_options opts_;
};

/// The checker for a back end: `pam` and `system` both use PAM with `opts` (racoon's
/// `system` read the password database with getpwnam/crypt; PAM's pam_unix reads the same
/// database and also checks expiry, without a crypt dependency); `ldap` and `radius`
/// answer `unsupported` for now.
std::shared_ptr<const checker> make_checker(backend b, const pam_options& opts);

/// The user's group names (primary first), from getpwnam_r + getgrouplist; empty when the
/// user is not in the name service.
std::vector<std::string> groups_of(const std::string& user);

} // namespace coati::auth
