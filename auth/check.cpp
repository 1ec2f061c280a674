#include "auth/check.hpp"

namespace coati::auth {

std::string_view to_string(reason r) {
  switch (r) {
  case reason::ok:
    return "ok";
  case reason::bad_credentials:
    return "bad_credentials";
  case reason::account_expired:
    return "account_expired";
  case reason::account_denied:
    return "account_denied";
  case reason::backend_error:
    return "backend_error";
  case reason::timeout:
    return "timeout";
  case reason::busy:
    return "busy";
  case reason::unsupported:
    return "unsupported";
  }
  return "unknown";
}

std::string_view to_string(backend b) {
  switch (b) {
  case backend::pam:
    return "pam";
  case backend::system:
    return "system";
  case backend::ldap:
    return "ldap";
  case backend::radius:
    return "radius";
  }
  return "unknown";
}

namespace {

/// Refuses every check: the back end is not built.
class unsupported_checker final : public checker {
public:
  explicit unsupported_checker(std::string what) : what_(std::move(what)) {}
  check_result check(const std::string&, const crypto::secret_bytes&,
                     const std::string&) const override {
    return {reason::unsupported, what_ + " is not supported yet", {}};
  }
  std::string describe() const override { return what_ + " (unsupported)"; }

private:
  std::string what_;
};

} // namespace

std::shared_ptr<const checker> make_unsupported_checker(std::string what) {
  return std::make_shared<unsupported_checker>(std::move(what));
}

} // namespace coati::auth
