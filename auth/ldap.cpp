#include "auth/ldap.hpp"

#include <cstring>

#include <sys/time.h>

#include <ldap.h>

#include "auth/pam.hpp"

namespace coati::auth {

std::string ldap_filter_escape(std::string_view value) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '*' || c == '(' || c == ')' || c == '\\' || c == '\0') {
      auto b = static_cast<unsigned char>(c);
      out += '\\';
      out += hex[b >> 4];
      out += hex[b & 15];
    } else {
      out += c;
    }
  }
  return out;
}

std::string ldap_uri(const ldap_options& o) {
  if (o.host.find("://") != std::string::npos)
    return o.host;
  bool v6 = o.host.find(':') != std::string::npos;
  return "ldap://" + (v6 ? "[" + o.host + "]" : o.host) + ":" + std::to_string(o.port);
}

/// One service connection: bound as bind_dn (or anonymous) unless `rebind`.
struct ldap_directory::conn {
  LDAP* ld = nullptr;
  bool rebind = true;  ///< not bound as the service (new, or a user bind since)
  bool reused = false; ///< kept from an earlier check (the server may have restarted since)
  ~conn() {
    if (ld != nullptr)
      ldap_unbind_ext_s(ld, nullptr, nullptr);
  }
};

namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

/// A failed call's result: `what` failed with libldap's `rc`.
check_result failure(const ldap_options& o, const std::string& what, int rc) {
  auto server = "LDAP server " + ldap_uri(o);
  if (rc == LDAP_TIMEOUT)
    return {reason::timeout,
            what + ": " + server + " gave no answer within " + std::to_string(o.timeout.count()) +
                " ms",
            {}};
  if (rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR)
    return {reason::backend_error,
            what + ": " + server + " unreachable (" + ldap_err2string(rc) + ")",
            {}};
  return {reason::backend_error, what + ": " + server + ": " + ldap_err2string(rc), {}};
}

/// A failed StartTLS: the server's or the TLS library's reason (a certificate that does
/// not chain to tls_cacert, a name that does not match, no TLS on the server).
check_result tls_failure(LDAP* ld, const ldap_options& o, int rc) {
  std::string why = ldap_err2string(rc);
  char* diag = nullptr;
  if (ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag) == LDAP_OPT_SUCCESS && diag) {
    std::string d{diag};
    if (!d.empty() && d != "(unknown error code)")
      why += ": " + d;
    ldap_memfree(diag);
  }
  if (rc == LDAP_CONNECT_ERROR)
    why += "; the server's certificate does not chain to the CA, does not name the server, or "
           "the server offers no TLS";
  if (rc == LDAP_TIMEOUT)
    return failure(o, "StartTLS", rc);
  return {reason::backend_error,
          "StartTLS with LDAP server " + ldap_uri(o) + " failed (" + why + ")" +
              (o.tls_cacert.empty() ? std::string{} : "; CA file " + o.tls_cacert),
          {}};
}

/// Waits for the answer to `msgid` (all of it) within the limit. Returns the operation's
/// result code; on a timeout (LDAP_TIMEOUT) the request is abandoned. `res` gets the
/// messages (freed by the caller) when there are some.
int wait_result(LDAP* ld, int msgid, std::chrono::milliseconds limit, LDAPMessage** res) {
  auto tv = to_timeval(limit);
  *res = nullptr;
  int type = ldap_result(ld, msgid, LDAP_MSG_ALL, &tv, res);
  if (type == 0) {
    ldap_abandon_ext(ld, msgid, nullptr, nullptr);
    return LDAP_TIMEOUT;
  }
  if (type < 0) {
    int err = LDAP_OTHER;
    ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &err);
    return err == LDAP_SUCCESS ? LDAP_OTHER : err;
  }
  int err = LDAP_OTHER;
  if (ldap_parse_result(ld, *res, &err, nullptr, nullptr, nullptr, nullptr, 0) != LDAP_SUCCESS)
    return LDAP_OTHER;
  return err;
}

/// A simple bind as `dn` with `cred` (empty: anonymous), within the limit.
int simple_bind(LDAP* ld, const std::string& dn, const crypto::secret_bytes& cred,
                std::chrono::milliseconds limit) {
  berval bv{};
  bv.bv_len = static_cast<ber_len_t>(cred.size());
  bv.bv_val =
      cred.empty() ? nullptr : reinterpret_cast<char*>(const_cast<std::uint8_t*>(cred.data()));
  int msgid = -1;
  int rc = ldap_sasl_bind(ld, dn.empty() ? nullptr : dn.c_str(), LDAP_SASL_SIMPLE, &bv, nullptr,
                          nullptr, &msgid);
  if (rc != LDAP_SUCCESS)
    return rc;
  LDAPMessage* res = nullptr;
  rc = wait_result(ld, msgid, limit, &res);
  if (res != nullptr)
    ldap_msgfree(res);
  return rc;
}

/// The string values of `attr` in `entry`.
std::vector<std::string> values_of(LDAP* ld, LDAPMessage* entry, const std::string& attr) {
  std::vector<std::string> out;
  berval** v = ldap_get_values_len(ld, entry, attr.c_str());
  if (v == nullptr)
    return out;
  for (int i = 0; v[i] != nullptr; ++i)
    out.emplace_back(v[i]->bv_val, v[i]->bv_len);
  ldap_value_free_len(v);
  return out;
}

/// A search under base with the configured scope; `rc` the result, `res` the messages.
int search(LDAP* ld, const ldap_options& o, const std::string& filter,
           std::vector<std::string> attrs, int sizelimit, LDAPMessage** res) {
  std::vector<char*> a;
  for (auto& s : attrs)
    a.push_back(s.data());
  a.push_back(nullptr);
  auto tv = to_timeval(o.timeout);
  int msgid = -1;
  int rc = ldap_search_ext(ld, o.base.c_str(), o.subtree ? LDAP_SCOPE_SUBTREE : LDAP_SCOPE_ONELEVEL,
                           filter.c_str(), a.data(), 0, nullptr, nullptr, &tv, sizelimit, &msgid);
  if (rc != LDAP_SUCCESS)
    return rc;
  return wait_result(ld, msgid, o.timeout, res);
}

/// Frees a message chain when it goes out of scope.
struct messages {
  LDAPMessage* m = nullptr;
  ~messages() {
    if (m != nullptr)
      ldap_msgfree(m);
  }
};

} // namespace

ldap_directory::ldap_directory(ldap_options o) : opts_(std::move(o)) {}
ldap_directory::~ldap_directory() = default;

std::string ldap_directory::describe() const {
  return "ldap " + ldap_uri(opts_) + " base \"" + opts_.base + "\" (" +
         (opts_.subtree ? "subtree" : "one level") + ", " +
         (opts_.bind_dn.empty() ? "anonymous" : "bound as " + opts_.bind_dn) + ")";
}

std::unique_ptr<ldap_directory::conn> ldap_directory::take(check_result& err, bool& stale) const {
  std::unique_ptr<conn> c;
  {
    std::lock_guard lock{mutex_};
    if (!idle_.empty()) {
      c = std::move(idle_.back());
      idle_.pop_back();
      c->reused = true;
    }
  }
  if (!c) {
    c = std::make_unique<conn>();
    auto uri = ldap_uri(opts_);
    int rc = ldap_initialize(&c->ld, uri.c_str());
    if (rc != LDAP_SUCCESS) {
      c->ld = nullptr;
      err = failure(opts_, "ldap_initialize", rc);
      return nullptr;
    }
    int version = static_cast<int>(opts_.version);
    auto tv = to_timeval(opts_.timeout);
    ldap_set_option(c->ld, LDAP_OPT_PROTOCOL_VERSION, &version);
    ldap_set_option(c->ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
    ldap_set_option(c->ld, LDAP_OPT_TIMEOUT, &tv);
    ldap_set_option(c->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    ldap_set_option(c->ld, LDAP_OPT_RESTART, LDAP_OPT_ON);
    if (opts_.starttls || !opts_.tls_cacert.empty() || uri.starts_with("ldaps://")) {
      int demand = LDAP_OPT_X_TLS_DEMAND;
      ldap_set_option(c->ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
      if (!opts_.tls_cacert.empty())
        ldap_set_option(c->ld, LDAP_OPT_X_TLS_CACERTFILE, opts_.tls_cacert.c_str());
      int server = 0; // a client context of this connection's own, with the options above
      ldap_set_option(c->ld, LDAP_OPT_X_TLS_NEWCTX, &server);
    }
    if (opts_.starttls) {
      rc = ldap_start_tls_s(c->ld, nullptr, nullptr);
      if (rc != LDAP_SUCCESS) {
        err = tls_failure(c->ld, opts_, rc);
        return nullptr;
      }
    }
  }
  if (c->rebind) {
    int rc = simple_bind(c->ld, opts_.bind_dn, opts_.bind_pw, opts_.timeout);
    if (rc != LDAP_SUCCESS) {
      stale = c->reused && rc == LDAP_SERVER_DOWN;
      err = failure(
          opts_, opts_.bind_dn.empty() ? std::string{"anonymous bind"} : "bind as " + opts_.bind_dn,
          rc);
      return nullptr;
    }
    c->rebind = false;
  }
  return c;
}

void ldap_directory::give_back(std::unique_ptr<conn> c) const {
  std::lock_guard lock{mutex_};
  if (idle_.size() < opts_.max_idle)
    idle_.push_back(std::move(c));
}

check_result ldap_directory::find(const std::string& user, const crypto::secret_bytes* password,
                                  bool groups, ldap_entry& out) const {
  bool stale = false;
  auto r = attempt(user, password, groups, out, stale);
  if (!stale)
    return r;
  // A kept connection found the server gone (restarted since): so are the other kept
  // ones. Drop them all and try once more on a new connection.
  {
    std::lock_guard lock{mutex_};
    idle_.clear();
  }
  out = {};
  stale = false;
  return attempt(user, password, groups, out, stale);
}

check_result ldap_directory::attempt(const std::string& user, const crypto::secret_bytes* password,
                                     bool groups, ldap_entry& out, bool& stale) const {
  if (user.empty())
    return {reason::bad_credentials, "empty user name", {}};
  if (password != nullptr) {
    // An empty password would be an unauthenticated bind, which servers accept.
    if (password->empty())
      return {reason::bad_credentials, "empty password", {}};
    if (std::memchr(password->data(), 0, password->size()) != nullptr)
      return {reason::bad_credentials, "password contains a NUL byte", {}};
  }
  check_result err;
  auto c = take(err, stale);
  if (!c)
    return err;
  auto fail = [&](const std::string& what, int rc) {
    stale = c->reused && rc == LDAP_SERVER_DOWN;
    return failure(opts_, what, rc);
  };
  // The user's entry: exactly one.
  messages m;
  auto filter = "(" + opts_.attr_user + "=" + ldap_filter_escape(user) + ")";
  int rc = search(c->ld, opts_, filter, {opts_.attr_addr, opts_.attr_mask}, 2, &m.m);
  if (rc == LDAP_SIZELIMIT_EXCEEDED) {
    give_back(std::move(c));
    return {reason::account_denied, "several directory entries match " + filter, {}};
  }
  if (rc != LDAP_SUCCESS)
    return fail("search for the user", rc);
  if (ldap_count_entries(c->ld, m.m) != 1) {
    give_back(std::move(c));
    return {reason::bad_credentials, "no directory entry for the user", {}};
  }
  auto* entry = ldap_first_entry(c->ld, m.m);
  if (char* dn = ldap_get_dn(c->ld, entry); dn != nullptr) {
    out.dn = dn;
    ldap_memfree(dn);
  }
  if (auto a = values_of(c->ld, entry, opts_.attr_addr); !a.empty())
    out.address = a.front();
  if (auto k = values_of(c->ld, entry, opts_.attr_mask); !k.empty())
    out.netmask = k.front();
  // Its groups, still as the service (the user may not read them).
  if (groups) {
    messages g;
    rc = search(c->ld, opts_, "(" + opts_.attr_member + "=" + ldap_filter_escape(out.dn) + ")",
                {opts_.attr_group}, 0, &g.m);
    if (rc != LDAP_SUCCESS)
      return fail("search for the user's groups", rc);
    for (auto* e = ldap_first_entry(c->ld, g.m); e != nullptr; e = ldap_next_entry(c->ld, e))
      for (auto& v : values_of(c->ld, e, opts_.attr_group))
        out.groups.push_back(std::move(v));
  }
  // The password: a bind as the user's DN.
  if (password != nullptr) {
    c->rebind = true;
    rc = simple_bind(c->ld, out.dn, *password, opts_.timeout);
    if (rc == LDAP_INVALID_CREDENTIALS) {
      give_back(std::move(c));
      return {reason::bad_credentials, "the directory refused the password of " + out.dn, {}};
    }
    if (rc != LDAP_SUCCESS)
      return fail("bind as " + out.dn, rc);
  }
  give_back(std::move(c));
  return {reason::ok, "accepted by " + out.dn, out.groups};
}

namespace {

/// The result of a directory lookup as the check's: groups and address when wanted.
check_result with_entry(check_result r, ldap_entry e, bool groups, bool address) {
  if (!groups)
    r.groups.clear();
  if (address) {
    r.address = std::move(e.address);
    r.netmask = std::move(e.netmask);
  }
  return r;
}

} // namespace

check_result ldap_checker::check(const std::string& user, const crypto::secret_bytes& password,
                                 const std::string&) const {
  ldap_entry e;
  auto r = dir_->find(user, &password, groups_, e);
  if (!r.ok())
    return r;
  r = with_entry(std::move(r), std::move(e), groups_, address_);
  if (!groups_)
    r.groups = groups_of(user);
  return r;
}

std::string ldap_checker::describe() const {
  return dir_->describe();
}

check_result ldap_lookup_checker::check(const std::string& user,
                                        const crypto::secret_bytes& password,
                                        const std::string& remote) const {
  auto r = inner_->check(user, password, remote);
  if (!r.ok())
    return r;
  ldap_entry e;
  auto d = dir_->find(user, nullptr, groups_, e);
  if (d.why == reason::bad_credentials) { // no entry: in no group, the pool's address
    if (groups_)
      r.groups.clear();
    return r;
  }
  if (!d.ok())
    return {d.why, "accepted by " + inner_->describe() + ", but " + d.text, {}};
  auto out = with_entry(std::move(d), std::move(e), groups_, address_);
  out.text = r.text;
  if (!groups_)
    out.groups = std::move(r.groups);
  return out;
}

std::string ldap_lookup_checker::describe() const {
  return inner_->describe() + ", " + (groups_ ? "groups" : "") +
         (groups_ && address_ ? " and " : "") + (address_ ? "address" : "") + " from " +
         dir_->describe();
}

} // namespace coati::auth
