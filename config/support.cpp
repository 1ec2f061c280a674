// The one table of directives coati parses but does not implement yet. Each use gives a
// warning naming it; nothing in it is silently dropped.

#include <array>

#include "config/parser.hpp"

namespace coati::config::detail {

namespace {
constexpr std::array<std::string_view, 15> unimplemented = {"privsep",
                                                            "gss_id_enc",
                                                            "pfkey_buffer",
                                                            "complex_bundle",
                                                            "radiuscfg",
                                                            "gssapi_krb",
                                                            "gss_id",
                                                            "esp_frag",
                                                            "path backupsa",
                                                            "peers_certfile dnssec",
                                                            "plain_rsa",
                                                            "auth_source radius",
                                                            "accounting radius",
                                                            "accounting pam",
                                                            "conf_source radius"};
} // namespace

bool is_unimplemented(std::string_view name) {
  for (auto n : unimplemented)
    if (n == name)
      return true;
  return false;
}

std::string unimplemented_message(std::string_view name) {
  return "'" + std::string(name) + "' is parsed but not implemented yet; ignored";
}

} // namespace coati::config::detail
