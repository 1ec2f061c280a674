#include "crypto/error.hpp"

#include <openssl/err.h>

namespace coati::crypto {

namespace {
std::string with_reason(const std::string& what) {
  unsigned long code = ERR_get_error();
  std::string text = what;
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    text += ": ";
    text += buf;
  }
  ERR_clear_error();
  return text;
}
} // namespace

error::error(const std::string& what) : std::runtime_error(with_reason(what)) {}

void clear_openssl_errors() {
  ERR_clear_error();
}

} // namespace coati::crypto
