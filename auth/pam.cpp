#include "auth/pam.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <security/pam_appl.h>

namespace coati::auth {

namespace {

/// What the conversation function needs: the answers to the prompts.
struct conversation_data {
  const std::string* user;
  const crypto::secret_bytes* password;
};

/// Frees `n` responses, wiping each answer first.
void drop_responses(pam_response* r, int n) {
  if (r == nullptr)
    return;
  for (int i = 0; i < n; ++i)
    if (r[i].resp != nullptr) {
      crypto::detail::wipe(r[i].resp, std::strlen(r[i].resp));
      std::free(r[i].resp);
    }
  std::free(r);
}

/// A malloc'd, NUL-terminated copy of `n` bytes (PAM frees it; modules wipe it).
char* c_copy(const void* p, std::size_t n) {
  auto* s = static_cast<char*>(std::malloc(n + 1));
  if (s == nullptr)
    return nullptr;
  if (n > 0)
    std::memcpy(s, p, n);
  s[n] = '\0';
  return s;
}

/// Answers a hidden prompt with the password and a visible one with the user name;
/// informational and error messages get no answer. Anything else ends the conversation.
extern "C" int converse(int n, const pam_message** msg, pam_response** resp, void* appdata) {
  if (n <= 0 || n > PAM_MAX_NUM_MSG || resp == nullptr || appdata == nullptr)
    return PAM_CONV_ERR;
  const auto& data = *static_cast<const conversation_data*>(appdata);
  auto* out =
      static_cast<pam_response*>(std::calloc(static_cast<std::size_t>(n), sizeof(pam_response)));
  if (out == nullptr)
    return PAM_BUF_ERR;
  for (int i = 0; i < n; ++i) {
    switch (msg[i]->msg_style) {
    case PAM_PROMPT_ECHO_OFF:
      out[i].resp = c_copy(data.password->data(), data.password->size());
      break;
    case PAM_PROMPT_ECHO_ON:
      out[i].resp = c_copy(data.user->data(), data.user->size());
      break;
    case PAM_ERROR_MSG:
    case PAM_TEXT_INFO:
      continue;
    default:
      drop_responses(out, n);
      return PAM_CONV_ERR;
    }
    if (out[i].resp == nullptr) {
      drop_responses(out, n);
      return PAM_BUF_ERR;
    }
  }
  *resp = out;
  return PAM_SUCCESS;
}

/// No sleep after a failure: the worker is free at once; throttling failed logins is the
/// XAuth exchange's job (racoon's `auth_throttle`).
extern "C" void no_fail_delay(int, unsigned, void*) {}

/// The address part of "addr:port", "[v6]:port", "v6" or "addr".
std::string host_of(const std::string& remote) {
  if (!remote.empty() && remote.front() == '[') {
    auto end = remote.find(']');
    return end == std::string::npos ? remote : remote.substr(1, end - 1);
  }
  auto colon = remote.find(':');
  if (colon != std::string::npos && remote.find(':', colon + 1) == std::string::npos)
    return remote.substr(0, colon);
  return remote;
}

/// The verdict for pam_authenticate's return code.
reason authenticate_reason(int rc) {
  switch (rc) {
  case PAM_AUTH_ERR:
  case PAM_USER_UNKNOWN:
  case PAM_CRED_INSUFFICIENT:
  case PAM_MAXTRIES:
    return reason::bad_credentials;
  case PAM_ACCT_EXPIRED:
  case PAM_AUTHTOK_EXPIRED:
    return reason::account_expired;
  case PAM_PERM_DENIED:
    return reason::account_denied;
  default:
    return reason::backend_error;
  }
}

/// The verdict for pam_acct_mgmt's return code.
reason account_reason(int rc) {
  switch (rc) {
  case PAM_ACCT_EXPIRED:
  case PAM_NEW_AUTHTOK_REQD: // the password expired: XAuth cannot change it
  case PAM_AUTHTOK_EXPIRED:
    return reason::account_expired;
  case PAM_PERM_DENIED:
  case PAM_AUTH_ERR:
  case PAM_USER_UNKNOWN:
    return reason::account_denied;
  default:
    return reason::backend_error;
  }
}

/// Ends the PAM transaction whatever happens.
struct pam_session {
  pam_handle_t* h = nullptr;
  int last = PAM_SUCCESS;
  ~pam_session() {
    if (h != nullptr)
      pam_end(h, last);
  }
  std::string error(const char* step, int rc) const {
    return std::string{step} + ": " + pam_strerror(h, rc);
  }
};

} // namespace

std::vector<std::string> groups_of(const std::string& user) {
  std::vector<std::string> out;
  long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buf(hint > 0 ? static_cast<std::size_t>(hint) : 4096);
  passwd pw{};
  passwd* found = nullptr;
  int rc = 0;
  while ((rc = getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found)) == ERANGE &&
         buf.size() < (1u << 20))
    buf.resize(buf.size() * 2);
  if (rc != 0 || found == nullptr)
    return out;
  std::vector<gid_t> gids(32);
  int n = static_cast<int>(gids.size());
  while (getgrouplist(user.c_str(), pw.pw_gid, gids.data(), &n) < 0) {
    if (n <= static_cast<int>(gids.size()))
      n = static_cast<int>(gids.size()) * 2;
    gids.resize(static_cast<std::size_t>(n));
  }
  gids.resize(static_cast<std::size_t>(n));
  hint = sysconf(_SC_GETGR_R_SIZE_MAX);
  std::vector<char> gbuf(hint > 0 ? static_cast<std::size_t>(hint) : 4096);
  for (auto gid : gids) {
    group gr{};
    group* g = nullptr;
    while ((rc = getgrgid_r(gid, &gr, gbuf.data(), gbuf.size(), &g)) == ERANGE &&
           gbuf.size() < (1u << 22))
      gbuf.resize(gbuf.size() * 2);
    if (rc == 0 && g != nullptr)
      out.emplace_back(g->gr_name);
  }
  return out;
}

check_result pam_check(const pam_options& opts, const std::string& user,
                       const crypto::secret_bytes& password, const std::string& remote) {
  if (user.empty())
    return {reason::bad_credentials, "empty user name", {}};
  if (!password.empty() && std::memchr(password.data(), 0, password.size()) != nullptr)
    return {reason::bad_credentials, "password contains a NUL byte", {}};
  conversation_data data{&user, &password};
  const pam_conv conv{&converse, &data};
  pam_session s;
  int rc = opts.confdir.empty() ? pam_start(opts.service.c_str(), user.c_str(), &conv, &s.h)
                                : pam_start_confdir(opts.service.c_str(), user.c_str(), &conv,
                                                    opts.confdir.c_str(), &s.h);
  if (rc != PAM_SUCCESS) {
    s.h = nullptr; // nothing to end
    return {reason::backend_error, std::string{"pam_start: "} + pam_strerror(nullptr, rc), {}};
  }
  auto rhost = host_of(remote);
  if (!rhost.empty())
    pam_set_item(s.h, PAM_RHOST, rhost.c_str());
  pam_set_item(s.h, PAM_FAIL_DELAY, reinterpret_cast<const void*>(&no_fail_delay));
  rc = pam_authenticate(s.h, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
  s.last = rc;
  if (rc != PAM_SUCCESS)
    return {authenticate_reason(rc), s.error("pam_authenticate", rc), {}};
  rc = pam_acct_mgmt(s.h, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
  s.last = rc;
  if (rc != PAM_SUCCESS)
    return {account_reason(rc), s.error("pam_acct_mgmt", rc), {}};
  return {reason::ok, "accepted", groups_of(user)};
}

check_result pam_checker::check(const std::string& user, const crypto::secret_bytes& password,
                                const std::string& remote) const {
  try {
    return pam_check(opts_, user, password, remote);
  } catch (const std::bad_alloc&) {
    return {reason::backend_error, "out of memory", {}};
  }
}

std::string pam_checker::describe() const {
  return "pam service " + opts_.service + (opts_.confdir.empty() ? "" : " in " + opts_.confdir);
}

std::shared_ptr<const checker> make_checker(backend b, const pam_options& opts) {
  switch (b) {
  case backend::pam:
  case backend::system:
    return std::make_shared<pam_checker>(opts);
  case backend::ldap:
    return make_unsupported_checker("auth_source ldap without an ldapcfg block");
  case backend::radius:
    return make_unsupported_checker("auth_source radius");
  }
  return make_unsupported_checker("unknown auth_source");
}

} // namespace coati::auth
